"""The identifiers every service's events use, defined once."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# Read models store UIDs as PostgreSQL integers; GIAS's and our provisional ones fit easily.
MAX_GROUP_UID = 2_147_483_647

Urn = Annotated[int, Field(ge=100000, le=999999, description="Unique Reference Number")]
GroupUid = Annotated[int, Field(ge=1, le=MAX_GROUP_UID, description="GIAS group UID of the trust")]
LaCode = Annotated[str, Field(pattern=r"^[0-9]{3}$", description="DfE local authority code")]
Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="A stable machine key")]
