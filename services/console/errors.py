"""What a person sees when something goes wrong: a GOV.UK page, never a stack trace."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.console.clients import SERVICE_LABELS, ApiProblem, ServiceDown
from services.console.session import CsrfRefused, SignInRequired, sign_out
from services.console.templating import render
from services.console.views.common import label

logger = logging.getLogger("strongtrusts.console")


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    return RedirectResponse(f"/sign-in?next={quote(exc.next_url, safe='/')}", status_code=303)


async def _api_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiProblem)
    if exc.status == 401:
        # The token has expired or is no longer accepted: sign in again.
        sign_out(request)
        return RedirectResponse(
            f"/sign-in?next={quote(request.url.path, safe='/')}", status_code=303
        )
    if exc.status == 403:
        roles = exc.members.get("required_roles")
        needed = [label(r) for r in roles] if isinstance(roles, list) else []
        return render(
            request,
            "errors/forbidden.html",
            {"detail": exc.detail, "needed": needed},
            status_code=403,
        )
    if exc.status == 404:
        return render(request, "errors/not_found.html", {"detail": exc.detail}, status_code=404)
    return render(
        request,
        "errors/problem.html",
        {"detail": exc.detail, "title": exc.title, "service": SERVICE_LABELS[exc.service]},
        status_code=exc.status if 400 <= exc.status < 600 else 502,
    )


async def _service_down(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceDown)
    logger.warning("the %s is unavailable: %s", exc.service, exc.why)
    response = render(
        request,
        "errors/service_down.html",
        {"service": SERVICE_LABELS[exc.service], "retry": str(request.url)},
        status_code=503,
    )
    response.headers["Retry-After"] = "30"
    return response


async def _csrf_refused(request: Request, exc: Exception) -> Response:
    return render(request, "errors/csrf.html", status_code=403)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return render(request, "errors/not_found.html", {"detail": None}, status_code=404)
    return render(
        request,
        "errors/problem.html",
        {"detail": str(exc.detail), "title": "There is a problem", "service": None},
        status_code=exc.status_code,
    )


class UnexpectedErrorPage:
    """Answers an unhandled error with the "sorry" page rather than a stack trace.

    Starlette sends an ``Exception`` handler to its outermost middleware, outside the
    session; this sits inside it, so the page still knows who is signed in.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception:
            if started:
                raise
            logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            response = render(Request(scope), "errors/unexpected.html", status_code=500)
            await response(scope, receive, send)


def install_error_pages(app: FastAPI) -> None:
    """Answer every failure on ``app`` with a page saying what happened and what to do."""
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(ServiceDown, _service_down)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
    app.add_exception_handler(StarletteHTTPException, _http_error)
