"""Ofsted feed: both formats, bad rows reported, the same file twice writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.registry.gias.csvfile import UnusableInput
from services.registry.ofsted.importer import import_ofsted
from tests.registry import gias_files as g
from tests.registry.test_gias_import import Registry, _apply, first_snapshot, registry

__all__ = ["registry"]

HEADER = [
    "URN",
    "School name",
    "Inspection start date",
    "Publication date",
    "Overall effectiveness",
    "Category of concern",
    "Safeguarding is effective?",
    "Curriculum and teaching",
    "Attendance and behaviour",
    "Personal development and well-being",
    "Leadership and governance",
    "Inclusion",
    "Achievement",
    "Early years",
    "Post-16",
]


def rows() -> list[dict[str, str]]:
    return [
        {
            "URN": "100001",
            "Inspection start date": "12/03/2024",
            "Publication date": "20/04/2024",
            "Overall effectiveness": "2",
            "Safeguarding is effective?": "Yes",
        },
        {
            "URN": "100002",
            "Inspection start date": "14/01/2026",
            "Publication date": "20/02/2026",
            "Curriculum and teaching": "Strong standard",
            "Attendance and behaviour": "Expected standard",
            "Personal development and well-being": "Exceptional",
            "Leadership and governance": "Needs attention",
            "Inclusion": "Expected standard",
            "Achievement": "Urgent improvement",
            "Early years": "Not applicable",
            "Safeguarding is effective?": "Met",
        },
        {
            "URN": "100003",
            "Inspection start date": "01/02/2015",
            "Overall effectiveness": "4",
            "Category of concern": "Special measures",
            "Safeguarding is effective?": "No",
        },
        {
            "URN": "100002",
            "Inspection start date": "14/01/2026",
            "Curriculum and teaching": "Brilliant",
        },
        {"URN": "555555", "Inspection start date": "14/01/2019", "Overall effectiveness": "1"},
        {"URN": "100004", "Inspection start date": "", "Overall effectiveness": "1"},
    ]


async def test_both_formats_are_recorded_and_bad_rows_reported(
    registry: Registry, tmp_path: Path
) -> None:
    await _apply(registry, first_snapshot(tmp_path))
    path = g.write(tmp_path / "ofsted_mi.csv", HEADER, rows())
    report = await import_ofsted(registry.store, path, actor="tester")
    assert report.events_written == 3
    reasons = {(p.line, p.column): p.reason for p in report.rejected}
    assert reasons[(5, "Curriculum and teaching")] == "is not a report-card grade"
    assert reasons[(6, "URN")] == "is not a school on the register"
    assert reasons[(7, "Inspection start date")] == "is empty"
    single = (await registry.store.read_stream("school-100001"))[-1]
    assert single.data["overall_effectiveness"] == "good"
    assert single.data["framework"] == "single_grade"
    card = (await registry.store.read_stream("school-100002"))[-1]
    assert card.data["framework"] == "report_card"
    assert card.data["report_card"]["achievement"] == "urgent_improvement"
    assert "early_years" not in card.data["report_card"]
    assert card.data["safeguarding_effective"] is True
    concern = (await registry.store.read_stream("school-100003"))[-1]
    assert concern.data["category_of_concern"] == "special_measures"
    again = await import_ofsted(registry.store, path, actor="tester")
    assert again.events_written == 0


async def test_a_file_with_no_grade_columns_is_unusable(registry: Registry, tmp_path: Path) -> None:
    path = g.write(
        tmp_path / "ofsted_mi.csv", ["URN", "Inspection start date"], [{"URN": "100001"}]
    )
    with pytest.raises(UnusableInput, match="no recognisable Ofsted shape"):
        await import_ofsted(registry.store, path, actor="tester")
