"""The open register (``/register/...``): published decisions, notices and completed
transfers, as JSON a page at a time (``limit``, ``cursor``) or as CSV, the whole register
streamed (``?format=csv`` or ``Accept: text/csv``). Any role reads it, with no scope: it
holds nothing that is not published."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from services.commissioning.register import queries
from services.commissioning.register.schemas import (
    CompletedTransfer,
    DecisionRegister,
    NoticeRegister,
    PublishedDecision,
    PublishedNotice,
    TransferRegister,
)
from services.commissioning.routing import Cursor, Limit
from shared.authority.acting import Acting
from shared.contracts.identifiers import RegionCode
from shared.errors import UnprocessableContent
from shared.http.deps import PoolDep
from shared.http.steps import step
from shared.http.writes import read_responses

router = APIRouter(prefix="/register", tags=["register"])
Reader = Annotated[Acting, step("commissioning.register.read")]
Format = Annotated[
    Literal["json", "csv"] | None,
    Query(description="csv for CSV (so does Accept: text/csv); JSON otherwise"),
]
Region = Annotated[RegionCode | None, Query(description="only this GOR region")]
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}


def _wants_csv(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "csv"
    return "text/csv" in request.headers.get("accept", "")


def _csv(
    model: type[BaseModel], rows: AsyncIterator[dict[str, Any]], name: str
) -> StreamingResponse:
    columns = list(model.model_fields)

    def line(cells: list[str]) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerow(cells)
        return out.getvalue()

    async def body() -> AsyncIterator[str]:
        yield line(columns)
        async for row in rows:
            yield line([queries.csv_cell(row[c]) for c in columns])

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


async def _answer(
    request: Request,
    pool: asyncpg.Pool,
    register: queries.Register,
    *,
    fmt: str | None,
    region: str | None,
    limit: int,
    cursor: str | None,
    model: type[BaseModel],
    page: type[BaseModel],
    name: str,
) -> Response | BaseModel:
    if _wants_csv(request, fmt):
        paged = [p for p in ("limit", "cursor") if p in request.query_params]
        if paged:
            # The CSV is the whole register: a page of it would read as all of it.
            raise UnprocessableContent(
                "The CSV is the whole register; limit and cursor page the JSON only.",
                extra={"errors": [{"loc": ["query", p], "msg": "JSON only"} for p in paged]},
            )
        return _csv(model, queries.every_row(pool, register, region=region), name)
    found = await queries.page(pool, register, region=region, limit=limit, cursor=cursor)
    return page.model_validate({"items": found.items, "next_cursor": found.next_cursor})


@router.get(
    "/decisions",
    response_model=DecisionRegister,
    summary="The published decisions",
    responses={**read_responses(401, 403, 422), **CSV_RESPONSE},
)
async def register_decisions(
    request: Request,
    pool: PoolDep,
    acting: Reader,
    format: Format = None,
    region: Region = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Response | BaseModel:
    """Decisions whose board's notes are published, oldest first. Names the decision maker
    only at director level and above; gives no rationale, evidence or equality text."""
    return await _answer(
        request,
        pool,
        queries.DECISIONS,
        fmt=format,
        region=region,
        limit=limit,
        cursor=cursor,
        model=PublishedDecision,
        page=DecisionRegister,
        name="decisions",
    )


@router.get(
    "/notices",
    response_model=NoticeRegister,
    summary="The published notices",
    responses={**read_responses(401, 403, 422), **CSV_RESPONSE},
)
async def register_notices(
    request: Request,
    pool: PoolDep,
    acting: Reader,
    format: Format = None,
    region: Region = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Response | BaseModel:
    """Published notices to trusts and academies, oldest first; no grounds or evidence."""
    return await _answer(
        request,
        pool,
        queries.NOTICES,
        fmt=format,
        region=region,
        limit=limit,
        cursor=cursor,
        model=PublishedNotice,
        page=NoticeRegister,
        name="notices",
    )


@router.get(
    "/transfers",
    response_model=TransferRegister,
    summary="The completed transfers",
    responses={**read_responses(401, 403, 422), **CSV_RESPONSE},
)
async def register_transfers(
    request: Request,
    pool: PoolDep,
    acting: Reader,
    format: Format = None,
    region: Region = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Response | BaseModel:
    """Transfers and conversions whose actual date is confirmed, oldest first."""
    return await _answer(
        request,
        pool,
        queries.TRANSFERS,
        fmt=format,
        region=region,
        limit=limit,
        cursor=cursor,
        model=CompletedTransfer,
        page=TransferRegister,
        name="transfers",
    )
