"""Ofsted's trust inspections through the registry's importer and its CLI."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

import pytest

from services.registry.gias.csvfile import UnusableInput
from services.registry.trust_inspections.importer import import_trust_inspections
from shared.settings import PROJECT_ROOT
from tests.registry import gias_files as g
from tests.registry.test_gias_import import Registry, _apply, first_snapshot, registry

__all__ = ["registry"]

HEADER = [
    "Trust UID",
    "Trust name",
    "Inspection number",
    "Inspection start date",
    "Publication date",
    "Leadership and governance",
    "Quality of education across the trust",
    "Finance and operations",
]


def good(uid: str, number: str, start: str, leadership: str = "Strong standard") -> dict[str, str]:
    return {
        "Trust UID": uid,
        "Inspection number": number,
        "Inspection start date": start,
        "Leadership and governance": leadership,
        "Quality of education across the trust": "Expected standard",
    }


def rows() -> list[dict[str, str]]:
    return [
        good("5001", "TI-1", "02/03/2027"),  # line 2: applies
        {**good("5002", "TI-2", "01/02/2027"), "Finance and operations": "Good"},  # line 3
        good("9999", "TI-3", "01/02/2027"),  # line 4: no such trust
        good("5002", "TI-4", "31/02/2027"),  # line 5: no such day
        {**good("5002", "", "01/02/2027")},  # line 6: no inspection number
        good("5002", "TI-5", "10/01/2027", leadership="Needs attention"),  # line 7: applies
        good("5001", "TI-1", "02/03/2027"),  # line 8: the same inspection again, in one file
        good("5001", "TI-9", "01/04/2027"),  # line 9: starts after the day of the import
    ]


# The day the file is imported: every inspection in it has begun by then but line 9's.
ON = date(2027, 3, 31)


async def _trust_events(registry: Registry, uid: int) -> list[dict[str, object]]:
    return [
        e.data
        for e in await registry.store.read_stream(f"trust-{uid}")
        if e.type == "registry.TrustInspectionRecorded"
    ]


async def test_good_rows_apply_bad_ones_are_reported_and_a_second_import_adds_nothing(
    registry: Registry, tmp_path: Path
) -> None:
    await _apply(registry, first_snapshot(tmp_path))
    path = g.write(tmp_path / "trust_inspections.csv", HEADER, rows())

    report = await import_trust_inspections(registry.store, path, actor="tester", on=ON)

    rejected = [(p.file, p.line, p.column, p.value, p.reason) for p in report.rejected]
    assert rejected == [
        (
            "trust_inspections.csv",
            3,
            "Finance and operations",
            "Good",
            "is not an outcome of Finance and operations (known: Exceptional, Strong standard,"
            " Expected standard, Needs attention, Urgent improvement; trust_inspection_format v1)",
        ),
        ("trust_inspections.csv", 4, "Trust UID", "9999", "is not a trust on the register"),
        ("trust_inspections.csv", 5, "Inspection start date", "31/02/2027", "is not a real date"),
        ("trust_inspections.csv", 6, "Inspection number", None, "is empty"),
        (
            "trust_inspections.csv",
            9,
            "Inspection start date",
            "01/04/2027",
            "is after today (2027-03-31)",
        ),
    ]
    assert (report.rows_read, report.events_written, report.format_version) == (8, 2, 1)
    assert await _trust_events(registry, 5001) == [
        {
            "uid": 5001,
            "inspection_id": "TI-1",
            "inspection_start": "2027-03-02",
            "publication_date": None,
            "inspection_type": None,
            "outcomes": [
                {
                    "area": "leadership_and_governance",
                    "heading": "Leadership and governance",
                    "outcome": "Strong standard",
                },
                {
                    "area": "quality_of_education",
                    "heading": "Quality of education across the trust",
                    "outcome": "Expected standard",
                },
            ],
            "report_url": None,
            "source_file": "trust_inspections.csv",
            "format_version": 1,
        }
    ]
    assert [e["inspection_id"] for e in await _trust_events(registry, 5002)] == ["TI-5"]
    (completed,) = await registry.store.read_stream(f"ofsted_import-{report.import_id}")
    assert completed.data["events_written"] == 2
    assert len(completed.data["rejected"]) == 5

    again = await import_trust_inspections(registry.store, path, actor="tester", on=ON)
    assert (again.events_written, len(again.rejected)) == (0, 5)
    assert len(await _trust_events(registry, 5001)) == 1


async def test_a_file_without_the_format_s_required_columns_applies_nothing(
    registry: Registry, tmp_path: Path
) -> None:
    await _apply(registry, first_snapshot(tmp_path))
    before = await registry.store.read_stream("trust-5001")
    path = g.write(
        tmp_path / "trust_inspections.csv",
        ["Trust UID", "Inspection start date", "Overall"],
        [{"Trust UID": "5001", "Inspection start date": "02/03/2027", "Overall": "Good"}],
    )
    with pytest.raises(
        UnusableInput,
        match=(
            "is missing required columns: Inspection number, Leadership and governance"
            r" \(trust_inspection_format v1\)"
        ),
    ):
        await import_trust_inspections(registry.store, path, actor="tester")
    assert await registry.store.read_stream("trust-5001") == before


async def test_the_cli_imports_trust_inspections_and_exits_2_on_a_file_of_no_shape(
    fresh_database: Callable[..., Awaitable[str]], tmp_path: Path
) -> None:
    url = await fresh_database()
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": url}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "shared.cli", *args],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    files = first_snapshot(tmp_path)
    gias = await asyncio.to_thread(
        cli,
        "import",
        "gias",
        "--establishments",
        str(files.establishments),
        "--groups",
        str(files.groups),
        "--links",
        str(files.links),
    )
    assert gias.returncode == 0, gias.stderr
    # The CLI imports on today's date: the same rows a year earlier, and one far ahead.
    earlier = [
        {**r, "Inspection start date": r["Inspection start date"].replace("2027", "2026")}
        for r in rows()[:-1]
    ]
    later = good("5001", "TI-9", "01/04/2099")
    path = g.write(tmp_path / "trust_inspections.csv", HEADER, [*earlier, later])
    # Run before the registry ever started: the import seeds the shipped policies itself.
    ok = await asyncio.to_thread(cli, "import", "trust-inspections", str(path), "--json")
    assert ok.returncode == 0, ok.stderr
    report = json.loads(ok.stdout)
    assert (report["events_written"], report["format_version"], len(report["rejected"])) == (
        2,
        1,
        5,
    )
    shapeless = g.write(tmp_path / "other.csv", ["URN", "Grade"], [{"URN": "1", "Grade": "2"}])
    bad = await asyncio.to_thread(cli, "import", "trust-inspections", str(shapeless))
    assert bad.returncode == 2
    assert "other.csv: is missing required columns" in bad.stderr
    assert "nothing was applied" in bad.stderr
