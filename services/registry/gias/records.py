"""GIAS rows turned into the registry's values: establishments, groups and links."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError

from services.registry.gias.csvfile import Row
from shared.contracts.registry import SchoolDetails, TrustDetails, TrustType

ESTABLISHMENT_COLUMNS = (
    "URN",
    "LA (code)",
    "LA (name)",
    "EstablishmentName",
    "TypeOfEstablishment (code)",
    "EstablishmentStatus (name)",
    "OpenDate",
    "CloseDate",
    "PhaseOfEducation (name)",
)
GROUP_COLUMNS = ("Group UID", "Group Name", "Group Type (code)", "Group Status")
LINK_COLUMNS = ("URN", "Group UID", "Joined date")
PREDECESSOR_COLUMNS = ("URN", "LinkURN", "LinkType")

# Group types that are academy trusts; federations, sponsors and umbrella trusts are not.
TRUST_TYPES: dict[str, TrustType] = {
    "06": "multi_academy_trust",
    "10": "single_academy_trust",
    "11": "secure_single_academy_trust",
}

_URN = (100000, 999999)


@dataclass(frozen=True)
class Establishment:
    """One establishments-file row."""

    urn: int
    details: SchoolDetails
    line: int


@dataclass(frozen=True)
class Group:
    """One groups-file row; ``trust_type`` is None for groups that are not academy trusts."""

    uid: int
    trust_type: TrustType | None
    details: TrustDetails | None
    line: int


@dataclass(frozen=True)
class Link:
    """A school's membership of a group, as GIAS lists it (a joined date and no left date)."""

    urn: int
    uid: int
    joined_on: date | None
    line: int


@dataclass(frozen=True)
class PredecessorLink:
    """A school and the establishment it took over from."""

    urn: int
    predecessor_urn: int
    link_type: str
    established_on: date | None
    line: int


def _code(value: str | None) -> str | None:
    # GIAS codes are sometimes zero-padded and sometimes not ("6" and "06").
    if value is None:
        return None
    return value.zfill(2) if value.isdigit() and len(value) < 2 else value


def establishment(row: Row) -> Establishment:
    """Parse an establishments row, or raise RowProblem."""
    urn = row.integer("URN", low=_URN[0], high=_URN[1])
    if urn is None:
        raise row.problem("URN", None, "is empty")
    la_code = row.required("LA (code)")
    if not (la_code.isdigit() and len(la_code) == 3):
        raise row.problem("LA (code)", la_code, "is not a 3-digit local authority code")
    estab = row.text("EstablishmentNumber")
    laestab = f"{la_code}{int(estab):04d}" if estab and estab.isdigit() else None
    # The plain text columns in one go (they cannot be refused); the others in their order,
    # so a row with several problems reports the same first one.
    texts = dict(zip(_TEXT_FIELDS, row.texts(_TEXT_COLUMNS), strict=True))
    values = {
        "name": row.required("EstablishmentName"),
        "la_code": la_code,
        "la_name": row.required("LA (name)"),
        "laestab": laestab,
        "type_code": texts["type_code"],
        "type_name": texts["type_name"],
        "type_group_code": texts["type_group_code"],
        "type_group_name": texts["type_group_name"],
        "status": row.required("EstablishmentStatus (name)"),
        "phase": texts["phase"],
        "statutory_low_age": row.integer("StatutoryLowAge", low=0, high=99),
        "statutory_high_age": row.integer("StatutoryHighAge", low=0, high=99),
        "religious_character": texts["religious_character"],
        "diocese": texts["diocese"],
        "pupils": row.integer("NumberOfPupils", low=0),
        "capacity": row.integer("SchoolCapacity", low=0),
        "fsm_percent": row.decimal("PercentageFSM"),
        "street": texts["street"],
        "locality": texts["locality"],
        "address3": texts["address3"],
        "town": texts["town"],
        "county": texts["county"],
        "postcode": texts["postcode"],
        "easting": row.integer("Easting", low=0, high=800_000),
        "northing": row.integer("Northing", low=0, high=1_300_000),
        "region_code": texts["region_code"],
        "region_name": texts["region_name"],
        "district_code": texts["district_code"],
        "district_name": texts["district_name"],
        "constituency_code": texts["constituency_code"],
        "constituency_name": texts["constituency_name"],
        "open_date": row.day("OpenDate"),
        "open_reason": texts["open_reason"],
        "close_date": row.day("CloseDate"),
        "close_reason": texts["close_reason"],
        "ukprn": texts["ukprn"],
    }
    return Establishment(urn, _validated(row, SchoolDetails, values), row.line)


