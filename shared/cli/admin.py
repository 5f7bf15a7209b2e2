"""Set-up commands: migrations, development tokens, the published API documents."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from shared.db import database_url, set_role_passwords
from shared.settings import get_settings


def register(commands: Any) -> None:
    """``db``, ``token`` and ``openapi``."""
    db = commands.add_parser("db", help="schema migrations").add_subparsers(metavar="ACTION")
    up = db.add_parser("upgrade", help="migrate to the newest schema (or --revision)")
    up.add_argument("--revision", default="head")
    up.set_defaults(func=_cmd_db_upgrade)
    down = db.add_parser("downgrade", help="migrate down to a revision ('base' for empty)")
    down.add_argument("revision")
    down.set_defaults(func=_cmd_db_downgrade)

    token = commands.add_parser("token", help="print a development token")
    token.add_argument("--role", action="append", required=True, help="repeat for more roles")
    token.add_argument("--sub", default="developer", help="the subject recorded as actor")
    token.add_argument(
        "--scope",
        action="append",
        help="where the holder acts: national (the default), region:<GOR code> or"
        " la:<LA code>; repeat for more",
    )
    token.add_argument("--ttl", type=int, help="lifetime in seconds")
    token.set_defaults(func=_cmd_token)

    openapi = commands.add_parser(
        "openapi",
        help="write each service's OpenAPI document beside it, and asyncapi.json for the"
        " events published to NATS (--check: compare)",
    )
    openapi.add_argument(
        "--check", action="store_true", help="exit 1 if a committed document is out of date"
    )
    openapi.set_defaults(func=_cmd_openapi)


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    from shared import migrate

    settings = get_settings()
    url = database_url(settings)
    migrate.upgrade(url, args.revision)
    era = asyncio.run(migrate.ensure_era(url))
    asyncio.run(set_role_passwords(url, settings))
    print(f"database at {args.revision} (log era {era})")
    return 0


def _cmd_db_downgrade(args: argparse.Namespace) -> int:
    from shared import migrate

    migrate.downgrade(database_url(get_settings()), args.revision)
    print(f"database at {args.revision}")
    return 0


def _cmd_token(args: argparse.Namespace) -> int:
    from shared.http.auth import Role, issue_token

    settings = get_settings()
    try:
        roles = [Role(r) for r in args.role]
    except ValueError as exc:
        print(
            f"strongtrusts token: {exc}; roles are {', '.join(r.value for r in Role)}",
            file=sys.stderr,
        )
        return 2
    try:
        token = issue_token(
            settings, roles=roles, subject=args.sub, scopes=args.scope, ttl_seconds=args.ttl
        )
    except ValueError as exc:
        print(f"strongtrusts token: {exc}", file=sys.stderr)
        return 2
    print(token)
    return 0


def _cmd_openapi(args: argparse.Namespace) -> int:
    from shared import openapi_docs
    from shared.publisher import asyncapi

    if args.check:
        stale = [str(openapi_docs.committed_path(s)) for s in openapi_docs.stale_services()]
        if asyncapi.is_stale():
            stale.append(str(asyncapi.committed_path()))
        for path in stale:
            print(
                f"{path}: differs from what the code serves and publishes; "
                "run `strongtrusts openapi` and review the change",
                file=sys.stderr,
            )
        return 1 if stale else 0
    for written in [*openapi_docs.write_all(), asyncapi.write()]:
        print(written)
    return 0
