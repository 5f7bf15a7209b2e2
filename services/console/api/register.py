"""The open register (reads): decisions, notices and completed transfers as published, each
as a table and as CSV and JSON downloads streamed through from commissioning."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from commissioning_client.api.register import (
    register_register_decisions,
    register_register_notices,
    register_register_transfers,
)
from commissioning_client.models import DecisionRegister, NoticeRegister, TransferRegister
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from services.console.api.deps import ApisDep
from services.console.templating import render
from services.console.views.register import FORMATS, KINDS, RegisterView
from shared import reference

router = APIRouter()


def _region(region: str) -> str:
    return region if region in reference.regions() else ""


@router.get("/register", summary="The published register")
async def register(
    request: Request,
    apis: ApisDep,
    region: str = "",
    decisions_cursor: str = "",
    notices_cursor: str = "",
    transfers_cursor: str = "",
) -> Response:
    """What is published: decisions, notices and completed transfers, for a region or all,
    each a page at a time (its own cursor) as the JSON register gives them."""
    where = _region(region)
    cursors = {
        "decisions": decisions_cursor,
        "notices": notices_cursor,
        "transfers": transfers_cursor,
    }
    com = apis.commissioning
    decisions, notices, transfers = await asyncio.gather(
        com.ok(
            register_register_decisions.asyncio_detailed(
                client=com.client, region=where or None, cursor=decisions_cursor or None
            ),
            DecisionRegister,
        ),
        com.ok(
            register_register_notices.asyncio_detailed(
                client=com.client, region=where or None, cursor=notices_cursor or None
            ),
            NoticeRegister,
        ),
        com.ok(
            register_register_transfers.asyncio_detailed(
                client=com.client, region=where or None, cursor=transfers_cursor or None
            ),
            TransferRegister,
        ),
    )
    view = RegisterView.build(
        decisions,
        notices,
        transfers,
        region=where,
        cursors={k: v for k, v in cursors.items() if v},
    )
    return render(request, "register/register.html", {"view": view, "title": "Published register"})


@router.get("/register/{kind}.{fmt}", summary="Download a list of the published register")
async def download(
    request: Request, kind: str, fmt: str, apis: ApisDep, region: str = ""
) -> Response:
    """The list as the API publishes it, streamed through."""
    if kind not in KINDS or fmt not in FORMATS:
        return render(request, "errors/not_found.html", {"detail": None}, status_code=404)
    com = apis.commissioning
    params = {"format": fmt} if fmt == "csv" else {}
    if _region(region):
        params["region"] = region
    upstream = await com.send_streaming(
        com.http.build_request("GET", f"/register/{kind}", params=params)
    )

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.aiter_bytes():
                yield chunk
        finally:
            await upstream.aclose()

    name = f"register-{kind}{'-' + region if _region(region) else ''}.{fmt}"
    return StreamingResponse(
        body(),
        media_type=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
