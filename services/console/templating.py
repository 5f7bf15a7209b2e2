"""Jinja with GOV.UK Frontend's macros, and the one way a page is rendered."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader

from services.console.session import CSRF_FIELD, csrf_token, signed_in
from services.console.views import common
from services.console.views.auth import where_from_scopes

TEMPLATES = Path(__file__).parent / "templates"


def environment() -> Environment:
    """Our templates, with govuk-frontend-jinja's under ``govuk_frontend_jinja/``."""
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATES),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        label=common.label,
        long_date=common.long_date,
        date_time=common.date_time,
        where=where_from_scopes,
    )
    return env


_NAV = (
    ("Schools", "/schools"),
    ("Trusts", "/trusts"),
    ("Cases", "/cases"),
    ("Interventions", "/interventions"),
    ("Area plans", "/areas"),
    ("Boards", "/boards"),
    ("Significant changes", "/significant-changes"),
    ("Register", "/register"),
    ("Assessments", "/assessments"),
    ("Audit", "/audit"),
    ("Imports", "/imports"),
)


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """A page: the template laid out over the view model in ``context``."""
    env: Environment = request.app.state.templates
    nonce = secrets.token_urlsafe(16)
    path = request.url.path
    # An error page for a failure outside the session middleware has no session to read.
    has_session = "session" in request.scope
    page = env.get_template(template).render(
        {
            "user": signed_in(request) if has_session else None,
            "csrf_field": CSRF_FIELD,
            "csrf_token": csrf_token(request) if has_session else "",
            "cspNonce": nonce,
            "nav": [
                {"href": href, "text": text, "active": path.startswith(href)} for text, href in _NAV
            ],
            "path": path,
            # A one-off message from the page before (a redirect after a form post).
            "flash": request.session.pop("flash", None) if has_session else None,
            **(context or {}),
        }
    )
    response = HTMLResponse(page, status_code=status_code)
    # Nothing from outside the deployment, and only the template's one inline script.
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
        "img-src 'self' data:; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    )
    return response
