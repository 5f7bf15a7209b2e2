"""GIAS imports: the upload form, and the import's progress and report."""

from __future__ import annotations

from dataclasses import dataclass, field

from registry_client.models import ImportStatus

from services.console.views.common import FormErrors, SummaryRow, given, label, rows

UPLOADS = (
    ("establishments", "Establishments", "edubasealldataYYYYMMDD.csv", True),
    ("groups", "Groups (trusts)", "allgroupsdataYYYYMMDD.csv", True),
    ("links", "Group links", "alllinksdataYYYYMMDD.csv", True),
    (
        "predecessor_links",
        "Predecessor and successor links",
        "links_edubasealldataYYYYMMDD.csv (optional)",
        False,
    ),
)
REJECTED_PAGE = 100
# How often the progress page reloads itself while the registry works (no JavaScript).
REFRESH_SECONDS = 2


@dataclass
class UploadForm:
    """Which files were chosen, and what is wrong with the choice."""

    errors: FormErrors = field(default_factory=FormErrors)

    def fields(self) -> list[tuple[str, str, str]]:
        """(name, label, hint) for each file input."""
        return [(name, text, hint) for name, text, hint, _ in UPLOADS]


@dataclass(frozen=True)
class Rejected:
    """A row the registry could not apply, and why."""

    file: str
    line: int
    column: str
    value: str
    reason: str


@dataclass(frozen=True)
class ImportReport:
    """An import: still running (the page reloads itself), or its report."""

    import_id: str
    running: bool
    failed: bool
    status: str
    summary: list[SummaryRow]
    rejected: list[Rejected]
    total_rejected: int
    page: int
    pages: int
    refresh_seconds: int | None

    @classmethod
    def build(cls, status: ImportStatus, *, page: int = 1) -> ImportReport:
        """From the registry's import status; rejected rows a page at a time."""
        running = status.status.value == "running"
        rejected_all = given(status.rejected) or []
        pages = max(1, -(-len(rejected_all) // REJECTED_PAGE))
        page = min(max(1, page), pages)
        start = (page - 1) * REJECTED_PAGE
        read = given(status.rows_read)
        read_text = (
            ", ".join(f"{label(k)}: {v:,}" for k, v in read.additional_properties.items())
            if read
            else ""
        )
        return cls(
            import_id=status.import_id,
            running=running,
            failed=status.status.value == "failed",
            status=label(status.status.value),
            summary=rows(
                [
                    ("Status", label(status.status.value)),
                    ("Snapshot date", given(status.snapshot_date)),
                    ("Rows read", read_text),
                    ("Events written", given(status.events_written)),
                    ("Rows rejected", len(rejected_all) if not running else ""),
                    ("Handed in by", given(status.requested_by)),
                    ("Error", given(status.error)),
                ]
            ),
            rejected=[
                Rejected(r.file, r.line, given(r.column) or "", given(r.value) or "", r.reason)
                for r in rejected_all[start : start + REJECTED_PAGE]
            ],
            total_rejected=len(rejected_all),
            page=page,
            pages=pages,
            refresh_seconds=REFRESH_SECONDS if running else None,
        )
