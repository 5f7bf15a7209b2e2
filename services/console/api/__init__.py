"""The console's pages, one module per part of the work (HTTP only: views build the rest)."""

from __future__ import annotations

from fastapi import APIRouter

from services.console.api import (
    areas,
    assessment_work,
    assessments,
    audit,
    auth,
    boards,
    candidates,
    cases,
    decisions,
    home,
    imports,
    interventions,
    projects,
    register,
    school_interventions,
    schools,
    significant_changes,
    trust_interventions,
    trusts,
)

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    home.router,
    schools.router,
    trusts.router,
    cases.router,
    candidates.router,
    decisions.router,
    projects.router,
    interventions.router,
    school_interventions.router,
    trust_interventions.router,
    areas.router,
    boards.router,
    significant_changes.router,
    register.router,
    assessments.router,
    assessment_work.router,
    audit.router,
    imports.router,
)
