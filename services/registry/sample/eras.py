"""One sample school inspected in every era of Ofsted's: a third MI file for ``make run``.

The sample's two files give each school at most its latest report card and its latest graded
inspection before 10 November 2025, so no school has all four kinds of inspection. This
file adds, for the first school (by URN) with a report card and a single-grade inspection
before September 2024, a key-judgements-only inspection (2024/25) and an ungraded
inspection between them, in rows of their own era's shape in one file, as Ofsted's
spreadsheets mix them. The ungraded outcome's words are this project's, not Ofsted's.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from services.registry.sample import ofsted_format as of
from services.registry.sample.writer import write_csv

UNGRADED_OUTCOME_COLUMN = "Ungraded inspection overall outcome"
UNGRADED_OUTCOME = "Standards maintained"
KEY_JUDGEMENTS_ON = date(2024, 10, 8)
UNGRADED_ON = date(2025, 6, 10)
COLUMNS: tuple[str, ...] = (*of.LEGACY_COLUMNS, UNGRADED_OUTCOME_COLUMN)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding=of.ENCODING, newline="") as f:
        return list(csv.DictReader(f))


def _day(text: str) -> date:
    day, month, year = (int(p) for p in text.split("/"))
    return date(year, month, day)


def _dmy(day: date) -> str:
    return day.strftime(of.DATE_FORMAT)


def write_every_era(report_cards: Path, legacy: Path, out: Path) -> int | None:
    """Write ``out`` for the first school that fits; its URN, or None (none fits)."""
    carded = {r["URN"] for r in _rows(report_cards)}
    graded = _rows(legacy)
    numbers = [int(r["Inspection number"]) for r in graded if r["Inspection number"].isdigit()]
    number = max(numbers, default=10_000_000) + 1_000_000
    for row in sorted(graded, key=lambda r: int(r["URN"])):
        if (
            row["URN"] in carded
            and row[of.OVERALL_EFFECTIVENESS_COLUMN]
            and _day(row["Inspection start date"]) < date(2024, 6, 1)
        ):
            break
    else:
        return None
    common = {c: row[c] for c in of.COMMON_COLUMNS}
    key_judgements = {
        **common,
        "Inspection number": str(number),
        "Inspection type": "Graded inspection",
        "Inspection start date": _dmy(KEY_JUDGEMENTS_ON),
        "Inspection end date": _dmy(KEY_JUDGEMENTS_ON + timedelta(days=1)),
        "Publication date": _dmy(KEY_JUDGEMENTS_ON + timedelta(days=30)),
        of.SAFEGUARDING_EFFECTIVE_COLUMN: "Yes",
        **{k: row[k] for k in (*of.LEGACY_KEY_JUDGEMENTS, *of.LEGACY_OPTIONAL_JUDGEMENTS)},
    }
    ungraded = {
        **common,
        "Inspection number": str(number + 1),
        "Inspection type": "Ungraded inspection",
        "Inspection start date": _dmy(UNGRADED_ON),
        "Inspection end date": _dmy(UNGRADED_ON + timedelta(days=1)),
        "Publication date": _dmy(UNGRADED_ON + timedelta(days=30)),
        UNGRADED_OUTCOME_COLUMN: UNGRADED_OUTCOME,
    }
    write_csv(out, COLUMNS, [key_judgements, ungraded], None)
    return int(row["URN"])


def every_era_path(legacy: Path) -> Path:
    """Where the every-era file goes: beside the legacy file, named for the same snapshot."""
    return legacy.with_name(legacy.name.replace("_legacy_", "_eras_"))
