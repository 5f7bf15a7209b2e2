"""One sample trust inspected by Ofsted: a trust-inspection file for ``make run``.

Ofsted has published no trust inspections yet, so this file is wholly synthetic: for the
open multi-academy trust in the sample with the most schools, two inspections in the
columns of the registry's ``trust_inspection_format`` policy (version 1), dated before the
snapshot so that they show as evidence today. The outcome words are the format's; which a
trust gets is made up.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from services.registry.sample import gias_format as g
from services.registry.sample.writer import write_csv

# The columns of trust_inspection_format v1, the optional ones included.
COLUMNS: tuple[str, ...] = (
    "Trust UID",
    "Trust name",
    "Inspection number",
    "Inspection type",
    "Inspection start date",
    "Publication date",
    "Report URL",
    "Leadership and governance",
    "Quality of education across the trust",
    "School improvement",
    "Finance and operations",
    "Safeguarding",
)
INSPECTION_TYPE = "Trust inspection (synthetic sample)"
DATE_FORMAT = "%d/%m/%Y"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding=g.ENCODING, newline="") as f:
        return list(csv.DictReader(f))


def _dmy(day: date) -> str:
    return day.strftime(DATE_FORMAT)


def write_trust_inspections(groups: Path, links: Path, out: Path, snapshot: date) -> int | None:
    """Write ``out`` for the open multi-academy trust with the most schools; its UID, or None."""
    schools = Counter(r["Group UID"] for r in _rows(links))
    trusts = [
        r
        for r in _rows(groups)
        if r["Group Type"] == "Multi-academy trust" and r["Group Status"] == "Open"
    ]
    if not trusts:
        return None
    trust = min(trusts, key=lambda r: (-schools[r["Group UID"]], int(r["Group UID"])))
    uid = trust["Group UID"]
    earlier, later = snapshot - timedelta(days=240), snapshot - timedelta(days=45)
    common = {
        "Trust UID": uid,
        "Trust name": trust["Group Name"],
        "Inspection type": INSPECTION_TYPE,
    }
    rows = [
        {
            **common,
            "Inspection number": f"TI{uid}-1",
            "Inspection start date": _dmy(earlier),
            "Publication date": _dmy(earlier + timedelta(days=35)),
            "Leadership and governance": "Needs attention",
            "Quality of education across the trust": "Expected standard",
            "School improvement": "Needs attention",
            "Finance and operations": "Not judged",
            "Safeguarding": "Met",
        },
        {
            **common,
            "Inspection number": f"TI{uid}-2",
            "Inspection start date": _dmy(later),
            "Publication date": _dmy(later + timedelta(days=35)),
            "Report URL": f"https://example.invalid/sample/trust-inspections/{uid}",
            "Leadership and governance": "Expected standard",
            "Quality of education across the trust": "Expected standard",
            "School improvement": "Strong standard",
            "Finance and operations": "Expected standard",
            "Safeguarding": "Met",
        },
    ]
    write_csv(out, COLUMNS, rows, None)
    return int(uid)


def trust_inspections_path(groups: Path) -> Path:
    """Where the trust-inspection file goes: beside the groups file, for the same snapshot."""
    return groups.with_name(groups.name.replace("allgroupsdata", "trust_inspections_"))
