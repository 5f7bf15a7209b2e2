"""The start page: what this person can do here, by their roles."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.session import UserDep
from services.console.templating import render
from services.console.views.home import StartPage

router = APIRouter()


@router.get("/", summary="Start")
async def start(request: Request, user: UserDep) -> Response:
    """Links to the work the user's roles allow."""
    return render(
        request,
        "home.html",
        {"view": StartPage.build(user.roles), "title": "Commissioning console"},
    )
