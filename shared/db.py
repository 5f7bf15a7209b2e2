"""PostgreSQL: the embedded development server, connection URLs and the event-log pool."""

from __future__ import annotations

import logging
import secrets
import urllib.parse
from pathlib import Path
from typing import Any

import asyncpg

from shared.keyfiles import generated_secret
from shared.ownership import LOG_SCHEMA, OWNERS, OwnerName, owner
from shared.settings import Settings

# The one list of "the database is unreachable", in two parts so they cannot drift apart.
# A connection that broke mid-conversation (the server shut down or restarted, the network
# dropped it): what a query on an open connection raises when it is not the query's fault.
CONNECTION_LOST_ERRORS: tuple[type[Exception], ...] = (
    ConnectionError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    # What asyncpg raises on a connection the server's shutdown left mid-operation (seen in
    # tests/faults): that connection is done for; a retry gets another.
    asyncpg.InternalClientError,
)
# ...or no connection could be made: a missing socket file while the server restarts, an
# unknown host, a connect timeout. Both are worth waiting for and trying again, unlike an
# error in what was asked of the database. Code that runs on a connection it already holds
# (a consumer's handler) uses CONNECTION_LOST_ERRORS, so that its own timeouts and missing
# files still count as its failures.
UNREACHABLE_ERRORS: tuple[type[Exception], ...] = (*CONNECTION_LOST_ERRORS, OSError)

log = logging.getLogger(__name__)

_embedded: dict[Path, Any] = {}


def start_embedded_postgres(data_dir: Path, *, throwaway: bool = False) -> str:
    """Start (or reuse) the embedded PostgreSQL whose files live in ``data_dir``; return its URL."""
    import pgserver  # imported lazily: production never starts an embedded server

    data_dir = data_dir.resolve()
    if data_dir not in _embedded:
        data_dir.mkdir(parents=True, exist_ok=True)
        # "stop" shuts the server down when the last process using it exits, keeping the
        # files; "delete" is for throwaway test clusters.
        _embedded[data_dir] = pgserver.get_server(  # type: ignore[attr-defined]
            data_dir, cleanup_mode="delete" if throwaway else "stop"
        )
    uri: str = _embedded[data_dir].get_uri()
    return uri


def database_url(settings: Settings) -> str:
    """The URL to connect to: ``DATABASE_URL`` if set, else the embedded server's."""
    if settings.database_url:
        return settings.database_url
    if settings.environment == "production":
        raise RuntimeError("production needs DATABASE_URL; it never starts an embedded database")
    return start_embedded_postgres(settings.data_dir / "postgres")


def base_url(settings: Settings, name: OwnerName) -> str:
    """Where ``name`` connects from: its own URL if set (production hands out no other),
    else DATABASE_URL or the embedded server, from which its role's URL is derived."""
    own: str | None = getattr(settings, f"{name}_database_url")
    return own or database_url(settings)


def asyncpg_dsn(url: str) -> str:
    """Strip a SQLAlchemy driver suffix so asyncpg accepts the URL."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def sqlalchemy_url(url: str) -> str:
    """The same URL with the asyncpg driver named, for SQLAlchemy and Alembic."""
    if url.startswith("postgresql+asyncpg://"):
        return url
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    return url.replace("postgresql://", "postgresql+asyncpg://", 1)


def with_database(url: str, dbname: str) -> str:
    """The same server URL pointing at another database."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + dbname))


# An owner's or admin's connection (migrations, tests, the CLI's cross-service views) sees
# every schema; a service's sees its own, the log and what it may read.
OWNER_SEARCH_PATH = ", ".join((LOG_SCHEMA, *OWNERS, "public"))
ROLE_PASSWORD_FILE = "db_role_password"


def server_settings(settings: Settings, *, search_path: str = OWNER_SEARCH_PATH) -> dict[str, str]:
    """Session settings every connection gets."""
    return {
        "application_name": "strongtrusts",
        # A writer that forgets an open transaction would hold back every reader's horizon.
        "idle_in_transaction_session_timeout": str(settings.idle_in_transaction_timeout_ms),
        "timezone": "UTC",
        "search_path": search_path,
    }


def role_password(settings: Settings) -> str | None:
    """The password development and test roles get: configured, or generated into data_dir."""
    if settings.database_role_password:
        return settings.database_role_password
    if settings.environment == "production":
        return None
    return generated_secret(
        settings.data_dir / ROLE_PASSWORD_FILE, lambda: secrets.token_urlsafe(24)
    )


def owner_database_url(settings: Settings, name: OwnerName, base_url: str | None = None) -> str:
    """The URL ``name`` connects with, as its own role.

    Its configured URL if there is one; otherwise, outside production, ``base_url`` (or the
    owner's DATABASE_URL) with the role's name and the development password.
    """
    configured: str | None = getattr(settings, f"{name}_database_url")
    if configured:
        return configured
    if settings.environment == "production":
        raise RuntimeError(
            f"production needs STRONGTRUSTS_{name.upper()}_DATABASE_URL: the {name} role's"
            " own credentials (a service never connects as the database owner)"
        )
    return with_user(base_url or database_url(settings), owner(name).role, role_password(settings))


def with_user(url: str, user: str, password: str | None) -> str:
    """The same server and database, logging in as ``user``."""
    parts = urllib.parse.urlsplit(asyncpg_dsn(url))
    host = parts.netloc.rsplit("@", 1)[-1]
    auth = urllib.parse.quote(user, safe="")
    if password:
        auth += ":" + urllib.parse.quote(password, safe="")
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{auth}@{host}"))


