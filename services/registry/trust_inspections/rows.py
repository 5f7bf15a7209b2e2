"""One row of a trust-inspection file, read by the ``trust_inspection_format`` policy.

Pure: the format says which column gives what; this module reads a header against it
(``Header``) and a row into an inspection (``parse_row``), or says where and why it cannot.
Headings are matched without regard to case, spacing or punctuation, as the school Ofsted
reader does. Whether the trust is on the register is the importer's to say.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from services.registry.gias.csvfile import Row, RowProblem
from services.registry.trust_inspections.format import (
    FieldName,
    TrustInspectionFormat,
    norm,
)
from shared.contracts.identifiers import MAX_GROUP_UID
from shared.contracts.trust_inspections import TrustInspectionOutcome, TrustInspectionRecorded


@dataclass(frozen=True)
class Header:
    """The file's own spelling of each column the format names (those it has)."""

    format: TrustInspectionFormat
    version: int
    spelling: dict[str, str]

    @classmethod
    def read(cls, header: list[str], fmt: TrustInspectionFormat, version: int) -> Header:
        """The file's header against the format."""
        by_norm = {norm(h): h for h in header}
        spelling = {c: by_norm[norm(c)] for c in fmt.columns() if norm(c) in by_norm}
        return cls(fmt, version, spelling)

    def shape_problem(self) -> str | None:
        """Why no row of the file could be read, if none could: a required column is missing."""
        missing = [c for c in self.format.required_columns() if c not in self.spelling]
        if not missing:
            return None
        return (
            f"is missing required columns: {', '.join(missing)}"
            f" (trust_inspection_format v{self.version})"
        )

    def column(self, heading: str) -> str | None:
        """The file's spelling of the format's ``heading``, if the file has it."""
        return self.spelling.get(heading)


def _value(row: Row, header: Header, heading: str, required: bool) -> tuple[str, str | None]:
    """The file's column for ``heading`` and its value there; RowProblem if required and empty."""
    column = header.column(heading) or heading
    value = row.text(column)
    if value is None and required:
        raise row.problem(column, None, "is empty")
    return column, value


def _field(row: Row, header: Header, name: FieldName) -> tuple[str, str | None]:
    """A field's column and value; a field the format does not name reads as empty."""
    spec = header.format.column_of(name)
    if spec is None:
        return name, None
    return _value(row, header, spec.column, spec.required)


def _day(row: Row, header: Header, column: str) -> date | None:
    """A date, with the format's own way of writing one named when it is not one."""
    try:
        return row.day(column)
    except RowProblem as bad:
        if bad.reason.startswith("is not a date"):
            raise replace(bad, reason=f"is not a date ({header.format.date_format})") from None
        raise


def _outcomes(row: Row, header: Header) -> list[TrustInspectionOutcome]:
    fmt = header.format
    not_judged = {w.strip().lower() for w in fmt.not_judged}
    out: list[TrustInspectionOutcome] = []
    for area in fmt.areas:
        column, value = _value(row, header, area.column, area.required)
        if value is None:
            continue
        if value.lower() in not_judged:
            if area.required:
                raise row.problem(column, value, "must be judged: the area is required")
            continue
        outcome = {w.strip().lower(): w for w in area.outcomes}.get(value.lower())
        if outcome is None:
            raise row.problem(
                column,
                value,
                f"is not an outcome of {area.column} (known: {', '.join(area.outcomes)};"
                f" trust_inspection_format v{header.version})",
            )
        out.append(TrustInspectionOutcome(area=area.area, heading=area.column, outcome=outcome))
    return out


def parse_row(row: Row, header: Header) -> TrustInspectionRecorded:
    """One row as a recorded trust inspection (the trust not yet checked), or RowProblem."""
    uid_column, _ = _field(row, header, "trust_uid")
    uid = row.integer(uid_column, low=1, high=MAX_GROUP_UID)
    id_column, inspection_id = _field(row, header, "inspection_id")
    start_column, _ = _field(row, header, "inspection_start")
    start = _day(row, header, start_column)
    published_column, _ = _field(row, header, "publication_date")
    published = _day(row, header, published_column)
    type_column, kind = _field(row, header, "inspection_type")
    url_column, url = _field(row, header, "report_url")
    outcomes = _outcomes(row, header)
    # Required by the format (format.check), so present once _field has read them.
    assert uid is not None and inspection_id is not None and start is not None
    if published is not None and published < start:
        raise row.problem(
            published_column, row.text(published_column), "is before the inspection start date"
        )
    limits = ((id_column, inspection_id, 100), (type_column, kind, 200), (url_column, url, 500))
    for column, value, limit in limits:
        if value is not None and len(value) > limit:
            raise row.problem(column, value[:50], f"is longer than {limit} characters")
    # Shown as a link wherever the inspection is: only a web address may be one.
    if url is not None and not url.lower().startswith(("https://", "http://")):
        raise row.problem(url_column, url, "is not a web address (https://...)")
    return TrustInspectionRecorded(
        uid=uid,
        inspection_id=inspection_id,
        inspection_start=start,
        publication_date=published,
        inspection_type=kind or None,
        outcomes=outcomes,
        report_url=url,
        source_file=row.file,
        format_version=header.version,
    )
