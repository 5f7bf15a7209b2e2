"""The registry's commands: ``strongtrusts import gias``, ``import ofsted`` and
``import trust-inspections``, feeds, projections and sample data."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

from services.registry.gias.csvfile import RowProblem, UnusableInput
from services.registry.gias.snapshot import GiasFiles, ImportReport, snapshot_date_of
from services.registry.importer import import_gias
from services.registry.ofsted.importer import OfstedReport, import_ofsted
from services.registry.trust_inspections.importer import import_trust_inspections
from shared.clock import today_in_england
from shared.contracts import all_contracts
from shared.db import database_url
from shared.eventlog.runtime import owner_store
from shared.settings import get_settings


def register(commands: Any) -> None:
    """Add this service's commands to the ``strongtrusts`` parser."""
    importer = commands.add_parser("import", help="apply a data feed").add_subparsers(
        metavar="FEED"
    )
    gias = importer.add_parser("gias", help="apply a GIAS snapshot (the four extract files)")
    gias.add_argument(
        "--establishments", type=Path, required=True, metavar="edubasealldataYYYYMMDD.csv"
    )
    gias.add_argument("--groups", type=Path, required=True, metavar="allgroupsdataYYYYMMDD.csv")
    gias.add_argument("--links", type=Path, required=True, metavar="alllinksdataYYYYMMDD.csv")
    gias.add_argument("--predecessor-links", type=Path, metavar="links_edubasealldataYYYYMMDD.csv")
    gias.add_argument("--snapshot-date", type=date.fromisoformat, help="if not in the file name")
    gias.add_argument("--actor", default=None, help="recorded as the events' actor")
    gias.add_argument("--json", action="store_true", help="print the report as JSON")
    gias.set_defaults(func=_cmd_import_gias)
    ofsted = importer.add_parser("ofsted", help="apply Ofsted's management-information CSV")
    ofsted.add_argument("file", type=Path)
    ofsted.add_argument("--actor", default=None, help="recorded as the events' actor")
    ofsted.add_argument("--json", action="store_true", help="print the report as JSON")
    ofsted.set_defaults(func=_cmd_import_ofsted)
    trust_inspections = importer.add_parser(
        "trust-inspections",
        help="apply a file of Ofsted's trust inspections (columns: trust_inspection_format)",
    )
    trust_inspections.add_argument("file", type=Path)
    trust_inspections.add_argument("--actor", default=None, help="recorded as the events' actor")
    trust_inspections.add_argument("--json", action="store_true", help="print the report as JSON")
    trust_inspections.set_defaults(func=_cmd_import_trust_inspections)

    feeds = commands.add_parser("feeds", help="scheduled pulls of GIAS and Ofsted").add_subparsers(
        metavar="ACTION"
    )
    run_once = feeds.add_parser(
        "run-once", help="pull each configured feed now (or finish a released or interrupted pull)"
    )
    run_once.add_argument("--feed", action="append", choices=["gias", "ofsted"])
    run_once.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    run_once.set_defaults(func=_cmd_feeds_run_once)

    projections = commands.add_parser("projections", help="read models").add_subparsers(
        metavar="ACTION"
    )
    rebuild = projections.add_parser(
        "rebuild", help="rebuild a service's read models from the log (stop the service first)"
    )
    rebuild.add_argument("service", choices=["registry"])
    rebuild.set_defaults(func=_cmd_rebuild)

    sample = commands.add_parser("sample", help="write synthetic data").add_subparsers(
        metavar="KIND"
    )
    gias_sample = sample.add_parser("gias", help="GIAS and Ofsted files in the real formats")
    gias_sample.add_argument("--out", type=Path, required=True)
    gias_sample.add_argument("--schools", type=int, default=2000)
    gias_sample.add_argument("--seed", type=int, default=1)
    gias_sample.add_argument("--snapshot", type=date.fromisoformat, default=date(2026, 11, 1))
    gias_sample.set_defaults(func=_cmd_sample_gias)


