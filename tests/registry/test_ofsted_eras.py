"""Ofsted of all three eras, and ungraded inspections, through one importer."""

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
from services.registry.ofsted.importer import import_ofsted
from shared.settings import PROJECT_ROOT
from tests.registry import gias_files as g
from tests.registry.test_gias_import import Registry, _apply, first_snapshot, registry

__all__ = ["registry"]

HEADER = [
    "URN",
    "Inspection type",
    "Inspection start date",
    "Publication date",
    "Overall effectiveness",
    "Category of concern",
    "Safeguarding is effective?",
    "Quality of education",
    "Behaviour and attitudes",
    "Personal development",
    "Effectiveness of leadership and management",
    "Early years provision (where applicable)",
    "Sixth form provision (where applicable)",
    "Ungraded inspection overall outcome",
    "Curriculum and teaching",
    "Attendance and behaviour",
    "Personal development and well-being",
    "Leadership and governance",
    "Inclusion",
    "Achievement",
    "Early years",
    "Post-16",
]

CARD_EXPECTED = {
    "Curriculum and teaching": "Expected standard",
    "Attendance and behaviour": "Expected standard",
    "Personal development and well-being": "Strong standard",
    "Inclusion": "Expected standard",
}


def one_school_in_three_eras() -> list[dict[str, str]]:
    """School 100001: a single grade, 2024/25 key judgements, a monitoring visit, a report card."""
    return [
        {
            "URN": "100001",
            "Inspection type": "Section 5",
            "Inspection start date": "12/03/2019",
            "Overall effectiveness": "3",
            "Safeguarding is effective?": "Yes",
            "Quality of education": "3",
            "Behaviour and attitudes": "2",
            "Personal development": "2",
            "Effectiveness of leadership and management": "3",
        },
        {
            "URN": "100001",
            "Inspection type": "Graded inspection",
            "Inspection start date": "15/01/2025",
            "Publication date": "20/02/2025",
            "Safeguarding is effective?": "Yes",
            "Quality of education": "Requires improvement",
            "Behaviour and attitudes": "2",
            "Personal development": "2",
            "Effectiveness of leadership and management": "3",
            "Early years provision (where applicable)": "9",
        },
        {
            "URN": "100001",
            "Inspection type": "Monitoring",
            "Inspection start date": "10/06/2025",
            "Ungraded inspection overall outcome": "Taking effective action",
        },
        {
            "URN": "100001",
            "Inspection type": "Report card",
            "Inspection start date": "14/01/2026",
            "Safeguarding is effective?": "Met",
            **CARD_EXPECTED,
            "Leadership and governance": "Urgent improvement",
            "Achievement": "Urgent improvement",
            "Early years": "Not applicable",
        },
    ]


