"""Hand-made GIAS files for tests, written the way DfE writes them."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

ESTABLISHMENT_HEADER = [
    "URN",
    "LA (code)",
    "LA (name)",
    "EstablishmentNumber",
    "EstablishmentName",
    "TypeOfEstablishment (code)",
    "TypeOfEstablishment (name)",
    "EstablishmentStatus (code)",
    "EstablishmentStatus (name)",
    "OpenDate",
    "ReasonEstablishmentClosed (name)",
    "CloseDate",
    "PhaseOfEducation (name)",
    "NumberOfPupils",
    "PercentageFSM",
    "Easting",
    "Northing",
    "GOR (code)",
    "GOR (name)",
    "SomethingNewIn2027",
]
GROUP_HEADER = [
    "Group UID",
    "Group ID",
    "Group Name",
    "Companies House Number",
    "Group Type (code)",
    "Group Type",
    "Closed Date",
    "Open date",
    "Incorporated on (open date)",
    "Group Status (code)",
    "Group Status",
    "UKPRN",
]
LINK_HEADER = ["URN", "Group UID", "Group ID", "Group Name", "Joined date", "LA (code)"]
PREDECESSOR_HEADER = ["URN", "LinkURN", "LinkName", "LinkType", "LinkEstablishedDate"]


def school(
    urn: str,
    name: str,
    *,
    type_code: str = "34",
    status: str = "Open",
    opened: str = "01-09-2015",
    closed: str = "",
    la: str = "383",
    pupils: str = "420",
    **extra: str,
) -> dict[str, str]:
    """An establishments row."""
    row = {
        "URN": urn,
        "LA (code)": la,
        "LA (name)": "Leeds",
        "EstablishmentNumber": "2001",
        "EstablishmentName": name,
        "TypeOfEstablishment (code)": type_code,
        "TypeOfEstablishment (name)": "Academy converter",
        "EstablishmentStatus (code)": "1",
        "EstablishmentStatus (name)": status,
        "OpenDate": opened,
        "ReasonEstablishmentClosed (name)": "",
        "CloseDate": closed,
        "PhaseOfEducation (name)": "Primary",
        "NumberOfPupils": pupils,
        "PercentageFSM": "21.5",
        "Easting": "430000",
        "Northing": "433000",
        "GOR (code)": "D",
        "GOR (name)": "Yorkshire and the Humber",
        "SomethingNewIn2027": "ignored",
    }
    row.update(extra)
    return row


def trust(
    uid: str, name: str, *, type_code: str = "06", status: str = "Open", closed: str = ""
) -> dict[str, str]:
    """A groups row."""
    type_name = {"06": "Multi-academy trust", "10": "Single-academy trust", "01": "Federation"}[
        type_code
    ]
    return {
        "Group UID": uid,
        "Group ID": f"TR{int(uid) % 100000:05d}",
        "Group Name": name,
        "Companies House Number": f"{int(uid):08d}",
        "Group Type (code)": type_code,
        "Group Type": type_name,
        "Closed Date": closed,
        "Open date": "",
        "Incorporated on (open date)": "01/04/2012",
        "Group Status (code)": "OPEN",
        "Group Status": status,
        "UKPRN": "",
    }


def link(urn: str, uid: str, joined: str) -> dict[str, str]:
    """A links row."""
    return {
        "URN": urn,
        "Group UID": uid,
        "Group ID": "",
        "Group Name": "",
        "Joined date": joined,
        "LA (code)": "383",
    }


def write(
    path: Path, header: Sequence[str], rows: Sequence[Mapping[str, str]], *, bom: bool = False
) -> Path:
    """A CSV as GIAS writes it: every field quoted, CRLF, Windows-1252 (or UTF-8 with a BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    text = out.getvalue()
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8") if bom else text.encode("cp1252"))
    return path
