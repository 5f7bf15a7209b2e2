"""The ``strongtrusts`` command: run the services, migrate, verify the log, mint dev tokens."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import warnings
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.composition import service_modules
from shared.db import connect, database_url, set_role_passwords
from shared.ownership import OWNERS
from shared.settings import SERVICE_PORTS, Settings, get_settings

if TYPE_CHECKING:
    from shared.http.logging import LogFormat


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    # The embedded PostgreSQL's platformdirs warns on every start where XDG_RUNTIME_DIR is
    # unset (containers, CI, many shells) and falls back to a sound default: not news.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", category=UserWarning)
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    code: int = args.func(args)
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="strongtrusts", description=__doc__)
    sub = parser.add_subparsers(metavar="COMMAND")

    run = sub.add_parser("run", help="start the database, migrate, and run all three services")
    run.add_argument("--host", default="127.0.0.1")
    _log_format_option(run)
    run.set_defaults(func=_cmd_run)

    serve = sub.add_parser("serve", help="run one service with its consumers")
    serve.add_argument("service", choices=sorted(SERVICE_PORTS))
    serve.add_argument("--port", type=int)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument(
        "--workers", type=int, default=1, help="processes (stateless replicas sharing the port)"
    )
    _log_format_option(serve)
    serve.set_defaults(func=_cmd_serve)

    worker = sub.add_parser("worker", help="run a worker with no HTTP API").add_subparsers(
        metavar="WORKER"
    )
    audit = worker.add_parser(
        "audit", help="the sealer and the audit index, as the audit role (production)"
    )
    audit.add_argument(
        "--check", action="store_true", help="exit 1 if its consumers are not running (health)"
    )
    _log_format_option(audit)
    audit.set_defaults(func=_cmd_worker_audit)

    db = sub.add_parser("db", help="schema migrations").add_subparsers(metavar="ACTION")
    up = db.add_parser("upgrade", help="migrate to the newest schema (or --revision)")
    up.add_argument("--revision", default="head")
    up.set_defaults(func=_cmd_db_upgrade)
    down = db.add_parser("downgrade", help="migrate down to a revision ('base' for empty)")
    down.add_argument("revision")
    down.set_defaults(func=_cmd_db_downgrade)

    log = sub.add_parser("log", help="the event log").add_subparsers(metavar="ACTION")
    verify = log.add_parser("verify", help="recompute the hash chains; exit 1 on any break")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument(
        "--anchor",
        type=Path,
        help="a signed checkpoint file: also check history up to it was not rewritten",
    )
    verify.add_argument(
        "--public-key",
        help="the public key (base64url) the anchor must be signed with; default: the one of"
        " STRONGTRUSTS_AUDIT_SIGNING_KEY. Write --public-key=KEY: a key may start with '-'",
    )
    verify.set_defaults(func=_cmd_log_verify)
    checkpoint = log.add_parser(
        "checkpoint", help="sign the newest seal of the global chain, to keep outside the database"
    )
    checkpoint.add_argument("--out", type=Path, help="write it here (default: standard output)")
    checkpoint.set_defaults(func=_cmd_log_checkpoint)

    consumers = sub.add_parser("consumers", help="list durable consumers and their lag")
    consumers.add_argument("--json", action="store_true")
    consumers.set_defaults(func=_cmd_consumers)

    publisher = sub.add_parser(
        "publisher", help="every event out to NATS JetStream (STRONGTRUSTS_NATS_URL)"
    ).add_subparsers(metavar="ACTION")
    publish_run = publisher.add_parser(
        "run", help="run the publisher alone, as its own role, until stopped"
    )
    _log_format_option(publish_run)
    publish_run.set_defaults(func=_cmd_publisher_run)
    backfill = publisher.add_parser(
        "backfill",
        help="start publishing from a position of the log (into an empty or purged stream:"
        " what the stream holds is never sent again)",
    )
    backfill.add_argument("--from-position", type=int, default=None, metavar="N")
    backfill.set_defaults(func=_cmd_publisher_backfill)

    token = sub.add_parser("token", help="print a development token")
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

    openapi = sub.add_parser(
        "openapi",
        help="write each service's OpenAPI document beside it, and asyncapi.json for the"
        " events published to NATS (--check: compare)",
    )
    openapi.add_argument(
        "--check", action="store_true", help="exit 1 if a committed document is out of date"
    )
    openapi.set_defaults(func=_cmd_openapi)

    # Each service may add its own commands (feeds, samples) in services/<name>/cli.py.
    for module in service_modules("cli"):
        module.register(sub)
    return parser


def _log_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-format",
        choices=("json", "text"),
        help="json (one object a line, for log shippers) or text (one readable line);"
        " default text in development, json otherwise",
    )


def _log_format(args: argparse.Namespace, settings: Settings) -> LogFormat:
    chosen: LogFormat | None = args.log_format
    if chosen is not None:
        return chosen
    return "text" if settings.environment == "development" else "json"


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


def _cmd_log_verify(args: argparse.Namespace) -> int:
    from shared.audit import signing
    from shared.eventlog.verify import count_events, verify_log

    anchor = None
    trusted: str | None = None
    if args.anchor is not None:
        try:
            anchor = signing.load_checkpoint(args.anchor.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            print(f"{args.anchor}: not a usable checkpoint: {exc}", file=sys.stderr)
            return 2
        # Never the key the file itself names: anyone able to rewrite the log could sign a
        # matching file with a key of their own.
        try:
            trusted = args.public_key or signing.public_key_text(
                signing.signing_key(get_settings()).public_key()
            )
        except (RuntimeError, ValueError) as exc:
            print(f"no key to trust: pass --public-key ({exc})", file=sys.stderr)
            return 2

    async def run() -> dict[str, object]:
        conn = await connect(database_url(get_settings()), get_settings())
        try:
            total = await count_events(conn)
            from tqdm import tqdm

            with tqdm(total=total, unit="ev", file=sys.stderr, disable=None) as bar:

                def advance(n: int) -> None:
                    bar.update(n)

                if anchor is None:
                    return (await verify_log(conn, progress=advance)).as_dict()
                checked = await signing.check_anchor(
                    conn, anchor, trusted_public_key=trusted, progress=advance
                )
                return {**checked.chains.as_dict(), "anchor": checked.as_dict(), "ok": checked.ok}
        finally:
            await conn.close()

    result = asyncio.run(run())
    if args.json:
        print(json.dumps(result, indent=2))
        return 0 if result["ok"] else 1
    breaks = result["breaks"]
    assert isinstance(breaks, list)
    if not breaks:
        print(
            f"chains whole: {result['events_checked']} events in {result['streams_checked']}"
            f" streams; global chain sealed through position {result['last_sealed_position']}"
            f" ({result['unsealed_events']} not yet sealed)"
        )
    else:
        print(f"BROKEN: first broken position {result['first_broken_position']}")
        for b in breaks:
            where = f"position {b['position']}" if b["position"] is not None else "stream head"
            print(f"  {where}: {b['kind']}: {b['detail']}")
    anchored = result.get("anchor")
    if isinstance(anchored, dict):
        seq = anchored["checkpoint_seq"]
        if anchored["ok"]:
            print(f"anchor ok: history through seal {seq} is as signed with the trusted key")
        else:
            for problem in anchored["problems"]:
                print(f"ANCHOR: {problem}")
    print("ok" if result["ok"] else "FAILED")
    return 0 if result["ok"] else 1


def _cmd_log_checkpoint(args: argparse.Namespace) -> int:
    from shared.audit import signing

    settings = get_settings()

    async def run() -> tuple[dict[str, object], signing.SignedCheckpoint | None]:
        conn = await connect(database_url(settings), settings)
        try:
            report, signed = await signing.verify_and_sign(conn, signing.signing_key(settings))
            return report.as_dict(), signed
        finally:
            await conn.close()

    report, signed = asyncio.run(run())
    if not report["ok"]:
        print(
            "the hash chains are broken at position"
            f" {report['first_broken_position']}: nothing signed (see `strongtrusts log verify`)",
            file=sys.stderr,
        )
        return 1
    if signed is None:
        print("nothing is sealed yet: no checkpoint to sign", file=sys.stderr)
        return 1
    text = json.dumps(signed.as_dict(), indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out} (seal {signed.seq}, position {signed.position})", file=sys.stderr)
    return 0


def _cmd_consumers(args: argparse.Namespace) -> int:
    from shared.eventlog.status import subscription_statuses

    async def run() -> list[dict[str, object]]:
        conn = await connect(database_url(get_settings()), get_settings())
        try:
            return [
                {"owner": name, **s.as_dict()}
                for name in OWNERS
                for s in await subscription_statuses(conn, schema=name)
            ]
        finally:
            await conn.close()

    rows = asyncio.run(run())
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            line = f"{r['owner']:<14} {r['name']:<32} {r['status']:<9} lag {r['lag_events']:>8}  handled {r['events_handled']}"
            if r["status"] == "waiting":
                line += f"  waiting: {r['last_error']}"
            elif r["status"] != "running":
                line += f"  failed at {r['failed_position']}: {r['last_error']}"
            print(line)
    return 0


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
    configure_logging(settings.log_level, "publisher", fmt=_log_format(args, settings))

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

    _run_server(run())
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


def _cmd_serve(args: argparse.Namespace) -> int:
    from shared.serve import serve_services

    settings = get_settings()
    port = args.port or SERVICE_PORTS[args.service]
    log_format = _log_format(args, settings)
    if args.workers > 1:
        from shared.serve import serve_replicas

        serve_replicas(
            args.service, host=args.host, port=port, workers=args.workers, log_format=log_format
        )
        return 0
    _run_server(
        serve_services(settings, {args.service: port}, host=args.host, log_format=log_format)
    )
    return 0


def _cmd_worker_audit(args: argparse.Namespace) -> int:
    from shared.audit.worker import audit_worker_healthy, run_audit_worker
    from shared.contracts import all_contracts

    settings = get_settings()
    if args.check:
        problems = asyncio.run(audit_worker_healthy(settings))
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    from shared.http.logging import configure_logging

    configure_logging(settings.log_level, "audit", fmt=_log_format(args, settings))
    _run_server(run_audit_worker(settings, all_contracts()))
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from shared.serve import run_everything

    settings: Settings = get_settings()
    _run_server(run_everything(settings, host=args.host, log_format=_log_format(args, settings)))
    return 0


def _run_server(main: Coroutine[Any, Any, None]) -> None:
    """Run a server's main coroutine on uvloop where it is installed (faster), else asyncio."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    uvloop.run(main)


if __name__ == "__main__":
    sys.exit(main())
