"""The long-running processes: all services, one service, the audit worker."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from shared.cli.options import log_format, log_format_option, run_server
from shared.settings import SERVICE_PORTS, Settings, get_settings


def register(commands: Any) -> None:
    """``run``, ``serve`` and ``worker``."""
    run = commands.add_parser("run", help="start the database, migrate, and run all three services")
    run.add_argument("--host", default="127.0.0.1")
    log_format_option(run)
    run.set_defaults(func=_cmd_run)

    serve = commands.add_parser("serve", help="run one service with its consumers")
    serve.add_argument("service", choices=sorted(SERVICE_PORTS))
    serve.add_argument("--port", type=int)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument(
        "--workers", type=int, default=1, help="processes (stateless replicas sharing the port)"
    )
    log_format_option(serve)
    serve.set_defaults(func=_cmd_serve)

    worker = commands.add_parser("worker", help="run a worker with no HTTP API").add_subparsers(
        metavar="WORKER"
    )
    audit = worker.add_parser(
        "audit", help="the sealer and the audit index, as the audit role (production)"
    )
    audit.add_argument(
        "--check", action="store_true", help="exit 1 if its consumers are not running (health)"
    )
    log_format_option(audit)
    audit.set_defaults(func=_cmd_worker_audit)


def _cmd_serve(args: argparse.Namespace) -> int:
    from shared.serve import serve_services

    settings = get_settings()
    port = args.port or SERVICE_PORTS[args.service]
    fmt = log_format(args, settings)
    if args.workers > 1:
        from shared.serve import serve_replicas

        serve_replicas(
            args.service, host=args.host, port=port, workers=args.workers, log_format=fmt
        )
        return 0
    run_server(serve_services(settings, {args.service: port}, host=args.host, log_format=fmt))
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

    configure_logging(settings.log_level, "audit", fmt=log_format(args, settings))
    run_server(run_audit_worker(settings, all_contracts()))
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from shared.serve import run_everything

    settings: Settings = get_settings()
    run_server(run_everything(settings, host=args.host, log_format=log_format(args, settings)))
    return 0