async def create_pool(
    url: str,
    settings: Settings,
    *,
    as_owner: OwnerName | None = None,
    search_path: str | None = None,
    **overrides: Any,
) -> asyncpg.Pool:
    """An asyncpg pool: as ``as_owner``'s own role when given, else as the URL's user.

    Services always pass ``as_owner``; only migrations, tests and admin commands connect as
    the URL's user (who sees every schema unless ``search_path`` says otherwise).
    """
    url, path = _login(url, settings, as_owner, search_path)
    kwargs: dict[str, Any] = {
        "min_size": settings.pool_min_size,
        "max_size": settings.pool_max_size,
        "server_settings": server_settings(settings, search_path=path),
        "init": init_connection,
        "reset": keep_session,
    }
    kwargs.update(overrides)
    pool = LeanPool(
        asyncpg_dsn(url),
        **{
            "max_queries": 50_000,
            "max_inactive_connection_lifetime": 300.0,
            "loop": None,
            "connection_class": asyncpg.Connection,
            "record_class": asyncpg.Record,
            **kwargs,
        },
    )
    await pool
    return pool


class LeanPool(asyncpg.Pool):  # type: ignore[misc]
    """asyncpg's pool, releasing a connection inline when nothing in the release can wait.

    asyncpg runs every release inside ``asyncio.shield``: a new task and another turn of the
    event loop, so that a caller cancelled mid-release still returns its connection. Only a
    release that can suspend needs that: one that must roll back a transaction left open or
    wait out a cancelled query. A release that cannot suspend cannot be interrupted either,
    so it is done here in line; every other release goes the way asyncpg goes.
    """

    __slots__ = ()

    # asyncpg's own signature, timeout parameter and all.
    async def release(self, connection: Any, *, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Return ``connection`` to the pool (see the class)."""
        if not self._release_inline(connection):
            await super().release(connection, timeout=timeout)

    def _release_inline(self, proxy: Any) -> bool:
        holder = getattr(proxy, "_holder", None)
        con = getattr(proxy, "_con", None)
        if (
            holder is None
            or con is None
            or holder._pool is not self
            or self._reset is not keep_session
            or holder._in_use is None
            or con.is_closed()
            or con._protocol.is_in_transaction()
            or con._top_xact is not None
            or con._protocol._is_cancelling()
            or con._protocol.queries_count >= self._max_queries
            or holder._generation != self._generation
        ):
            return False
        # What Pool.release, PoolConnectionHolder.release and Connection._reset do when there
        # is no transaction to roll back, and keep_session does nothing.
        con._on_release()
        con._listeners.clear()
        con._log_listeners.clear()
        holder._timeout = None
        holder._release()
        holder._setup_inactive_callback()
        return True


def _login(
    url: str, settings: Settings, as_owner: OwnerName | None, search_path: str | None
) -> tuple[str, str]:
    if as_owner is not None:
        return owner_database_url(settings, as_owner, url), owner(as_owner).search_path
    return url, search_path or OWNER_SEARCH_PATH


async def connect(
    url: str,
    settings: Settings,
    *,
    as_owner: OwnerName | None = None,
    search_path: str | None = None,
) -> asyncpg.Connection:
    """One connection, set up like a pool's (see ``create_pool``)."""
    url, path = _login(url, settings, as_owner, search_path)
    conn: asyncpg.Connection = await asyncpg.connect(
        asyncpg_dsn(url), server_settings=server_settings(settings, search_path=path)
    )
    await init_connection(conn)
    return conn


async def set_role_passwords(admin_url: str, settings: Settings) -> None:
    """Give each owner's login role its password (from its URL, or the development one).

    Run with the database owner's URL after migrating: the roles exist from then on, but a
    password is a deployment's secret, never a migration's.
    """
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        for name, o in OWNERS.items():
            configured: str | None = getattr(settings, f"{name}_database_url")
            password = (
                urllib.parse.urlsplit(asyncpg_dsn(configured)).password
                if configured
                else role_password(settings)
            )
            if password:
                # ALTER ROLE takes no parameters; the server quotes the literal.
                quoted = await conn.fetchval("SELECT quote_literal($1)", password)
                await conn.execute(f"ALTER ROLE {o.role} PASSWORD {quoted}")
    finally:
        await conn.close()


async def keep_session(conn: asyncpg.Connection) -> None:
    """Release a connection to the pool as it is (asyncpg still rolls back an open transaction).

    The default reset costs a round trip on every release, about a fifth of an append's
    cost. It is safe to skip because pool connections never hold session state: LISTEN and
    the consumers' session advisory locks live on dedicated connections, and nothing SETs.
    """


async def init_connection(conn: asyncpg.Connection) -> None:
    """Pass JSON through as text (the event log encodes it canonically itself) and read
    transaction ids (xid8) as Python ints.

    JSON travels in PostgreSQL's binary format, which for json is the text itself and for
    jsonb a version byte and the text: the same text either way, and binary is what COPY
    (the log's batch append) needs.
    """
    await conn.set_type_codec(
        "json", encoder=str.encode, decoder=_utf8, schema="pg_catalog", format="binary"
    )
    await conn.set_type_codec(
        "jsonb", encoder=_jsonb_send, decoder=_jsonb_recv, schema="pg_catalog", format="binary"
    )
    await conn.set_type_codec("xid8", encoder=str, decoder=int, schema="pg_catalog", format="text")


_JSONB_VERSION = b"\x01"


def _jsonb_send(text: str) -> bytes:
    return _JSONB_VERSION + text.encode()


def _jsonb_recv(data: bytes) -> str:
    if data[:1] != _JSONB_VERSION:
        raise ValueError(f"unknown jsonb binary format version {data[:1]!r}")
    return data[1:].decode()


def _utf8(data: bytes) -> str:
    return data.decode()


class SqlParams:
    """Positional query parameters, numbered as they are added: ``f"x > {p(value)}"``."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"
