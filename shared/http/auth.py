"""Bearer JWT authentication for every service: who the caller is, their roles and scope.

Tokens are HS256 with a shared secret (generated into the data directory in development and
test when none is configured) or RS256 against an identity provider's JWKS. The algorithm is
pinned to the configured one, so ``alg=none`` and HS/RS confusion tokens are refused. What
the roles and scope allow is the authority table's to say (``shared/authority``,
``shared/http/steps.py``); which claims carry them is ``shared/authority/claims.py``.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, cast

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.authority.claims import SCOPES_CLAIM, ClaimError, roles_and_scope
from shared.authority.principal import Principal as Principal
from shared.authority.roles import Role as Role
from shared.authority.scope import NATIONAL, parse_scopes
from shared.errors import ServiceUnavailable, Unauthorized
from shared.eventlog.contracts import MAX_ACTOR_LENGTH
from shared.keyfiles import generated_secret
from shared.settings import Settings, claim_map

SECRET_FILE_NAME = "jwt_secret"
# Tolerated difference between our clock and the token issuer's.
CLOCK_SKEW_SECONDS = 30

# RFC 6750: tell the client the token itself was the problem, not its absence.
_INVALID_TOKEN_HEADERS = {"WWW-Authenticate": 'Bearer error="invalid_token"'}

logger = logging.getLogger("strongtrusts.auth")


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


# Development tokens act for the whole country unless told otherwise: they stand for the
# national team a developer or a test plays, and most tests are about something other than
# where (a test of scope asks for a region). Tokens from a real identity provider carry
# no such default: without a scope they act nowhere.
DEFAULT_DEV_SCOPES: tuple[str, ...] = (NATIONAL,)


def issue_token(
    settings: Settings,
    *,
    roles: Iterable[Role | str],
    subject: str,
    scopes: Iterable[str] | None = None,
    ttl_seconds: int | None = None,
    name: str | None = None,
    now: datetime | None = None,
) -> str:
    """Sign an HS256 token for ``subject`` with ``roles`` and ``scopes`` (development, tests,
    service accounts); ``scopes`` defaults to ``national`` (``DEFAULT_DEV_SCOPES``)."""
    if settings.jwt_algorithm != "HS256":
        raise ValueError("tokens are issued here only with HS256; RS256 tokens come from the IdP")
    refusal = subject_refusal(subject)
    if refusal is not None:
        raise ValueError(refusal)
    labels = list(DEFAULT_DEV_SCOPES if scopes is None else scopes)
    parse_scopes(labels)  # ScopeClaimError (a ValueError) for a label the services refuse
    issued_at = now if now is not None else datetime.now(UTC)
    ttl = settings.token_ttl_seconds if ttl_seconds is None else ttl_seconds
    claims: dict[str, Any] = {
        "sub": subject,
        "roles": sorted(Role(role).value for role in roles),
        SCOPES_CLAIM: labels,
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
        settings.jwt_claim_map or "",
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
    return _principal_from_claims(claims, settings), float(claims["exp"])


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


def _principal_from_claims(claims: dict[str, Any], settings: Settings) -> Principal:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
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
    try:
        roles, scope = roles_and_scope(claims, claim_map(settings))
    except ClaimError as exc:
        raise Unauthorized(
            str(exc),
            extra={"claim": exc.claim},
            headers={
                "WWW-Authenticate": 'Bearer error="invalid_token", '
                f'error_description="the {exc.claim} claim cannot be read"'
            },
        ) from None
    name = claims.get("name")
    return Principal(
        subject=subject,
        roles=roles,
        name=name if isinstance(name, str) else None,
        scope=scope,
    )


async def app_settings(request: Request) -> Settings:
    """The settings the app factory stored on ``app.state.settings``."""
    return cast(Settings, request.app.state.settings)


SettingsDep = Annotated[Settings, Depends(app_settings)]

_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="A JWT carrying `sub`, `roles` and `scopes` (where its holder acts), signed"
    " by the configured issuer.",
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
