"""Running services under uvicorn: one, or all three in one process for development."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import signal
import sys
from collections.abc import Generator, Mapping

import asyncpg
import uvicorn
from fastapi import FastAPI

from shared import migrate, reference
from shared.composition import service_modules
from shared.db import asyncpg_dsn, database_url, set_role_passwords
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
    """``make run``: embedded database, migrations, all services, URLs and dev tokens."""
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
    case_id, home, away = await _sample_regions(url)
    console = _console_app()
    lines = startup_banner(settings, host=host, era=era, sample_case=case_id, home=home, away=away)
    print("\n".join(lines), file=sys.stderr, flush=True)
    ports: dict[str, int] = {name: port for name, port in SERVICE_PORTS.items()}
    await serve_services(
        settings, ports, host=host, url=url, log_format=log_format, extra={CONSOLE_PORT: console}
    )


def startup_banner(
    settings: Settings,
    *,
    host: str,
    era: int,
    sample_case: str | None,
    home: str,
    away: str,
) -> list[str]:
    """What ``make run`` prints: where everything is, a national token with every role, and
    tokens for two regions' case teams, so a newcomer sees one read and one refusal."""
    from shared.http.auth import Role, issue_token

    # Every role, so a developer can walk the whole story; admin alone decides nothing.
    token = issue_token(settings, roles=list(Role), subject="developer")
    team = [Role.READER, Role.CASEWORKER, Role.DECISION_MAKER]
    regions = reference.regions()
    database = "embedded" if settings.database_url is None else "from DATABASE_URL"
    lines = [
        "",
        f"strongtrusts is starting (database {database}, log era {era})",
        f"  {'console':<14} http://{host}:{CONSOLE_PORT}/  (sign in as anyone, in any region,"
        " in development)",
        *(f"  {name:<14} http://{host}:{port}/docs" for name, port in SERVICE_PORTS.items()),
        "",
        (
            f"Publishing every event to NATS JetStream at {settings.nats_url}"
            f" (stream {settings.nats_stream}, subjects {settings.nats_subject_prefix}.>)"
            if settings.nats_url
            else "Not publishing events to NATS (set STRONGTRUSTS_NATS_URL to publish them)"
        ),
        "",
        "Development token (every role, acting nationally; `strongtrusts token --role ROLE"
        " [--scope region:H]` for one):",
        f"  {token}",
        "",
        "Two regions' case teams (reader, caseworker, decision maker), to see who may act where:",
    ]
    for code, where in ((home, "where the sample case is"), (away, "another region")):
        regional = issue_token(
            settings, roles=team, subject=f"caseteam.{code.lower()}", scopes=[f"region:{code}"]
        )
        lines += [f"  {regions[code].name} (region:{code}), {where}:", f"    {regional}"]
    if sample_case is not None:
        port = SERVICE_PORTS["commissioning"]
        lines += [
            "  The first reads the sample case; the second is refused (403, out of scope):",
            f"    curl -H 'Authorization: Bearer <token>' http://{host}:{port}/cases/{sample_case}",
        ]
    return [*lines, "", "Ctrl-C stops everything.", ""]


async def _sample_regions(url: str) -> tuple[str | None, str, str]:
    """The first case in the log and the region it is in, and another region (Yorkshire and
    the Humber and London when there is no case yet)."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        row = await conn.fetchrow(
            "SELECT data->>'case_id' AS case_id, data->>'region_code' AS region"
            " FROM eventlog.events WHERE event_type = 'commissioning.CaseOpened'"
            " ORDER BY position LIMIT 1"
        )
    finally:
        await conn.close()
    home = row["region"] if row is not None and row["region"] else "D"
    away = "H" if home != "H" else "D"
    return (None if row is None else row["case_id"]), home, away


def _console_app() -> FastAPI:
    # The console is a client of the services, not one of them: no database, no event log.
    module = importlib.import_module("services.console.main")
    app: FastAPI = module.create_app()
    return app