def _cmd_import_gias(args: argparse.Namespace) -> int:
    files = GiasFiles(args.establishments, args.groups, args.links, args.predecessor_links)
    actor = args.actor or f"cli:{getpass.getuser()}"
    try:
        report = asyncio.run(_import(files, actor, args.snapshot_date, quiet=args.json))
    except UnusableInput as exc:
        print(f"strongtrusts import gias: {exc}; nothing was applied", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(
            f"import {report.import_id}: snapshot {report.snapshot_date}, "
            f"{report.events_written} events written, {len(report.rejected)} rows rejected"
        )
        _print_rejected(report.rejected)
    return 0


async def _import(
    files: GiasFiles, actor: str, snapshot: date | None, *, quiet: bool
) -> ImportReport:
    from tqdm import tqdm

    settings = get_settings()
    async with owner_store(database_url(settings), settings, all_contracts(), "registry") as store:
        with tqdm(unit=" rows", file=sys.stderr, disable=None) as bar:

            def progress(stage: str, n: int) -> None:
                bar.set_description(stage)
                bar.update(n)

            return await import_gias(
                store, files, actor=actor, snapshot=snapshot, progress=progress
            )


def _cmd_import_ofsted(args: argparse.Namespace) -> int:
    return _ofsted_file(args, "ofsted", import_ofsted)


def _cmd_import_trust_inspections(args: argparse.Namespace) -> int:
    return _ofsted_file(args, "trust-inspections", import_trust_inspections)


def _ofsted_file(
    args: argparse.Namespace, feed: str, apply: Callable[..., Awaitable[OfstedReport]]
) -> int:
    # Schools' and trusts' Ofsted files alike: one report, exit 2 when nothing could apply.
    actor = args.actor or f"cli:{getpass.getuser()}"

    async def run() -> OfstedReport:
        settings = get_settings()
        async with owner_store(
            database_url(settings), settings, all_contracts(), "registry"
        ) as store:
            return await apply(store, args.file, actor=actor)

    try:
        report = asyncio.run(run())
    except UnusableInput as exc:
        print(f"strongtrusts import {feed}: {exc}; nothing was applied", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(
            f"import {report.import_id}: {report.rows_read} rows, "
            f"{report.events_written} inspections recorded, {len(report.rejected)} rows rejected"
        )
        _print_rejected(report.rejected)
    return 0


def _cmd_sample_gias(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from services.registry.sample import write_sample

    with tqdm(unit=" rows", file=sys.stderr, disable=None) as bar:

        def progress(n: int) -> None:
            bar.update(n)

        files = write_sample(
            args.out,
            schools=args.schools,
            seed=args.seed,
            snapshot=args.snapshot,
            progress=progress,
        )
    for path in files.all():
        print(path)
    return 0


FIRST_RUN_SCHOOLS = 2000


async def first_run(url: str) -> None:
    """On a first ``make run``, load a small synthetic register so there is something to see."""
    from services.registry.sample import write_sample
    from services.registry.sample.eras import every_era_path, write_every_era
    from services.registry.sample.trust_inspections import (
        trust_inspections_path,
        write_trust_inspections,
    )

    settings = get_settings()
    async with owner_store(url, settings, all_contracts(), "registry") as store:
        if await store.pool.fetchval(
            "SELECT EXISTS (SELECT 1 FROM events WHERE category = 'school')"
        ):
            return
        folder = settings.data_dir / "sample"
        print(
            f"First run: loading {FIRST_RUN_SCHOOLS} synthetic schools from {folder}",
            file=sys.stderr,
        )
        files = write_sample(folder, schools=FIRST_RUN_SCHOOLS, seed=2030)
        gias = GiasFiles(
            files.establishments, files.groups, files.group_links, files.establishment_links
        )
        report = await import_gias(store, gias, actor="system:first-run")
        written = report.events_written
        # One school inspected in every era (services/registry/sample/eras.py).
        eras = every_era_path(files.ofsted_legacy)
        every_era = write_every_era(files.ofsted, files.ofsted_legacy, eras)
        for ofsted in (files.ofsted_legacy, files.ofsted, eras):
            if ofsted == eras and every_era is None:
                continue
            written += (await import_ofsted(store, ofsted, actor="system:first-run")).events_written
        if every_era is not None:
            print(f"First run: school {every_era} has an inspection of every era", file=sys.stderr)
        # One trust inspected by Ofsted (services/registry/sample/trust_inspections.py).
        inspected_path = trust_inspections_path(files.groups)
        inspected = write_trust_inspections(
            files.groups,
            files.group_links,
            inspected_path,
            snapshot_date_of(files.establishments) or today_in_england(),
        )
        if inspected is not None:
            written += (
                await import_trust_inspections(store, inspected_path, actor="system:first-run")
            ).events_written
            print(f"First run: trust {inspected} has two Ofsted trust inspections", file=sys.stderr)
        print(f"First run: {written} events written", file=sys.stderr)


def _cmd_feeds_run_once(args: argparse.Namespace) -> int:
    from services.registry.feeds.sources import (
        drift_limits,
        feed_sources,
        feeds_dir,
        fetch_policy,
    )
    from services.registry.feeds.stream import PullResult
    from services.registry.feeds.worker import FeedWorker
    from shared.db import owner_database_url
    from shared.eventlog.leader import Busy

    settings = get_settings()
    sources = feed_sources(settings)
    if not sources:
        print(
            "strongtrusts feeds run-once: no feed is configured; set"
            " STRONGTRUSTS_FEEDS_GIAS_BASE_URL or STRONGTRUSTS_FEEDS_OFSTED_BASE_URL",
            file=sys.stderr,
        )
        return 2

    async def run() -> list[PullResult]:
        url = database_url(settings)
        async with owner_store(url, settings, all_contracts(), "registry") as store:
            worker = FeedWorker(
                store,
                owner_database_url(settings, "registry", url),
                sources,
                feeds_dir(settings),
                limits=drift_limits(settings),
                policy=fetch_policy(settings),
                timeout_s=settings.feeds_timeout_s,
            )
            # The same lock as the service's worker: never two pulls of a feed at once.
            async with worker.leader.hold():
                return await worker.run_once(args.feed)

    try:
        results = asyncio.run(run())
    except Busy as exc:
        print(f"strongtrusts feeds run-once: {exc}; it pulls on its schedule", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([r.as_dict() for r in results], indent=2))
    else:
        for r in results:
            when = f" {r.snapshot_date}" if r.snapshot_date else ""
            print(f"{r.feed}{when}: {r.outcome} ({r.detail}) run {r.run_id}")
    return 0


def _cmd_rebuild(args: argparse.Namespace) -> int:
    from services.registry.feeds import projection as feeds
    from services.registry.projections import rebuild
    from shared.eventlog.rebuild import ProjectionBusy

    settings = get_settings()
    try:
        report = asyncio.run(rebuild(database_url(settings), settings))
        asyncio.run(feeds.rebuild(database_url(settings), settings))
    except ProjectionBusy as exc:
        print(f"strongtrusts projections rebuild: {exc}", file=sys.stderr)
        return 1
    print(
        f"rebuilt {args.service} read models: {report.events} events in {report.seconds:.1f}s"
        f" ({report.events_per_s:,.0f} events/s)"
    )
    return 0


def _print_rejected(rejected: list[RowProblem], shown: int = 50) -> None:
    for problem in rejected[:shown]:
        print(f"  rejected {problem}")
    if len(rejected) > shown:
        print(f"  … and {len(rejected) - shown} more (use --json for all)")
