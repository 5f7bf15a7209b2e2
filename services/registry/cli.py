"""The registry's commands: ``strongtrusts import gias`` (and later ``import ofsted``)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from services.registry.gias.csvfile import RowProblem, UnusableInput
from services.registry.importer import GiasFiles, ImportReport, import_gias
from services.registry.ofsted import OfstedReport, import_ofsted
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
    actor = args.actor or f"cli:{getpass.getuser()}"

    async def run() -> OfstedReport:
        settings = get_settings()
        async with owner_store(
            database_url(settings), settings, all_contracts(), "registry"
        ) as store:
            return await import_ofsted(store, args.file, actor=actor)

    try:
        report = asyncio.run(run())
    except UnusableInput as exc:
        print(f"strongtrusts import ofsted: {exc}; nothing was applied", file=sys.stderr)
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
        for ofsted in (files.ofsted_legacy, files.ofsted):
            written += (await import_ofsted(store, ofsted, actor="system:first-run")).events_written
        print(f"First run: {written} events written", file=sys.stderr)


def _cmd_rebuild(args: argparse.Namespace) -> int:
    from services.registry.projections import rebuild
    from shared.eventlog.rebuild import ProjectionBusy

    settings = get_settings()
    try:
        report = asyncio.run(rebuild(database_url(settings), settings))
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
