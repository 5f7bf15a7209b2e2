"""The console's app: ``create_app(settings)`` builds it; nothing connects until it serves."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from services.console.api import ROUTERS
from services.console.clients import Connections, ServiceName
from services.console.errors import UnexpectedErrorPage, install_error_pages
from services.console.session import require_csrf
from services.console.settings import ConsoleSettings, get_console_settings
from services.console.templating import environment
from shared.http.middleware import RequestContextMiddleware

STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "strongtrusts_console"


def create_app(
    settings: ConsoleSettings | None = None,
    *,
    transports: Mapping[ServiceName, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """The console. ``transports`` replaces how it reaches a service (tests count calls)."""
    settings = settings or get_console_settings()
    frontend = settings.frontend_dir
    if not (frontend / "assets").is_dir():
        raise RuntimeError(f"GOV.UK Frontend is not at {frontend}: run `make install` (npm ci)")
    connections = Connections(settings, transports)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await connections.close()

    app = FastAPI(
        title="strongtrusts console",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        # Every form post, on every route, carries this session's CSRF token.
        dependencies=[Depends(require_csrf)],
    )
    app.state.settings = settings
    app.state.connections = connections
    app.state.templates = environment()
    # Added innermost first: the error page sees the session, the request id wraps all.
    app.add_middleware(UnexpectedErrorPage)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.signing_key(),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_ttl_seconds,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(
        RequestContextMiddleware, service="console", max_body_bytes=settings.max_upload_bytes
    )
    install_error_pages(app)
    # GOV.UK Frontend's fonts and images at /assets, where its stylesheet looks for them.
    app.mount("/assets", StaticFiles(directory=frontend / "assets"), name="assets")
    app.mount("/govuk-frontend", StaticFiles(directory=frontend), name="govuk-frontend")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    return app


def serve() -> None:
    """``strongtrusts-console [--host H] [--port P]``: the console alone (its container)."""
    import argparse

    import uvicorn

    from shared.http.logging import configure_logging
    from shared.settings import CONSOLE_PORT

    parser = argparse.ArgumentParser(prog="strongtrusts-console")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=CONSOLE_PORT)
    args = parser.parse_args()
    configure_logging(get_console_settings().log_level, "console")
    uvicorn.run(create_app(), host=args.host, port=args.port, log_config=None, access_log=False)