# SchoolDetails' plain text fields and the establishments columns they come from.
_TEXT_COLUMN_OF = {
    "type_code": "TypeOfEstablishment (code)",
    "type_name": "TypeOfEstablishment (name)",
    "type_group_code": "EstablishmentTypeGroup (code)",
    "type_group_name": "EstablishmentTypeGroup (name)",
    "phase": "PhaseOfEducation (name)",
    "religious_character": "ReligiousCharacter (name)",
    "diocese": "Diocese (name)",
    "street": "Street",
    "locality": "Locality",
    "address3": "Address3",
    "town": "Town",
    "county": "County (name)",
    "postcode": "Postcode",
    "region_code": "GOR (code)",
    "region_name": "GOR (name)",
    "district_code": "DistrictAdministrative (code)",
    "district_name": "DistrictAdministrative (name)",
    "constituency_code": "ParliamentaryConstituency (code)",
    "constituency_name": "ParliamentaryConstituency (name)",
    "open_reason": "ReasonEstablishmentOpened (name)",
    "close_reason": "ReasonEstablishmentClosed (name)",
    "ukprn": "UKPRN",
}
_TEXT_FIELDS = tuple(_TEXT_COLUMN_OF)
_TEXT_COLUMNS = tuple(_TEXT_COLUMN_OF.values())


def group(row: Row) -> Group:
    """Parse a groups row, or raise RowProblem. Non-trust groups keep no details."""
    uid = row.integer("Group UID", low=1)
    if uid is None:
        raise row.problem("Group UID", None, "is empty")
    trust_type = TRUST_TYPES.get(_code(row.text("Group Type (code)")) or "")
    if trust_type is None:
        return Group(uid, None, None, row.line)
    values = {
        "trn": row.text("Group ID"),
        "name": row.required("Group Name"),
        "companies_house_number": row.text("Companies House Number"),
        "trust_type": trust_type,
        "status": row.required("Group Status"),
        "incorporated_on": row.day("Incorporated on (open date)") or row.day("Open date"),
        "closed_on": row.day("Closed Date"),
        "street": row.text("Group Street"),
        "locality": row.text("Group Locality"),
        "address3": row.text("Group Address 3"),
        "town": row.text("Group Town"),
        "county": row.text("Group County"),
        "postcode": row.text("Group Postcode"),
        "ukprn": row.text("UKPRN"),
    }
    return Group(uid, trust_type, _validated(row, TrustDetails, values), row.line)


def link(row: Row) -> Link:
    """Parse a links row, or raise RowProblem."""
    urn = row.integer("URN", low=_URN[0], high=_URN[1])
    uid = row.integer("Group UID", low=1)
    if urn is None:
        raise row.problem("URN", None, "is empty")
    if uid is None:
        raise row.problem("Group UID", None, "is empty")
    return Link(urn, uid, row.day("Joined date"), row.line)


def predecessor_link(row: Row) -> PredecessorLink | None:
    """Parse a predecessor-links row; None for successor rows (the other direction)."""
    link_type = row.required("LinkType")
    if "predecessor" not in link_type.lower():
        return None
    urn = row.integer("URN", low=_URN[0], high=_URN[1])
    other = row.integer("LinkURN", low=_URN[0], high=_URN[1])
    if urn is None or other is None:
        raise row.problem("URN" if urn is None else "LinkURN", None, "is empty")
    if urn == other:
        raise row.problem("LinkURN", str(other), "links a school to itself")
    return PredecessorLink(urn, other, link_type, row.day("LinkEstablishedDate"), row.line)


def _validated(
    row: Row, model: type[SchoolDetails] | type[TrustDetails], values: Mapping[str, object]
) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = str(err["loc"][0]) if err["loc"] else None
        value = values.get(field) if field else None
        raise row.problem(
            _COLUMN_OF.get(field or "", field), None if value is None else str(value), err["msg"]
        ) from None


# Which GIAS column a field came from, to name it in a problem report.
_COLUMN_OF = {
    "laestab": "EstablishmentNumber",
    "ukprn": "UKPRN",
    "trn": "Group ID",
    "companies_house_number": "Companies House Number",
    "name": "EstablishmentName",
    "fsm_percent": "PercentageFSM",
}
