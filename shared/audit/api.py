"""The audit API: timelines, their exports, chain status and signed checkpoints.

Mounted by the commissioning service, where decisions are audited; it reads only the log
and the audit index, so any service could serve it. Its steps are ``audit.timelines.read``
and ``audit.chains.verify``, in the authority table of the service that mounts it (seeded:
auditors and administrators, national scope: an audit timeline crosses every region).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse

from shared.audit import signing
from shared.audit.schemas import ChainStatus, CheckpointView
from shared.audit.subjects import SubjectKind
from shared.audit.timeline import Timeline, all_entries, csv_lines, jsonl_line, timeline
from shared.errors import Conflict, NotFound
from shared.http.deps import PoolDep
from shared.http.problems import problem_responses
from shared.http.steps import step

router = APIRouter(tags=["audit"])
TIMELINES = step("audit.timelines.read")
CHAINS = step("audit.chains.verify")

Urn = Annotated[int, Path(ge=100000, le=999999, description="Unique Reference Number")]
TrustUid = Annotated[int, Path(ge=1, le=2**31 - 1, description="GIAS group UID")]
CaseId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The case id")]
Limit = Annotated[int, Query(ge=1, le=1000)]
Cursor = Annotated[str | None, Query(max_length=200, description="From next_cursor")]
ExportFormat = Annotated[Literal["jsonl", "csv"], Query(alias="format")]

_TIMELINE_ERRORS = problem_responses(401, 403, 404, 422)


@router.get(
    "/audit/schools/{urn}",
    dependencies=[TIMELINES],
    response_model=Timeline,
    summary="Everything that happened to a school",
    responses=_TIMELINE_ERRORS,
)
async def school_timeline(
    pool: PoolDep, urn: Urn, limit: Limit = 200, cursor: Cursor = None
) -> Timeline:
    """The school's register entries, trust moves, inspections, cases and interventions."""
    return await timeline(pool, "school", str(urn), limit=limit, cursor=cursor)


@router.get(
    "/audit/trusts/{uid}",
    dependencies=[TIMELINES],
    response_model=Timeline,
    summary="Everything that happened to a trust",
    responses=_TIMELINE_ERRORS,
)
async def trust_timeline(
    pool: PoolDep, uid: TrustUid, limit: Limit = 200, cursor: Cursor = None
) -> Timeline:
    """The trust's register entries, schools joining and leaving, assessments, interventions."""
    return await timeline(pool, "trust", str(uid), limit=limit, cursor=cursor)


@router.get(
    "/audit/cases/{case_id}",
    dependencies=[TIMELINES],
    response_model=Timeline,
    summary="Everything that happened in a case",
    responses=_TIMELINE_ERRORS,
)
async def case_timeline(
    pool: PoolDep, case_id: CaseId, limit: Limit = 200, cursor: Cursor = None
) -> Timeline:
    """The case's steps, its decisions, and what the registry did about them."""
    return await timeline(pool, "case", case_id, limit=limit, cursor=cursor)


async def _export(pool: asyncpg.Pool, kind: SubjectKind, key: str, fmt: str) -> StreamingResponse:
    # The first page is read before answering, so an unknown subject is a 404 problem
    # rather than an empty 200 stream.
    await timeline(pool, kind, key, limit=1)

    async def body() -> AsyncIterator[str]:
        if fmt == "csv":
            for line in csv_lines(None):
                yield line
        async for entry in all_entries(pool, kind, key):
            if fmt == "csv":
                for line in csv_lines(entry):
                    yield line
            else:
                yield jsonl_line(entry)

    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
    filename = f"audit-{kind}-{key}.{fmt}"
    return StreamingResponse(
        body(),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


_EXPORT_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The whole timeline, streamed",
        "content": {"application/x-ndjson": {}, "text/csv": {}},
    },
    **_TIMELINE_ERRORS,
}


