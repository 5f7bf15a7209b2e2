"""The ``strongtrusts`` command: run the services, migrate, verify the log, mint dev tokens.

Each command group registers itself the same way, whether it lives here or in a service's
own ``services/<name>/cli.py``.
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Sequence

from shared.cli import admin, log, publisher, serving
from shared.composition import service_modules

_SUMMARY = "Run the services, migrate, verify the log, mint development tokens."


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    # The embedded PostgreSQL's platformdirs warns on every start where XDG_RUNTIME_DIR is
    # unset (containers, CI, many shells) and falls back to a sound default: not news.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", category=UserWarning)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    code: int = args.func(args)
    return code


def build_parser() -> argparse.ArgumentParser:
    """Every command, shared and per service."""
    parser = argparse.ArgumentParser(prog="strongtrusts", description=_SUMMARY)
    commands = parser.add_subparsers(metavar="COMMAND")
    for group in (serving, admin, log, publisher, *service_modules("cli")):
        group.register(commands)
    return parser
