"""``publisher``: every event out to NATS JetStream."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from shared.cli.options import log_format, log_format_option, run_server
from shared.db import connect, database_url
from shared.settings import get_settings


def register(commands: Any) -> None:
    """``publisher run`` and ``publisher backfill``."""
    publisher = commands.add_parser(
        "publisher", help="every event out to NATS JetStream (STRONGTRUSTS_NATS_URL)"
    ).add_subparsers(metavar="ACTION")
    publish_run = publisher.add_parser(
        "run", help="run the publisher alone, as its own role, until stopped"
    )
    log_format_option(publish_run)
    publish_run.set_defaults(func=_cmd_publisher_run)
    backfill = publisher.add_parser(
        "backfill",
        help="start publishing from a position of the log (into an empty or purged stream:"
        " what the stream holds is never sent again)",
    )
    backfill.add_argument("--from-position", type=int, default=None, metavar="N")
    backfill.set_defaults(func=_cmd_publisher_backfill)


def _cmd_publisher_run(args: argparse.Namespace) -> int:
    import signal

    from shared.contracts import all_contracts
    from shared.http.logging import configure_logging
    from shared.publisher.worker import publisher_runtime

    settings = get_settings()
    runtime = publisher_runtime(database_url(settings), settings, all_contracts())
    if runtime is None:
        print("strongtrusts publisher run: set STRONGTRUSTS_NATS_URL", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, "publisher", fmt=log_format(args, settings))

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await runtime.start()
        try:
            await stop.wait()
        finally:
            await runtime.stop()

    run_server(run())
    return 0


def _cmd_publisher_backfill(args: argparse.Namespace) -> int:
    from shared.publisher.worker import start_from

    settings = get_settings()

    async def run() -> object:
        conn = await connect(database_url(settings), settings, as_owner="publisher")
        try:
            return await start_from(conn, args.from_position)
        finally:
            await conn.close()

    try:
        checkpoint = asyncio.run(run())
    except ValueError as exc:
        print(f"strongtrusts publisher backfill: {exc}", file=sys.stderr)
        return 2
    print(f"the publisher starts after {checkpoint} when it next becomes active")
    return 0
