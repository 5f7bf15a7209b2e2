"""Running services under uvicorn: one, or all three in one process for development."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import signal
import sys
from collections.abc import Generator, Mapping

import uvicorn
from fastapi import FastAPI

from shared import migrate
from shared.composition import service_modules
from shared.db import database_url, set_role_passwords
from shared.http.logging import LogFormat, configure_logging
from shared.http.protocol import BoundedHttpToolsProtocol
from shared.settings import CONSOLE_PORT, SERVICE_PORTS, Settings, get_settings


class _Server(uvicorn.Server):
    # Several servers share one loop; signals are handled once, for all of them, below.
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def load_app(service: str, settings: Settings, url: str) -> FastAPI:
    """The composition root: the only place that names service packages."""
    module = importlib.import_module(f"services.{service}.main")
    app: FastAPI = module.create_app(settings, url=url)
    return app


def serve_replicas(
    service: str, *, host: str, port: int, workers: int, log_format: LogFormat = "json"
) -> None:
    """Several processes of one service on one port; each runs its consumers, and the
    consumers' leader locks keep exactly one instance of each active."""
    configure_logging(get_settings().log_level, service, fmt=log_format)
    uvicorn.run(
        f"services.{service}.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # Bounded request heads, and problem+json for what the parser refuses.
        http=BoundedHttpToolsProtocol,
        log_config=None,
        access_log=False,
    )


async def serve_services(
    settings: Settings,
    ports: Mapping[str, int],
    *,
    host: str,
    url: str | None = None,
    log_format: LogFormat = "json",
    extra: Mapping[int, FastAPI] | None = None,
) -> None:
    """Serve the given services (and any ``extra`` apps by port) until SIGINT or SIGTERM,
    then stop them cleanly."""
    # Logging is the process's, not an app's: configured once, here at the composition root.
    configure_logging(settings.log_level, "+".join(ports), fmt=log_format)
    url = url or database_url(settings)
    servers = [
        _Server(
            uvicorn.Config(
                load_app(name, settings, url),
                host=host,
                port=port,
                # Bounded request heads, and problem+json for what the parser refuses.
                http=BoundedHttpToolsProtocol,
                log_config=None,
                access_log=False,
                lifespan="on",
            )
        )
        for name, port in ports.items()
    ] + [
        _Server(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                http=BoundedHttpToolsProtocol,
                log_config=None,
                access_log=False,
                lifespan="on",
            )
        )
        for port, app in (extra or {}).items()
    ]
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for server in servers:
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    await asyncio.gather(*(s.serve() for s in servers))


async def run_everything(settings: Settings, *, host: str, log_format: LogFormat = "json") -> None:
    """``make run``: embedded database, migrations, all services, URLs and a dev token."""
    from shared.http.auth import Role, issue_token

    url = database_url(settings)
    await asyncio.to_thread(migrate.upgrade, url)
    era = await migrate.ensure_era(url)
    # The services log in as their own roles, which the migration made; a fresh embedded
    # database needs nothing more than their (development) passwords.
    await set_role_passwords(url, settings)
    # Services may load something to look at on a first run (the registry: a sample set).
    for module in service_modules("cli"):
        first_run = getattr(module, "first_run", None)
        if first_run is not None:
            await first_run(url)
    # Every role, so a developer can walk the whole story; admin alone decides nothing.
    token = issue_token(settings, roles=list(Role), subject="developer")
    console = _console_app()
    lines = [
        "",
        f"strongtrusts is starting (database {'embedded' if settings.database_url is None else 'from DATABASE_URL'}, log era {era})",
        f"  {'console':<14} http://{host}:{CONSOLE_PORT}/  (sign in as anyone in development)",
        *(f"  {name:<14} http://{host}:{port}/docs" for name, port in SERVICE_PORTS.items()),
        "",
        (
            f"Publishing every event to NATS JetStream at {settings.nats_url}"
            f" (stream {settings.nats_stream}, subjects {settings.nats_subject_prefix}.>)"
            if settings.nats_url
            else "Not publishing events to NATS (set STRONGTRUSTS_NATS_URL to publish them)"
        ),
        "",
        "Development token (every role; `strongtrusts token --role ROLE` for one):",
        f"  {token}",
        "",
        "Ctrl-C stops everything.",
        "",
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)
    ports: dict[str, int] = {name: port for name, port in SERVICE_PORTS.items()}
    await serve_services(
        settings, ports, host=host, url=url, log_format=log_format, extra={CONSOLE_PORT: console}
    )


def _console_app() -> FastAPI:
    # The console is a client of the services, not one of them: no database, no event log.
    module = importlib.import_module("services.console.main")
    app: FastAPI = module.create_app()
    return app
