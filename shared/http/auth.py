"""Bearer JWT authentication and role checks for every service.

Tokens are HS256 with a shared secret (generated into the data directory in development and
test when none is configured) or RS256 against an identity provider's JWKS. The algorithm is
pinned to the configured one, so ``alg=none`` and HS/RS confusion tokens are refused.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, cast

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import Forbidden, ServiceUnavailable, Unauthorized
from shared.eventlog.contracts import MAX_ACTOR_LENGTH
from shared.keyfiles import generated_secret
from shared.settings import Settings

SECRET_FILE_NAME = "jwt_secret"
# Tolerated difference between our clock and the token issuer's.
CLOCK_SKEW_SECONDS = 30

# RFC 6750: tell the client the token itself was the problem, not its absence.
_INVALID_TOKEN_HEADERS = {"WWW-Authenticate": 'Bearer error="invalid_token"'}

logger = logging.getLogger("strongtrusts.auth")


class Role(StrEnum):
    """What a principal may do. Roles do not imply one another; admin is administration,
    not authority: it passes the routes that name it (publishing a framework, reading), and a
    domain decision needs its own role even for an admin."""

    READER = "reader"
    ASSESSOR = "assessor"
    MODERATOR = "moderator"
    CASEWORKER = "caseworker"
    DECISION_MAKER = "decision_maker"
    DATA_FEED = "data_feed"
    AUDITOR = "auditor"
    ADMIN = "admin"


_ROLE_VALUES = frozenset(role.value for role in Role)


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: who they are and the roles their token grants."""

    subject: str
    roles: frozenset[Role]
    name: str | None = None

    def has_any_role(self, *roles: Role) -> bool:
        """True if the principal holds one of ``roles`` (admin only if it is named)."""
        return not self.roles.isdisjoint(roles)


_jwks_clients: dict[str, jwt.PyJWKClient] = {}


def signing_secret(settings: Settings) -> str:
    """The HS256 secret: the configured one, or in development and test one kept in data_dir."""
    if settings.jwt_secret:
        return settings.jwt_secret
    if settings.environment not in ("development", "test"):
        raise RuntimeError("STRONGTRUSTS_JWT_SECRET must be set outside development and test")
    return generated_secret(settings.data_dir / SECRET_FILE_NAME, lambda: secrets.token_urlsafe(48))


def _jwks_client(url: str) -> jwt.PyJWKClient:
    client = _jwks_clients.get(url)
    if client is None:
        client = _jwks_clients.setdefault(url, jwt.PyJWKClient(url, cache_keys=True))
    return client


def issue_token(
    settings: Settings,
    *,
    roles: Iterable[Role | str],
    subject: str,
    ttl_seconds: int | None = None,
    name: str | None = None,
    now: datetime | None = None,
) -> str:
    """Sign an HS256 token for ``subject`` with ``roles`` (development, tests, service accounts)."""
    if settings.jwt_algorithm != "HS256":
        raise ValueError("tokens are issued here only with HS256; RS256 tokens come from the IdP")
    refusal = subject_refusal(subject)
    if refusal is not None:
        raise ValueError(refusal)
    issued_at = now if now is not None else datetime.now(UTC)
    ttl = settings.token_ttl_seconds if ttl_seconds is None else ttl_seconds
    claims: dict[str, Any] = {
        "sub": subject,
        "roles": sorted(Role(role).value for role in roles),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": issued_at,
        "exp": issued_at + timedelta(seconds=ttl),
        "jti": uuid.uuid4().hex,
    }
    if name is not None:
        claims["name"] = name
    return jwt.encode(claims, signing_secret(settings), algorithm="HS256")


async def _verification_key(settings: Settings, token: str) -> Any:
    if settings.jwt_algorithm == "HS256":
        return signing_secret(settings)
    if not settings.jwt_jwks_url:
        raise RuntimeError("RS256 needs STRONGTRUSTS_JWT_JWKS_URL")
    client = _jwks_client(settings.jwt_jwks_url)
    # PyJWKClient fetches over blocking HTTP when its cache misses.
    signing_key = await asyncio.to_thread(client.get_signing_key_from_jwt, token)
    return signing_key.key


# Verified tokens, so a client sending the same token on every request is checked once.
# PyJWT re-prepares the key and re-parses the token each time, which cost about a tenth of
# a millisecond per request: as much as the rest of a simple read. Expiry is re-checked on
# every hit, and entries are keyed by the whole token, signature included.
_VERIFIED_MAX = 4096
_verified: dict[tuple[str, ...], tuple[Principal, float]] = {}


