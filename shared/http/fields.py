"""The field types of every request: strict numbers and ISO dates, defined once.

At the edge a value must already be what its field says: JSON ``true`` is not the number 1
and ``0`` is not a date, though pydantic's lax mode takes both. Request schemas (bodies and
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
