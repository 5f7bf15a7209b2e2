"""Reads of what commissioning knows: one school's or trust's facts, as other modules need them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache

import asyncpg
from pydantic import BaseModel, ConfigDict

from shared import reference
from shared.reference import Area

# Schools that count as open (GIAS's EstablishmentStatus names), as the registry counts them.
OPEN_STATUSES: tuple[str, ...] = ("Open", "Open, but proposed to close")
CLOSED_STATUS = "Closed"
# GIAS type groups of state-funded schools: the ones that are, or could be, in a trust.
STATE_FUNDED_GROUPS: tuple[str, ...] = (
    "Local authority maintained schools",
    "Special schools",
    "Academies",
    "Free Schools",
)


class SchoolFact(BaseModel):
    """A school as commissioning knows it from the registry's events."""

    model_config = ConfigDict(frozen=True)

    urn: int
    name: str
    la_code: str
    la_name: str
    region_code: str | None
    region_name: str | None
    district_code: str | None
    district_name: str | None
    # The planning area the school is in: a district priority area (e.g. Hastings) when its
    # district is one, else the Education Investment Area that is its whole LA, else None.
    area: str | None
    phase: str | None
    status: str
    closed: bool
    religious_character: str | None
    diocese: str | None
    pupils: int | None
    easting: int | None
    northing: int | None
    trust_uid: int | None
    ofsted_grade: str | None
    ofsted_date: date | None


class TrustFact(BaseModel):
    """A trust as commissioning knows it from the registry's events."""

    model_config = ConfigDict(frozen=True)

    uid: int
    name: str
    trust_type: str | None
    status: str | None
    closed: bool


@cache
def _area_lookup() -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    by_district: dict[tuple[str, str], str] = {}
    by_la: dict[str, str] = {}
    for area in reference.areas():
        if area.kind == "district":
            for la_code in area.la_codes:
                for district in area.districts:
                    by_district[(la_code, district.casefold())] = area.name
        else:
            for la_code in area.la_codes:
                by_la.setdefault(la_code, area.name)
    return by_district, by_la


def area_of(la_code: str, district_name: str | None) -> str | None:
    """The most specific planning area a school in this LA and district is in, or None."""
    by_district, by_la = _area_lookup()
    if district_name:
        found = by_district.get((la_code, district_name.casefold()))
        if found is not None:
            return found
    return by_la.get(la_code)


def find_area(name: str) -> Area | None:
    """The area called ``name`` in any case, or None."""
    wanted = name.casefold()
    return next((a for a in reference.areas() if a.name.casefold() == wanted), None)


_SCHOOLS_SQL = """
SELECT urn, name, la_code, la_name, region_code, region_name, district_code, district_name,
       phase, status, closed, religious_character, diocese, pupils, easting, northing,
       trust_uid, ofsted_grade, ofsted_date
  FROM commissioning_school_facts WHERE urn = ANY($1::int[])
"""


def school_fact_of(row: asyncpg.Record) -> SchoolFact:
    """A SchoolFact from a commissioning_school_facts row (with the columns above)."""
    return SchoolFact(
        **{k: row[k] for k in row.keys()},  # noqa: SIM118 - Record is not a Mapping
        area=area_of(row["la_code"], row["district_name"]),
    )


async def school_facts(
    conn: asyncpg.Connection | asyncpg.Pool, urns: Sequence[int]
) -> dict[int, SchoolFact]:
    """The facts of each of ``urns`` the registry has registered; unknown URNs are absent."""
    rows = await conn.fetch(_SCHOOLS_SQL, list(urns))
    return {r["urn"]: school_fact_of(r) for r in rows}


async def trust_fact(conn: asyncpg.Connection | asyncpg.Pool, uid: int) -> TrustFact | None:
    """The facts of trust ``uid``, or None if the registry has not incorporated it."""
    row = await conn.fetchrow(
        "SELECT uid, name, trust_type, status, closed FROM commissioning_trust_facts"
        " WHERE uid = $1",
        uid,
    )
    return None if row is None else TrustFact(**dict(row))