async def authenticate(settings: Settings, token: str) -> Principal:
    """The principal a bearer token speaks for; raises Unauthorized if it is not valid."""
    # Keyed by everything that decides validity, so a token checked under one app's
    # settings is never taken as checked under another's.
    key = (
        token,
        settings.jwt_algorithm,
        settings.jwt_secret or str(settings.data_dir),
        settings.jwt_jwks_url or "",
        settings.jwt_audience,
        settings.jwt_issuer,
    )
    hit = _verified.get(key)
    if hit is not None:
        principal, expires = hit
        if time.time() < expires + CLOCK_SKEW_SECONDS:
            return principal
        del _verified[key]
    principal, expires = await _verify(settings, token)
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[key] = (principal, expires)
    return principal


async def _verify(settings: Settings, token: str) -> tuple[Principal, float]:
    try:
        key = await _verification_key(settings, token)
        claims = jwt.decode(
            token,
            key,
            algorithms=[settings.jwt_algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The token has expired.", headers=_INVALID_TOKEN_HEADERS) from None
    except jwt.PyJWKClientConnectionError:
        logger.warning("cannot reach the JWKS endpoint %s", settings.jwt_jwks_url, exc_info=True)
        raise ServiceUnavailable("The identity provider's keys cannot be fetched.") from None
    except jwt.PyJWTError as exc:
        logger.info("refused a token: %s", exc)
        raise Unauthorized("The token is not valid.", headers=_INVALID_TOKEN_HEADERS) from None
    return _principal_from_claims(claims), float(claims["exp"])


def subject_refusal(subject: str) -> str | None:
    """Why ``subject`` cannot be a principal's subject, or None if it can.

    The subject is the actor recorded on every event the caller writes. A subject that
    could not be recorded is refused when the token is presented, on reads as well, rather
    than letting reads succeed and every write fail: the token is what is wrong, and the
    log never records a shortened or altered name in place of the one the IdP gave.
    """
    if len(subject) > MAX_ACTOR_LENGTH:
        return (
            f"The token's sub claim is {len(subject)} characters long; at most "
            f"{MAX_ACTOR_LENGTH} are accepted, since it is recorded as the author of each write."
        )
    if not subject.strip():
        return "The token's sub claim is blank."
    if not subject.isprintable():
        return "The token's sub claim contains control characters."
    return None


def _principal_from_claims(claims: dict[str, Any]) -> Principal:
    subject = claims.get("sub")
    roles = claims.get("roles")
    if (
        not isinstance(subject, str)
        or not subject
        or not isinstance(roles, list)
        or not all(isinstance(role, str) for role in roles)
    ):
        raise Unauthorized(
            "The token needs a subject and a list of roles.", headers=_INVALID_TOKEN_HEADERS
        )
    refusal = subject_refusal(subject)
    if refusal is not None:
        raise Unauthorized(
            refusal,
            extra={"claim": "sub"},
            headers={
                "WWW-Authenticate": 'Bearer error="invalid_token", '
                'error_description="the sub claim cannot be recorded as an actor"'
            },
        )
    # Roles this code does not know grant nothing, so a newer IdP cannot widen access here.
    granted = frozenset(Role(role) for role in roles if role in _ROLE_VALUES)
    name = claims.get("name")
    return Principal(subject=subject, roles=granted, name=name if isinstance(name, str) else None)


async def app_settings(request: Request) -> Settings:
    """The settings the app factory stored on ``app.state.settings``."""
    return cast(Settings, request.app.state.settings)


SettingsDep = Annotated[Settings, Depends(app_settings)]

_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="A JWT carrying `sub` and `roles`, signed by the configured issuer.",
)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The authenticated caller; 401 when the bearer token is missing, invalid or expired."""
    if credentials is None:
        raise Unauthorized("A bearer token is required.")
    # The settings from the request, not from a dependency of their own: every dependency
    # FastAPI solves costs tens of microseconds a request.
    settings: Settings = request.app.state.settings
    return await authenticate(settings, credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency giving the caller if they hold one of ``roles``, else 403."""
    if not roles:
        raise ValueError("require_roles needs at least one role")
    wanted = tuple(dict.fromkeys(roles))

    async def principal_with_role(principal: PrincipalDep) -> Principal:
        if not principal.has_any_role(*wanted):
            raise Forbidden(
                "This needs one of the roles: " + ", ".join(wanted) + ".",
                extra={"required_roles": list(wanted)},
            )
        return principal

    return principal_with_role


AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