async def test_one_schools_history_across_all_three_eras(
    registry: Registry, tmp_path: Path
) -> None:
    await _apply(registry, first_snapshot(tmp_path))
    path = g.write(tmp_path / "ofsted_mi.csv", HEADER, one_school_in_three_eras())
    report = await import_ofsted(registry.store, path, actor="tester")
    assert report.rejected == []
    assert report.events_written == 4
    assert report.category_rule_version == 2
    events = [
        e.decode(registry.store.registry)
        for e in await registry.store.read_stream("school-100001")
        if e.type == "registry.OfstedInspectionRecorded"
    ]
    got = [e.model_dump(mode="json", exclude_defaults=True) for e in events]
    assert got == [
        {
            "urn": 100001,
            "framework": "single_grade",
            "inspection_start": "2019-03-12",
            "inspection_type": "Section 5",
            "overall_effectiveness": "requires_improvement",
            "key_judgements": {
                "quality_of_education": "requires_improvement",
                "behaviour_and_attitudes": "good",
                "personal_development": "good",
                "leadership_and_management": "requires_improvement",
            },
            "safeguarding_effective": True,
            "category_rule_version": 2,
        },
        {
            "urn": 100001,
            "framework": "key_judgements",
            "inspection_start": "2025-01-15",
            "publication_date": "2025-02-20",
            "inspection_type": "Graded inspection",
            "key_judgements": {
                "quality_of_education": "requires_improvement",
                "behaviour_and_attitudes": "good",
                "personal_development": "good",
                "leadership_and_management": "requires_improvement",
            },
            "safeguarding_effective": True,
            "category_rule_version": 2,
        },
        {
            "urn": 100001,
            "framework": "ungraded",
            "inspection_start": "2025-06-10",
            "inspection_type": "Monitoring",
            "ungraded_outcome": "Taking effective action",
            "category_rule_version": 2,
        },
        {
            "urn": 100001,
            "framework": "report_card",
            "inspection_start": "2026-01-14",
            "inspection_type": "Report card",
            "report_card": {
                "curriculum_and_teaching": "expected_standard",
                "attendance_and_behaviour": "expected_standard",
                "personal_development_and_well_being": "strong_standard",
                "leadership_and_governance": "urgent_improvement",
                "inclusion": "expected_standard",
                "achievement": "urgent_improvement",
            },
            "safeguarding_effective": True,
            "category_of_concern": "special_measures",
            "category_basis": "derived",
            "category_rule_version": 2,
        },
    ]
    again = await import_ofsted(registry.store, path, actor="tester")
    assert again.events_written == 0


def bad_rows() -> list[dict[str, str]]:
    return [
        # line 2: good, applies
        {"URN": "100001", "Inspection start date": "12/03/2019", "Overall effectiveness": "2"},
        # line 3: unknown grade word in a key judgement
        {
            "URN": "100001",
            "Inspection start date": "15/01/2025",
            "Quality of education": "Excellent",
        },
        # line 4: a category contradicting a good report card
        {
            "URN": "100002",
            "Inspection start date": "14/01/2026",
            "Category of concern": "Special measures",
            "Safeguarding is effective?": "Met",
            **CARD_EXPECTED,
            "Leadership and governance": "Expected standard",
        },
        # line 5: key judgements with no overall grade, dated in the single-grade era
        {"URN": "100002", "Inspection start date": "01/02/2023", "Quality of education": "2"},
        # line 6: a single grade after single grades ended
        {"URN": "100002", "Inspection start date": "01/10/2024", "Overall effectiveness": "2"},
        # line 7: an unknown URN
        {"URN": "555555", "Inspection start date": "01/10/2024", "Quality of education": "2"},
        # line 8: a category word Ofsted does not use
        {
            "URN": "100003",
            "Inspection start date": "01/02/2015",
            "Overall effectiveness": "4",
            "Category of concern": "Notice to improve",
        },
        # line 9: good, applies: serious weaknesses read as requires significant improvement
        {
            "URN": "100003",
            "Inspection start date": "01/02/2014",
            "Overall effectiveness": "4",
            "Category of concern": "Serious weaknesses",
        },
    ]


async def test_bad_rows_are_rejected_where_they_are_while_good_rows_apply(
    registry: Registry, tmp_path: Path
) -> None:
    await _apply(registry, first_snapshot(tmp_path))
    path = g.write(tmp_path / "ofsted_mi.csv", HEADER, bad_rows())
    report = await import_ofsted(registry.store, path, actor="tester")
    rejected = [(p.file, p.line, p.column, p.value, p.reason) for p in report.rejected]
    assert rejected == [
        (
            "ofsted_mi.csv",
            3,
            "Quality of education",
            "Excellent",
            "is not a key judgement grade (1-4)",
        ),
        (
            "ofsted_mi.csv",
            4,
            "Category of concern",
            "Special measures",
            "contradicts the grades: no report card inspection with these grades is in a"
            " category of concern (ofsted_categories v2)",
        ),
        (
            "ofsted_mi.csv",
            5,
            "Inspection start date",
            "2023-02-01",
            "is before 2024-09-01, when key_judgements inspections began (ofsted_categories v2)",
        ),
        (
            "ofsted_mi.csv",
            6,
            "Inspection start date",
            "2024-10-01",
            "is on or after 2024-09-01, when single_grade inspections ended (ofsted_categories v2)",
        ),
        ("ofsted_mi.csv", 7, "URN", "555555", "is not a school on the register"),
        (
            "ofsted_mi.csv",
            8,
            "Category of concern",
            "Notice to improve",
            "is not a category of concern (known: requires significant improvement, serious"
            " weaknesses, significant improvement, special measures) (ofsted_categories v2)",
        ),
    ]
    assert report.events_written == 2
    old = (await registry.store.read_stream("school-100003"))[-1].data
    assert old["category_of_concern"] == "requires_significant_improvement"
    assert old["category_as_published"] == "Serious weaknesses"
    assert old["category_basis"] == "given"


