"""Advisory boards (reads): the boards where you act, by region, and a board with its members,
register of interests, agenda with each case's conflicts, and notes."""

from __future__ import annotations

import asyncio

from commissioning_client.api.boards import boards_get_board, boards_list_boards
from commissioning_client.models import BoardList, BoardView
from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.api.cases import load_case
from services.console.api.deps import ApisDep
from services.console.clients import ApiProblem, Apis
from services.console.templating import render
from services.console.views.boards import BoardListView, BoardPageView, agenda_case_ids
from shared import reference

router = APIRouter()


@router.get("/boards", summary="Advisory boards")
async def list_boards(request: Request, apis: ApisDep, region: str = "") -> Response:
    """The boards where you act (or in one region), newest date first."""
    where = region if region in reference.regions() else ""
    com = apis.commissioning
    found = await com.ok(
        boards_list_boards.asyncio_detailed(client=com.client, region=where or None), BoardList
    )
    view = BoardListView.build(found, region=where)
    return render(request, "boards/list.html", {"view": view, "title": "Advisory boards"})


async def _case_title(apis: Apis, case_id: str) -> tuple[str, str | None]:
    try:
        return case_id, (await load_case(apis, case_id)).title
    except ApiProblem:
        # A case the user may not read (referred elsewhere, say) is shown by its id.
        return case_id, None


@router.get("/boards/{board_id}", summary="An advisory board")
async def board_page(request: Request, board_id: str, apis: ApisDep) -> Response:
    """Members, the register of interests, the agenda with conflicts, the notes."""
    com = apis.commissioning
    board = await com.ok(boards_get_board.asyncio_detailed(board_id, client=com.client), BoardView)
    found = await asyncio.gather(*(_case_title(apis, c) for c in agenda_case_ids(board)))
    view = BoardPageView.build(board, {c: t for c, t in found if t is not None})
    return render(
        request, "boards/board.html", {"view": view, "title": view.title, "back": "/boards"}
    )
