"""Significant changes to academies (reads): the list where the caller acts, newest first,
a change found by its id, and one change with its consultation, objections and decision."""

from __future__ import annotations

from commissioning_client.api.significant_changes import (
    significant_changes_get_change,
    significant_changes_list_changes,
)
from commissioning_client.models import SignificantChangePage as ChangeList
from commissioning_client.models import SignificantChangeView
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.console.api.deps import ApisDep
from services.console.api.school_interventions import school_name
from services.console.templating import render
from services.console.views.significant_changes import (
    CHANGE_ID,
    ChangeListView,
    SignificantChangePage,
)

router = APIRouter()


# A page of the list: enough to see a region's recent changes at a glance.
CHANGES_SHOWN = 25


@router.get("/significant-changes", summary="Significant changes")
async def find_change(
    request: Request, apis: ApisDep, change_id: str = "", cursor: str = ""
) -> Response:
    """The changes where you act, newest first; or one found by its id."""
    wanted = change_id.strip().lower()
    if CHANGE_ID.match(wanted):
        return RedirectResponse(f"/significant-changes/{wanted}", status_code=303)
    com = apis.commissioning
    page = await com.ok(
        significant_changes_list_changes.asyncio_detailed(
            client=com.client, limit=CHANGES_SHOWN, cursor=cursor or None
        ),
        ChangeList,
    )
    errors = (
        [{"text": "Enter the change's id: 32 letters a to f and digits", "href": "#change_id"}]
        if change_id
        else None
    )
    return render(
        request,
        "significant_changes/find.html",
        {
            "title": "Significant changes",
            "view": ChangeListView.build(page, cursor=cursor),
            "change_id": change_id,
            "errors": errors,
        },
        status_code=400 if errors else 200,
    )


@router.get("/significant-changes/{change_id}", summary="A significant change")
async def change_page(request: Request, change_id: str, apis: ApisDep) -> Response:
    """The proposal, its consultation, each objection and the decision."""
    com = apis.commissioning
    change = await com.ok(
        significant_changes_get_change.asyncio_detailed(change_id, client=com.client),
        SignificantChangeView,
    )
    name = await school_name(apis, change.urn)
    view = SignificantChangePage.build(change, name)
    return render(
        request,
        "significant_changes/change.html",
        {"view": view, "title": view.title, "back": "/significant-changes"},
    )
