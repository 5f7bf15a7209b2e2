"""The open register (``/register/...``): published decisions, notices and completed
transfers, as JSON or as CSV (``?format=csv`` or ``Accept: text/csv``). Any role reads it,
with no scope: it holds nothing that is not published."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
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
from shared.authority.acting import Acting
from shared.contracts.identifiers import RegionCode
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


def _csv(model: type[BaseModel], rows: list[dict[str, Any]], name: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = list(model.model_fields)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([queries.csv_cell(row[c]) for c in columns])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


async def _answer(
    request: Request,
    fmt: str | None,
    rows: Callable[[], Awaitable[list[dict[str, Any]]]],
    model: type[BaseModel],
    register: type[BaseModel],
    name: str,
) -> Response | BaseModel:
    found = await rows()
    if _wants_csv(request, fmt):
        return _csv(model, found, name)
    return register.model_validate({"items": found})


@router.get(
    "/decisions",
    response_model=DecisionRegister,
    summary="The published decisions",
    responses={**read_responses(401, 403, 422), **CSV_RESPONSE},
)
async def register_decisions(
    request: Request, pool: PoolDep, acting: Reader, format: Format = None, region: Region = None
) -> Response | BaseModel:
    """Decisions whose board's notes are published, oldest first. Names the decision maker
    only at director level and above; gives no rationale, evidence or equality text."""
    return await _answer(
        request,
        format,
        lambda: queries.decisions(pool, region),
        PublishedDecision,
        DecisionRegister,
        "decisions",
    )


@router.get(
    "/notices",
    response_model=NoticeRegister,
    summary="The published notices",
    responses={**read_responses(401, 403, 422), **CSV_RESPONSE},
)
async def register_notices(
    request: Request, pool: PoolDep, acting: Reader, format: Format = None, region: Region = None
) -> Response | BaseModel:
    """Published notices to trusts and academies, oldest first; no grounds or evidence."""
    return await _answer(
        request,
        format,
        lambda: queries.notices(pool, region),
        PublishedNotice,
        NoticeRegister,
        "notices",
    )


@router.get(
    "/transfers",
    response_model=TransferRegister,
    summary="The completed transfers",
    responses={**read_responses(401, 403, 422), **CSV_RESPONSE},
)
async def register_transfers(
    request: Request, pool: PoolDep, acting: Reader, format: Format = None, region: Region = None
) -> Response | BaseModel:
    """Transfers and conversions whose actual date is confirmed, oldest first."""
    return await _answer(
        request,
        format,
        lambda: queries.transfers(pool, region),
        CompletedTransfer,
        TransferRegister,
        "transfers",
    )
