"""Feeds over HTTP: hand in a GIAS snapshot, then follow its import."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, Response, UploadFile, status

from services.registry.gias.csvfile import UnusableInput
from services.registry.gias.snapshot import NO_SNAPSHOT_DATE, GiasFiles, snapshot_date_of
from services.registry.importer import import_gias
from services.registry.schemas import ImportAccepted, ImportStatus
from shared.app import StoreDep
from shared.contracts.feeds import GiasImportCompleted, GiasImportFailed, GiasImportStarted
from shared.errors import NotFound, UnprocessableContent
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import ANY, NO_STREAM, NewEvent
from shared.eventlog.store import EventStore
from shared.eventlog.unit import UnitOfWork
from shared.http.problems import problem_responses
from shared.http.steps import create, step
from shared.http.writes import Answer, WriteRequest, write_responses

log = logging.getLogger(__name__)
router = APIRouter(tags=["imports"])

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
_IMPORT_ID = re.compile(r"^[0-9a-f]{32}$")
# GIAS extracts run to tens of megabytes; a whole snapshot upload may be this large.
MAX_UPLOAD_BYTES = 512 * 1024 * 1024
UPLOAD_PARTS = frozenset({"establishments", "groups", "links", "predecessor_links"})


@router.post(
    "/imports/gias",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportAccepted,
    summary="Hand in a GIAS snapshot to apply",
    responses=write_responses(202, 401, 403, 413, 422, versioned=False),
)
async def start_gias_import(
    request: Request,
    store: StoreDep,
    # A snapshot of the whole register: a national step, settled at the edge.
    write: Annotated[WriteRequest, create("registry.imports.gias")],
    establishments: Annotated[UploadFile, File(description="edubasealldataYYYYMMDD.csv")],
    groups: Annotated[UploadFile, File(description="allgroupsdataYYYYMMDD.csv")],
    links: Annotated[UploadFile, File(description="alllinksdataYYYYMMDD.csv")],
    predecessor_links: Annotated[
        UploadFile | None, File(description="links_edubasealldataYYYYMMDD.csv")
    ] = None,
) -> Response:
    """Store the files, record who handed them in, and apply them in the background."""
    # A misnamed part would otherwise be dropped without a word and the snapshot applied
    # without it (predecessor links sent as "establishment_links", say).
    unknown = sorted(set((await request.form()).keys()) - UPLOAD_PARTS)
    if unknown:
        raise UnprocessableContent(
            f"Unknown parts {', '.join(unknown)}; a GIAS snapshot is sent as "
            f"{', '.join(sorted(UPLOAD_PARTS))}.",
            extra={"unknown_parts": unknown},
        )
    # What can be told from the request itself is refused now, before anything is started,
    # rather than reported later as a failed import.
    if snapshot_date_of(Path(establishments.filename or "")) is None:
        raise _unusable_upload({"establishments": "The file " + NO_SNAPSHOT_DATE + "."})
    import_id = uuid.uuid4().hex
    folder = Path(tempfile.mkdtemp(prefix=f"gias-{import_id}-"))
    uploads = {
        "establishments": establishments,
        "groups": groups,
        "links": links,
        "predecessor_links": predecessor_links,
    }
    try:
        paths = {
            name: await _save(upload, folder)
            for name, upload in uploads.items()
            if upload is not None
        }
        empty = sorted(name for name, path in paths.items() if path.stat().st_size == 0)
        if empty:
            raise _unusable_upload(
                dict.fromkeys(empty, "The file is empty; each GIAS file has a header row at least.")
            )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    meta = write.metadata.model_copy(
        update={"correlation_id": import_id, "source": f"gias-import:{import_id}"}
    )
    started = GiasImportStarted(import_id=import_id, files={k: p.name for k, p in paths.items()})
    files = GiasFiles(
        paths["establishments"], paths["groups"], paths["links"], paths.get("predecessor_links")
    )

    def apply_in_background() -> None:
        task = asyncio.create_task(_run(store, files, folder, import_id, meta), name=import_id)
        # Keep a reference so the task is not garbage-collected; it drops itself when done.
        running = _running(request)
        running.add(task)
        task.add_done_callback(running.discard)

    async def act(uow: UnitOfWork) -> Answer:
        await uow.append(
            f"gias_import-{import_id}", [started], expected_version=NO_STREAM, metadata=meta
        )
        return Answer(
            ImportAccepted(
                import_id=import_id, status="running", report_url=f"/imports/{import_id}"
            ),
            status.HTTP_202_ACCEPTED,
            location=f"/imports/{import_id}",
            after_commit=apply_in_background,
        )

    try:
        answer = await write.run(act)
    finally:
        # A replayed or refused request applies nothing: its files are not needed.
        if not any(t.get_name() == import_id for t in _running(request)):
            shutil.rmtree(folder, ignore_errors=True)
    return answer


def _running(request: Request) -> set[asyncio.Task[None]]:
    tasks: set[asyncio.Task[None]] = request.app.state.__dict__.setdefault("imports", set())
    return tasks


def _unusable_upload(reasons: dict[str, str]) -> UnprocessableContent:
    """A 422 naming each unusable part of the upload, shaped like a validation problem."""
    return UnprocessableContent(
        " ".join(f"{part}: {reason}" for part, reason in reasons.items()),
        extra={
            "errors": [
                {"loc": ["body", part], "msg": reason, "type": "unusable_file"}
                for part, reason in reasons.items()
            ]
        },
    )


async def _save(upload: UploadFile, folder: Path) -> Path:
    # Only the base name, and only safe characters: an upload never chooses where it lands.
    name = _SAFE_NAME.sub("_", Path(upload.filename or "upload.csv").name) or "upload.csv"
    path = folder / name
    if path.exists():
        raise UnprocessableContent(f"two uploads are both called {name}")
    with path.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            out.write(chunk)
    return path


async def _run(
    store: EventStore, files: GiasFiles, folder: Path, import_id: str, meta: EventMetadata
) -> None:
    try:
        await import_gias(store, files, actor=meta.actor, import_id=import_id)
    except UnusableInput as exc:
        failed = GiasImportFailed(import_id=import_id, file=exc.file, reason=exc.reason)
        await store.append(
            f"gias_import-{import_id}", [NewEvent(failed, meta)], expected_version=ANY
        )
    except Exception as exc:
        log.exception("GIAS import %s failed", import_id)
        # The exception's own text stays in the log: every reader may see the report.
        reason = (
            f"An unexpected error ({type(exc).__name__}) stopped the import; it is in the "
            f"registry's log under import {import_id}. Handing in the same files again "
            "applies whatever this run did not."
        )
        failed = GiasImportFailed(import_id=import_id, file="", reason=reason)
        await store.append(
            f"gias_import-{import_id}", [NewEvent(failed, meta)], expected_version=ANY
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@router.get(
    "/imports/{import_id}",
    dependencies=[step("registry.imports.read")],
    response_model=ImportStatus,
    summary="An import's status and report",
    responses=problem_responses(401, 403, 404),
)
async def get_import(
    import_id: str,
    store: StoreDep,
) -> ImportStatus:
    """Read straight from the import's own stream, so the answer is never behind."""
    if not _IMPORT_ID.match(import_id):
        raise NotFound(f"no import {import_id}")
    events = await store.read_stream(f"gias_import-{import_id}")
    if not events:
        raise NotFound(f"no import {import_id}")
    out: dict[str, Any] = {"import_id": import_id, "status": "running"}
    for event in events:
        e = event.decode(store.registry)
        if isinstance(e, GiasImportStarted):
            out.update(files=e.files, requested_by=event.meta.actor)
        elif isinstance(e, GiasImportCompleted):
            out.update(
                status="completed",
                snapshot_date=e.snapshot_date.isoformat(),
                files=e.files,
                rows_read=e.rows_read,
                events_written=e.events_written,
                rejected=e.rejected,
            )
            out.setdefault("requested_by", event.meta.actor)
        elif isinstance(e, GiasImportFailed):
            out.update(status="failed", error=f"{e.file}: {e.reason}".lstrip(": "))
    return ImportStatus.model_validate(out)
