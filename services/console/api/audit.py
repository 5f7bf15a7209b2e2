"""Audit (auditors): timelines across services, chain verification, exports as downloads."""

from __future__ import annotations

from collections.abc import AsyncIterator

from commissioning_client.api.audit import (
    audit_case_timeline,
    audit_school_timeline,
    audit_trust_timeline,
    audit_verify_chains,
)
from commissioning_client.models import ChainStatus, Timeline
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from services.console.api.deps import ApisDep
from services.console.templating import render
from services.console.views.audit import AuditTimeline, ChainView, Subject

router = APIRouter()
PAGE = 100
EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


@router.get("/audit", summary="Audit")
async def audit_start(request: Request, apis: ApisDep, kind: str = "", key: str = "") -> Response:
    """Find a subject's timeline; and whether the log's chains verify."""
    if kind in ("schools", "trusts", "cases") and key.strip():
        return RedirectResponse(f"/audit/{kind}/{key.strip()}", status_code=303)
    com = apis.commissioning
    status = await com.ok(audit_verify_chains.asyncio_detailed(client=com.client), ChainStatus)
    return render(request, "audit/start.html", {"chain": ChainView.build(status), "title": "Audit"})


async def _timeline(apis: ApisDep, subject: Subject, key: str, cursor: str) -> Timeline:
    com = apis.commissioning
    after = cursor or None
    if subject == "schools":
        pending = audit_school_timeline.asyncio_detailed(
            int(key), client=com.client, limit=PAGE, cursor=after
        )
    elif subject == "trusts":
        pending = audit_trust_timeline.asyncio_detailed(
            int(key), client=com.client, limit=PAGE, cursor=after
        )
    else:
        pending = audit_case_timeline.asyncio_detailed(
            key, client=com.client, limit=PAGE, cursor=after
        )
    return await com.ok(pending, Timeline)


@router.get("/audit/{subject}/{key}", summary="An audit timeline")
async def timeline(
    request: Request, subject: Subject, key: str, apis: ApisDep, cursor: str = ""
) -> Response:
    """Every event about the school, trust or case, in log order, a page at a time."""
    if subject != "cases" and not key.isdigit():
        return render(request, "errors/not_found.html", {"detail": None}, status_code=404)
    found = await _timeline(apis, subject, key, cursor)
    view = AuditTimeline.build(subject, key, found, cursor=cursor)
    return render(
        request, "audit/timeline.html", {"view": view, "title": view.title, "back": "/audit"}
    )


@router.get("/audit/{subject}/{key}/export", summary="Download an audit timeline")
async def export(
    request: Request, subject: Subject, key: str, apis: ApisDep, format: str = "csv"
) -> Response:
    """The whole timeline as a file, streamed through from the API."""
    kind = format if format in EXPORT_TYPES else "csv"
    com = apis.commissioning
    # The generated client reads the whole body; a timeline can be large, so stream it.
    request_ = com.http.build_request(
        "GET", f"/audit/{subject}/{key}/export", params={"format": kind}
    )
    upstream = await com.send_streaming(request_)

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.aiter_bytes():
                yield chunk
        finally:
            await upstream.aclose()

    filename = f"audit-{subject[:-1]}-{key}.{kind}"
    return StreamingResponse(
        body(),
        media_type=EXPORT_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
