"""GIAS imports (data feed role): upload a snapshot, watch it apply, read the report."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from registry_client.api.imports import imports_get_import, imports_start_gias_import
from registry_client.models import BodyImportsStartGiasImport, ImportAccepted, ImportStatus
from registry_client.types import UNSET, File
from starlette.datastructures import UploadFile

from services.console.api.deps import ApisDep
from services.console.clients import ApiProblem
from services.console.templating import render
from services.console.views.common import errors_from_problem
from services.console.views.imports import UPLOADS, ImportReport, UploadForm

router = APIRouter()


@router.get("/imports", summary="Imports")
async def imports_start() -> Response:
    """Imports begin with an upload."""
    return RedirectResponse("/imports/new", status_code=303)


@router.get("/imports/new", summary="Upload a GIAS snapshot")
async def upload_form(request: Request, apis: ApisDep) -> Response:
    """The upload form."""
    return render(
        request, "imports/new.html", {"form": UploadForm(), "title": "Upload a GIAS snapshot"}
    )


@router.post("/imports", summary="Upload a GIAS snapshot")
async def upload(request: Request, apis: ApisDep) -> Response:
    """Hand the files to the registry, then follow the import's progress."""
    data = await request.form()
    form = UploadForm()
    files: dict[str, File] = {}
    for name, text, _, required in UPLOADS:
        part = data.get(name)
        if isinstance(part, UploadFile) and part.filename:
            files[name] = File(payload=part.file, file_name=part.filename, mime_type="text/csv")
        elif required:
            form.errors.add(name, f"Select the {text.lower()} file")
    if not form.errors:
        reg = apis.registry
        body = BodyImportsStartGiasImport(
            establishments=files["establishments"],
            groups=files["groups"],
            links=files["links"],
            # Left out, not None: the generated client would send None as text.
            predecessor_links=files.get("predecessor_links", UNSET),
        )
        try:
            accepted = await reg.ok(
                imports_start_gias_import.asyncio_detailed(
                    client=reg.client, body=body, x_reason="GIAS snapshot uploaded in the console"
                ),
                ImportAccepted,
            )
        except ApiProblem as problem:
            if problem.status not in (400, 413, 422):
                raise
            form.errors = errors_from_problem(problem, {n: n for n, *_ in UPLOADS})
        else:
            return RedirectResponse(f"/imports/{accepted.import_id}", status_code=303)
    return render(
        request,
        "imports/new.html",
        {
            "form": form,
            "title": "Upload a GIAS snapshot",
            "errors": form.errors.summary("establishments"),
        },
        status_code=400,
    )


@router.get("/imports/{import_id}", summary="An import")
async def import_report(request: Request, import_id: str, apis: ApisDep, page: int = 1) -> Response:
    """Progress until the report is ready (the page reloads itself), then the report."""
    reg = apis.registry
    status = await reg.ok(
        imports_get_import.asyncio_detailed(import_id, client=reg.client), ImportStatus
    )
    view = ImportReport.build(status, page=page)
    title = "Import in progress" if view.running else "Import report"
    return render(
        request,
        "imports/report.html",
        {
            "view": view,
            "title": title,
            "refresh_seconds": view.refresh_seconds,
            "back": "/imports/new",
        },
    )
