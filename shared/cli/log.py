"""Commands on the log itself: verify the chains, sign a checkpoint, list consumers."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from shared.db import connect, database_url
from shared.ownership import OWNERS
from shared.settings import get_settings


def register(commands: Any) -> None:
    """``log verify``, ``log checkpoint`` and ``consumers``."""
    log = commands.add_parser("log", help="the event log").add_subparsers(metavar="ACTION")
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

    consumers = commands.add_parser("consumers", help="list durable consumers and their lag")
    consumers.add_argument("--json", action="store_true")
    consumers.set_defaults(func=_cmd_consumers)


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
