"""Signing in and out: development users by name and role, or OpenID Connect in production."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.console.session import User, sign_in, sign_out, signed_in
from services.console.settings import ConsoleSettings
from services.console.templating import render
from services.console.views.auth import DEVELOPMENT_USERS, ROLES, DevSignInForm
from shared.http.auth import issue_token

router = APIRouter()


def _settings(request: Request) -> ConsoleSettings:
    settings: ConsoleSettings = request.app.state.settings
    return settings


def _safe_next(target: str | None) -> str:
    # Only a path on this site: never a redirect elsewhere (an open redirect).
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/sign-in", summary="Sign in")
async def sign_in_page(request: Request, next: str | None = None) -> Response:
    """Development: choose who you are and your roles. Production: off to the IdP."""
    settings = _settings(request)
    if settings.sign_in == "oidc":
        client = _oidc(request)
        request.session["next"] = _safe_next(next)
        redirect: Response = await client.authorize_redirect(
            request, str(request.url_for("oidc_callback"))
        )
        return redirect
    return render(
        request,
        "auth/sign_in.html",
        {"form": DevSignInForm.empty(next=_safe_next(next)), "users": DEVELOPMENT_USERS},
    )


@router.post("/sign-in", summary="Sign in as a development user")
async def sign_in_development(request: Request) -> Response:
    """Mint a development token for the chosen name and roles, and start the session."""
    settings = _settings(request)
    if settings.sign_in != "development":
        return RedirectResponse("/sign-in", status_code=303)
    form = DevSignInForm.parse(await request.form())
    if form.errors:
        return render(
            request,
            "auth/sign_in.html",
            {"form": form, "users": DEVELOPMENT_USERS},
            status_code=400,
        )
    subject = re.sub(r"[^a-z0-9]+", ".", form.name.lower()).strip(".")
    token = issue_token(
        settings.token_settings(),
        roles=form.roles,
        subject=subject,
        scopes=form.scopes,
        name=form.name,
        ttl_seconds=settings.session_ttl_seconds,
    )
    user = User(
        subject=subject,
        name=form.name,
        roles=tuple(form.roles),
        token=token,
        scopes=tuple(form.scopes),
    )
    sign_in(request, user)
    return RedirectResponse(_safe_next(form.next), status_code=303)


@router.post("/sign-out", summary="Sign out")
async def sign_out_route(request: Request) -> Response:
    """End the session."""
    sign_out(request)
    return RedirectResponse("/sign-in", status_code=303)


@router.get("/auth/callback", name="oidc_callback", summary="Back from the identity provider")
async def oidc_callback(request: Request) -> Response:
    """Exchange the code for tokens; the access token is what the APIs will be sent."""
    client = _oidc(request)
    next_url = _safe_next(request.session.get("next"))
    tokens: dict[str, Any] = await client.authorize_access_token(request)
    access = str(tokens["access_token"])
    # The APIs verify this token; the console reads it only to greet the user and to offer
    # the actions their roles allow (the APIs still refuse what they do not).
    claims = _unverified_claims(access)
    info = tokens.get("userinfo") or {}
    roles = [r for r in claims.get("roles", []) if r in ROLES]
    # Shown only: with a claim map, the identity provider's groups say where the person
    # acts and the APIs alone read them.
    scopes = [s for s in claims.get("scopes", []) if isinstance(s, str)]
    name = str(info.get("name") or claims.get("name") or claims.get("sub") or "signed in")
    sign_in(
        request,
        User(
            subject=str(claims.get("sub", "")),
            name=name,
            roles=tuple(roles),
            token=access,
            scopes=tuple(scopes),
        ),
    )
    return RedirectResponse(next_url, status_code=303)


def _unverified_claims(token: str) -> dict[str, Any]:
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _oidc(request: Request) -> Any:
    """The registered OpenID Connect client (authlib), made once per app."""
    existing = getattr(request.app.state, "oidc", None)
    if existing is not None:
        return existing
    from authlib.integrations.starlette_client import OAuth

    settings = _settings(request)
    oauth = OAuth()
    oauth.register(
        name="idp",
        server_metadata_url=settings.oidc_metadata_url,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        client_kwargs={"scope": settings.oidc_scope, "code_challenge_method": "S256"},
    )
    request.app.state.oidc = oauth.idp
    return oauth.idp


@router.get("/healthz", summary="Is the console up", include_in_schema=False)
async def healthz() -> dict[str, str]:
    """Liveness only: the console answers without calling any service."""
    return {"status": "ok"}


__all__ = ["router", "signed_in"]
