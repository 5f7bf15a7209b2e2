"""The field types of every request: strict numbers, ISO dates, bounded text, defined once.

At the edge a value must already be what its field says, and no more of it than makes
sense: JSON ``true`` is not the number 1 and ``0`` is not a date, though pydantic's lax
mode takes both, and no town's name runs to 100,000 characters. Request schemas (bodies and
query parameters) use these types; event contracts keep their own, since they also read
what is already stored.

Strictness is per field, not per model: a strict model would also refuse JSON strings for
dates and enums, which FastAPI validates as Python values.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import BeforeValidator, Field, Strict
from pydantic_core import PydanticCustomError

from shared.contracts.identifiers import GroupUid, Urn

# ------------------------------------------------------------------------- numbers

StrictUrn = Annotated[Urn, Strict()]
StrictGroupUid = Annotated[GroupUid, Strict()]
VersionNumber = Annotated[int, Strict(), Field(ge=1)]

# --------------------------------------------------------------------------- dates

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(value: object) -> object:
    """Let only a ``YYYY-MM-DD`` string (or a date, from Python callers) through to ``date``.

    Lax pydantic reads ``0`` and ``"0"`` as 1970-01-01 (Unix time) and takes datetimes at
    midnight; none of those is a date a person wrote.
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise PydanticCustomError("iso_date", "Input should be a date written YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(iso_date)]

# ---------------------------------------------------------------------------- text
# Bounds in characters. Where a request field becomes an event's field, its bound is the
# contract's, so what the edge accepts the log can always store.

LABEL_MAX = 200
PERSON_NAME_MAX = 200
NAME_MAX = 300
REFERENCE_MAX = 1000
PARAGRAPH_MAX = 2000
REASON_MAX = 4000
RATIONALE_MAX = 8000
FILTER_MAX = 100  # a query parameter matched against a code or a name
TOWN_MAX = 100

Label = Annotated[str, Field(min_length=1, max_length=LABEL_MAX)]
"""A short label: a category, a metric's name."""
PersonName = Annotated[str, Field(min_length=1, max_length=PERSON_NAME_MAX)]
Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX)]
"""The name of a trust, a school, a framework or its publisher."""
Title = Annotated[str, Field(min_length=1, max_length=NAME_MAX)]
Reference = Annotated[str, Field(min_length=1, max_length=REFERENCE_MAX)]
"""Where something can be found: a document and page, a URL."""
Paragraph = Annotated[str, Field(min_length=1, max_length=PARAGRAPH_MAX)]
"""A purpose, or one condition of a decision or notice."""
Reason = Annotated[str, Field(min_length=1, max_length=REASON_MAX)]
"""Why something was done; an evidence summary."""
Rationale = Annotated[str, Field(min_length=1, max_length=RATIONALE_MAX)]
"""A judgement's or decision's rationale, a notice's grounds, a moderator's comments."""
Town = Annotated[str, Field(min_length=1, max_length=TOWN_MAX)]
# Every current UK postcode (outward code, optional space, inward code), in either case.
# Only hand-entered requests must match it; GIAS's own data is taken as GIAS has it.
Postcode = Annotated[
    str,
    Field(
        max_length=8,
        pattern=r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}$",
        examples=["LS1 4AP"],
    ),
]

# --------------------------------------------------------------------------- lists

PILLARS_MAX = 20
"""Pillars in a framework, or weighed in a case."""
THEMES_MAX = 50
"""Themes named under one pillar (DfE's framework has nine at most)."""
CONDITIONS_MAX = 50
"""Conditions attached to one decision or notice."""