@router.get(
    "/audit/schools/{urn}/export",
    dependencies=[TIMELINES],
    summary="A school's whole timeline as JSON Lines or CSV",
    response_class=StreamingResponse,
    responses=_EXPORT_DOC,
)
async def export_school_timeline(
    pool: PoolDep, urn: Urn, fmt: ExportFormat = "jsonl"
) -> StreamingResponse:
    """For FOI and audit requests: every entry, oldest first, streamed."""
    return await _export(pool, "school", str(urn), fmt)


@router.get(
    "/audit/trusts/{uid}/export",
    dependencies=[TIMELINES],
    summary="A trust's whole timeline as JSON Lines or CSV",
    response_class=StreamingResponse,
    responses=_EXPORT_DOC,
)
async def export_trust_timeline(
    pool: PoolDep, uid: TrustUid, fmt: ExportFormat = "jsonl"
) -> StreamingResponse:
    """For FOI and audit requests: every entry, oldest first, streamed."""
    return await _export(pool, "trust", str(uid), fmt)


@router.get(
    "/audit/cases/{case_id}/export",
    dependencies=[TIMELINES],
    summary="A case's whole timeline as JSON Lines or CSV",
    response_class=StreamingResponse,
    responses=_EXPORT_DOC,
)
async def export_case_timeline(
    pool: PoolDep, case_id: CaseId, fmt: ExportFormat = "jsonl"
) -> StreamingResponse:
    """For FOI and audit requests: every entry, oldest first, streamed."""
    return await _export(pool, "case", case_id, fmt)


# Recomputing the chains reads the whole log (seconds at national scale): one verification
# runs at a time per service process, and callers within this window share its answer.
VERIFY_REUSE_SECONDS = 30.0


@dataclass
class _Verifications:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last: ChainStatus | None = None
    at: float = 0.0


async def _shared_verification(request: Request, pool: asyncpg.Pool) -> ChainStatus:
    """The newest verification of the chains, run now unless one is under 30 s old."""
    state: _Verifications = request.app.state.__dict__.setdefault(
        "audit_verifications", _Verifications()
    )
    async with state.lock:
        if state.last is not None and time.monotonic() - state.at < VERIFY_REUSE_SECONDS:
            return state.last
        async with pool.acquire() as conn:
            report, signed = await signing.verify_and_sign(conn, _key(request))
        checkpoint = None if signed is None else CheckpointView(**signed.as_dict())
        state.last = ChainStatus.model_validate(
            {**report.as_dict(), "checkpoint": checkpoint, "verified_at": datetime.now(UTC)}
        )
        state.at = time.monotonic()
        return state.last


@router.get(
    "/audit/verify",
    dependencies=[CHAINS],
    response_model=ChainStatus,
    summary="Recompute the hash chains (at most every 30 s)",
    responses=problem_responses(401, 403),
)
async def verify_chains(request: Request, pool: PoolDep) -> ChainStatus:
    """Recompute every stream chain and the global chain; sign the newest seal if all is well.

    A verification less than 30 seconds old is returned as it is (see ``verified_at``).
    """
    return await _shared_verification(request, pool)


@router.get(
    "/audit/checkpoints/latest",
    dependencies=[CHAINS],
    response_model=CheckpointView,
    summary="A signed checkpoint of the newest seal, to keep outside the database",
    responses=problem_responses(401, 403, 404, 409),
)
async def latest_checkpoint(request: Request, pool: PoolDep) -> CheckpointView:
    """Verified, then signed: keep it somewhere the database's administrators cannot write,
    and check the log against it later with ``strongtrusts log verify --anchor FILE``."""
    # The checkpoint of the newest verification: reading the whole log on every call here
    # would bypass the 30 s sharing of /audit/verify.
    status = await _shared_verification(request, pool)
    if not status.ok:
        raise Conflict(
            "The hash chains are broken; nothing is signed until that is explained.",
            extra={"first_broken_position": status.first_broken_position},
        )
    if status.checkpoint is None:
        raise NotFound("Nothing is sealed yet; try again once the sealer has run.")
    return status.checkpoint


def _key(request: Request) -> Ed25519PrivateKey:
    return signing.signing_key(request.app.state.settings)
