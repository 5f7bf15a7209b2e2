"""The floor under an HTTP read: the least a FastAPI route can do for ``GET /schools/{urn}``.

A minimal app on the same server settings as the services (uvicorn on uvloop, our bounded
httptools protocol, no access log), whose one route runs the very query the registry's
``GET /schools/{urn}`` runs, on a pool set up as the registry's (its role, its search path),
and answers the row as JSON. No middleware, authentication, dependencies, response model or
metrics: what the real route costs beyond this is what the shared request stack costs.

``python -m bench.http_floor --port N`` serves it (``DATABASE_URL`` names the database);
the registry benchmark runs it beside the registry and loads both alternately.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import orjson
import uvicorn
from fastapi import FastAPI, Request, Response

from services.registry.queries.schools import _SCHOOL_NOW_SQL
from shared.db import create_pool
from shared.http.protocol import BoundedHttpToolsProtocol
from shared.settings import Settings

# What the floor served in this run (the registry scenario measures it): later scenarios
# offer half of it for their open-loop latencies. Without it (``--only`` another scenario),
# they offer DEFAULT_RATE.
measured_rps: float | None = None
DEFAULT_RATE = 1000.0


def offered_rate(floor_rps: list[float] | None = None) -> float:
    """Half the floor's measured capacity (the median of ``floor_rps``, or this run's)."""
    global measured_rps
    if floor_rps:
        measured_rps = sorted(floor_rps)[len(floor_rps) // 2]
    return measured_rps / 2 if measured_rps else DEFAULT_RATE


def create_app(url: str, settings: Settings) -> FastAPI:
    """The floor app over the database at ``url``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await create_pool(url, settings, as_owner="registry")
        # As the services do after start-up: long-lived objects out of the collector's way.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/schools/{urn}")
    async def school(urn: int, request: Request) -> Response:
        pool: asyncpg.Pool = request.app.state.pool
        row = await pool.fetchrow(_SCHOOL_NOW_SQL, urn)
        if row is None:
            return Response(status_code=404)
        return Response(orjson.dumps(dict(row), default=str), media_type="application/json")

    @app.get("/healthz")
    async def healthz() -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    return app


async def serve(url: str, settings: Settings, port: int) -> None:
    """Serve the floor app on ``port`` with the services' uvicorn settings."""
    config = uvicorn.Config(
        create_app(url, settings),
        host="127.0.0.1",
        port=port,
        http=BoundedHttpToolsProtocol,
        log_config=None,
        access_log=False,
        lifespan="on",
    )
    await uvicorn.Server(config).serve()


def main() -> int:
    """Entry point of ``python -m bench.http_floor``."""
    parser = argparse.ArgumentParser(prog="python -m bench.http_floor", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    settings = Settings(environment="test", database_url=url)
    try:
        import uvloop
    except ImportError:  # as shared.cli runs the services: uvloop where it is installed
        asyncio.run(serve(url, settings, args.port))
    else:
        with contextlib.suppress(KeyboardInterrupt):
            uvloop.run(serve(url, settings, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
