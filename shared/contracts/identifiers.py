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
# Commissioning's ids (uuid4 hex), which its projects and the registry's transfers name too.
CaseId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="uuid4 hex")]
DecisionId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="uuid4 hex")]
RegionCode = Annotated[str, Field(pattern=r"^[A-Z]$", description="GOR region code, e.g. H")]
# A person as a token names them (its ``sub``): whom a case is referred or a step delegated to.
Subject = Annotated[str, Field(min_length=1, max_length=200)]
# A step of an authority table (shared/authority), as its routes name it.
StepName = Annotated[
    str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,3}$", max_length=120)
]
