"""The ``trust_inspection_format`` policy: the columns of a trust-inspection file.

Ofsted has not published a format for trust inspections, so the registry holds the shape it
reads as versioned data: the column that gives each of an inspection's fields, the judgement
areas with the outcome words each allows, and which columns are required. A new format is a
new version of this policy, not a code change; each recorded inspection names the version
that read it. Pure: the document's schema and the checks a version must pass.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from shared.contracts.identifiers import Key

FORMAT_POLICY = "trust_inspection_format"

Heading = Annotated[str, Field(min_length=1, max_length=200)]
# The fields of an inspection other than its outcomes, as TrustInspectionRecorded names them.
FieldName = Literal[
    "trust_uid",
    "inspection_id",
    "inspection_start",
    "publication_date",
    "inspection_type",
    "report_url",
]
# Without these a row cannot be an inspection of a trust: each must be a required column.
ESSENTIAL: tuple[FieldName, ...] = ("trust_uid", "inspection_id", "inspection_start")
DATE_FIELDS: frozenset[FieldName] = frozenset({"inspection_start", "publication_date"})


def norm(heading: str) -> str:
    """A heading without case, spaces or punctuation (as the school Ofsted reader matches)."""
    return re.sub(r"[^a-z0-9]", "", heading.lower())


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldColumn(_Doc):
    """The column giving one field of an inspection."""

    field: FieldName
    column: Heading
    required: StrictBool
    description: str = Field(min_length=1, max_length=500)


class AreaColumn(_Doc):
    """A judgement area: its column, whether every row must grade it, its outcome words.

    ``verified`` says whether the area and its words were checked against a published Ofsted
    source; ``note`` says where they come from.
    """

    area: Key
    column: Heading
    required: StrictBool
    outcomes: list[Heading] = Field(min_length=1, max_length=20)
    verified: StrictBool
    note: str = Field(min_length=1, max_length=1000)


class TrustInspectionFormat(_Doc):
    """The whole policy document."""

    date_format: Literal["dd/mm/yyyy"] = Field(
        description="How dates are written (dd-mm-yyyy is read too, as in GIAS files)."
    )
    fields: list[FieldColumn] = Field(min_length=1, max_length=20)
    areas: list[AreaColumn] = Field(min_length=1, max_length=20)
    # Values read as "this area was not judged" in an optional area's column.
    not_judged: list[Heading] = Field(default_factory=list, max_length=20)

    def columns(self) -> list[str]:
        """Every column the format names, fields first."""
        return [f.column for f in self.fields] + [a.column for a in self.areas]

    def required_columns(self) -> list[str]:
        """The columns a file must have."""
        return [f.column for f in self.fields if f.required] + [
            a.column for a in self.areas if a.required
        ]

    def column_of(self, name: FieldName) -> FieldColumn | None:
        """The column giving field ``name``, if the format has one."""
        return next((f for f in self.fields if f.field == name), None)


def check(doc: TrustInspectionFormat) -> list[str]:
    """Every problem of a well-formed document, in words a policy officer reads."""
    problems: list[str] = []
    given = {f.field: f for f in doc.fields}
    for name in ESSENTIAL:
        if name not in given:
            problems.append(f"field {name} has no column")
        elif not given[name].required:
            problems.append(f"field {name} must be a required column")
    seen_fields: set[str] = set()
    for f in doc.fields:
        if f.field in seen_fields:
            problems.append(f"field {f.field} is given more than one column")
        seen_fields.add(f.field)
    seen_columns: set[str] = set()
    for heading in doc.columns():
        if norm(heading) in seen_columns:
            problems.append(f"column {heading} is named more than once")
        seen_columns.add(norm(heading))
    seen_areas: set[str] = set()
    not_judged = {w.strip().lower() for w in doc.not_judged}
    for a in doc.areas:
        if a.area in seen_areas:
            problems.append(f"area {a.area} is given more than once")
        seen_areas.add(a.area)
        words = [w.strip().lower() for w in a.outcomes]
        if len(set(words)) != len(words):
            problems.append(f"area {a.area} lists an outcome more than once")
        clash = sorted(not_judged & set(words))
        if clash:
            problems.append(f"area {a.area}: {', '.join(clash)} is also a not-judged word")
    if not any(a.required for a in doc.areas):
        problems.append("no area is required: a row could record an inspection with no outcome")
    return problems
