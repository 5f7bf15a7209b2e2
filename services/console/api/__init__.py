"""The console's pages, one module per part of the work (HTTP only: views build the rest)."""

from __future__ import annotations

from fastapi import APIRouter

from services.console.api import auth, cases, home, schools

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    home.router,
    schools.router,
    cases.router,
)
