"""Who is signed in, and the CSRF token every form carries, both kept in the signed session.

The session cookie is signed (itsdangerous, via Starlette's SessionMiddleware), HttpOnly,
SameSite=Lax, and Secure outside development. It holds the user's API token: the console
keeps no other record of who someone is, and the APIs decide what that token may do.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class User:
    """The person signed in, as their token describes them."""

    subject: str
    name: str
    roles: tuple[str, ...]
    token: str
    # Where the token says they act (its scopes); the services refuse what is elsewhere.
    scopes: tuple[str, ...] = ()

    def has(self, *roles: str) -> bool:
        """True if the user holds one of ``roles``; admin only if named (as in the APIs)."""
        return any(role in self.roles for role in roles)


class SignInRequired(Exception):
    """The page needs a signed-in user; answered with a redirect to sign in."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class CsrfRefused(Exception):
    """A form post arrived without this session's CSRF token."""


def signed_in(request: Request) -> User | None:
    """The signed-in user, or None."""
    data: Any = request.session.get("user")
    if not isinstance(data, dict):
        return None
    try:
        return User(
            subject=str(data["subject"]),
            name=str(data["name"]),
            roles=tuple(str(r) for r in data["roles"]),
            token=str(data["token"]),
            scopes=tuple(str(s) for s in data.get("scopes", ())),
        )
    except KeyError:
        return None


def sign_in(request: Request, user: User) -> None:
    """Start a session for ``user``; a new CSRF token too, so one from before sign-in is void."""
    request.session.clear()
    request.session["user"] = {
        "subject": user.subject,
        "name": user.name,
        "roles": list(user.roles),
        "token": user.token,
        "scopes": list(user.scopes),
    }
    request.session[CSRF_FIELD] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    """Forget the user."""
    request.session.clear()


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use."""
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


async def require_csrf(request: Request) -> AsyncIterator[None]:
    """Refuse any form post that does not carry this session's CSRF token.

    Installed on the whole app, so no form can forget it. The parsed form is cached on the
    request, so the route reads it again for free; its uploaded files are closed here once
    the response is sent.
    """
    if request.method not in UNSAFE_METHODS:
        yield
        return
    form = await request.form()
    try:
        expected = request.session.get(CSRF_FIELD)
        sent = form.get(CSRF_FIELD)
        if not isinstance(expected, str) or not isinstance(sent, str):
            raise CsrfRefused
        if not secrets.compare_digest(expected.encode(), sent.encode()):
            raise CsrfRefused
        yield
    finally:
        await form.close()


async def current_user(request: Request) -> User:
    """The signed-in user; anyone else is sent to sign in and brought back afterwards."""
    user = signed_in(request)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return user


UserDep = Annotated[User, Depends(current_user)]