async def test_a_corrected_rule_version_reads_new_imports_only(
    registry: Registry, tmp_path: Path
) -> None:
    # ofsted_categories v2 (in force from 2026-12-06) corrects how 2024/25 grades place a
    # school: with quality of education inadequate, which category turns on leaders'
    # capacity, so the file must say; v1 derived requires significant improvement.
    await _apply(registry, first_snapshot(tmp_path))
    row = {
        "URN": "100002",
        "Inspection type": "Graded inspection",
        "Inspection start date": "15/01/2025",
        "Safeguarding is effective?": "Yes",
        "Quality of education": "4",
        "Behaviour and attitudes": "3",
        "Personal development": "3",
        "Effectiveness of leadership and management": "3",
    }
    path = g.write(tmp_path / "ofsted_mi.csv", HEADER, [row])
    now = await import_ofsted(registry.store, path, actor="tester", on=date(2026, 12, 6))
    assert [(p.line, p.column, p.value, p.reason) for p in now.rejected] == [
        (
            2,
            "Category of concern",
            None,
            "is needed: these grades place the school in a category of concern, and which"
            " one turns on a judgement the grades do not record (ofsted_categories v2)",
        )
    ]
    before = await import_ofsted(registry.store, path, actor="tester", on=date(2026, 1, 5))
    assert (before.rejected, before.category_rule_version) == ([], 1)
    event = (await registry.store.read_stream("school-100002"))[-1].data
    assert (event["category_of_concern"], event["category_basis"]) == (
        "requires_significant_improvement",
        "derived",
    )
    assert event["category_rule_version"] == 1


async def test_a_file_of_no_recognisable_shape_applies_nothing(
    registry: Registry, tmp_path: Path
) -> None:
    await _apply(registry, first_snapshot(tmp_path))
    before = await registry.store.read_stream("school-100001")
    path = g.write(
        tmp_path / "ofsted_mi.csv",
        ["URN", "Inspection start date", "Grade"],
        [{"URN": "100001", "Inspection start date": "12/03/2019", "Grade": "2"}],
    )
    with pytest.raises(UnusableInput, match="no recognisable Ofsted shape"):
        await import_ofsted(registry.store, path, actor="tester")
    assert await registry.store.read_stream("school-100001") == before


async def test_the_cli_applies_every_era_and_exits_2_on_a_file_of_no_shape(
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
    path = g.write(tmp_path / "ofsted_mi.csv", HEADER, one_school_in_three_eras())
    # Run before the registry ever started: the import seeds the shipped policies itself.
    ok = await asyncio.to_thread(cli, "import", "ofsted", str(path), "--json")
    assert ok.returncode == 0, ok.stderr
    report = json.loads(ok.stdout)
    assert (report["events_written"], report["category_rule_version"]) == (4, 2)
    shapeless = g.write(
        tmp_path / "other.csv",
        ["URN", "Inspection start date", "Grade"],
        [{"URN": "100001", "Inspection start date": "12/03/2019", "Grade": "2"}],
    )
    bad = await asyncio.to_thread(cli, "import", "ofsted", str(shapeless))
    assert bad.returncode == 2
    assert "no recognisable Ofsted shape" in bad.stderr and "nothing was applied" in bad.stderr
