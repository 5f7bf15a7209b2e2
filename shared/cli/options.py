"""What several commands share: the log format option and running a server's loop."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from shared.settings import Settings

if TYPE_CHECKING:
    from shared.http.logging import LogFormat


def log_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-format",
        choices=("json", "text"),
        help="json (one object a line, for log shippers) or text (one readable line);"
        " default text in development, json otherwise",
    )


def log_format(args: argparse.Namespace, settings: Settings) -> LogFormat:
    chosen: LogFormat | None = args.log_format
    if chosen is not None:
        return chosen
    return "text" if settings.environment == "development" else "json"


def run_server(main: Coroutine[Any, Any, None]) -> None:
    """Run a server's main coroutine on uvloop where it is installed (faster), else asyncio."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    uvloop.run(main)
