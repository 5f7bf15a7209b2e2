"""Reading a trust-inspection row by the ``trust_inspection_format`` policy: pure, no database."""

from __future__ import annotations

import json
from datetime import date

import pytest

from services.registry.gias.csvfile import Row, RowProblem
from services.registry.policy_book import SEEDS
from services.registry.trust_inspections.format import (
    FORMAT_POLICY,
    TrustInspectionFormat,
    check,
)
from services.registry.trust_inspections.rows import Header, parse_row

FILE = "trust_inspections.csv"
KNOWN = (
    "known: Exceptional, Strong standard, Expected standard, Needs attention, Urgent improvement;"
    " trust_inspection_format v1"
)


def v1() -> TrustInspectionFormat:
    text = SEEDS.joinpath(FORMAT_POLICY, "v1.json").read_text("utf-8")
    return TrustInspectionFormat.model_validate(json.loads(text)["document"])


HEADINGS = [
    "Trust UID",
    "Trust name",
    "Inspection number",
    "Inspection start date",
    "Publication date",
    "Inspection type",
    "Report URL",
    "Leadership and governance",
    "Quality of education across the trust",
    "School improvement",
    "Finance and operations",
    "Safeguarding",
]


def header(headings: list[str] = HEADINGS) -> Header:
    return Header.read(headings, v1(), 1)


def row(line: int = 2, **given: str) -> Row:
    fields = {
        "Trust UID": "5001",
        "Trust name": "Bright Futures Learning Trust",
        "Inspection number": "TI-0001",
        "Inspection start date": "02/03/2027",
        "Publication date": "20/04/2027",
        "Inspection type": "Trust inspection",
        "Report URL": "https://reports.ofsted.gov.uk/trust/5001",
        "Leadership and governance": "Strong standard",
        "Quality of education across the trust": "expected standard",
        "School improvement": "Not judged",
        "Finance and operations": "",
        "Safeguarding": "Met",
    }
    fields.update({k.replace("_", " "): v for k, v in given.items()})
    return Row(FILE, line, fields)


def problem(r: Row, h: Header | None = None) -> tuple[int, str | None, str | None, str]:
    with pytest.raises(RowProblem) as caught:
        parse_row(r, h or header())
    p = caught.value
    assert p.file == FILE
    return p.line, p.column, p.value, p.reason


def test_the_shipped_format_passes_its_checks() -> None:
    assert check(v1()) == []
    assert v1().required_columns() == [
        "Trust UID",
        "Inspection number",
        "Inspection start date",
        "Leadership and governance",
    ]


def test_a_good_row_keeps_each_outcome_in_the_format_s_words() -> None:
    event = parse_row(row(), header())
    assert event.model_dump(mode="json") == {
        "uid": 5001,
        "inspection_id": "TI-0001",
        "inspection_start": "2027-03-02",
        "publication_date": "2027-04-20",
        "inspection_type": "Trust inspection",
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
            {"area": "safeguarding", "heading": "Safeguarding", "outcome": "Met"},
        ],
        "report_url": "https://reports.ofsted.gov.uk/trust/5001",
        "source_file": FILE,
        "format_version": 1,
    }


def test_headings_are_matched_without_case_or_punctuation_and_optional_ones_may_be_absent() -> None:
    h = header(
        ["TRUST-UID", "inspection number", "Inspection Start Date", "leadership & governance"]
    )
    # "&" is punctuation, "and" is not: that heading is not the format's.
    assert h.shape_problem() == (
        "is missing required columns: Leadership and governance (trust_inspection_format v1)"
    )
    h = header(
        ["TRUST-UID", "inspection number", "Inspection Start Date", "LEADERSHIP AND GOVERNANCE"]
    )
    assert h.shape_problem() is None
    event = parse_row(
        Row(
            FILE,
            2,
            {
                "TRUST-UID": "5001",
                "inspection number": "TI-9",
                "Inspection Start Date": "02-03-2027",
                "LEADERSHIP AND GOVERNANCE": "Urgent improvement",
            },
        ),
        h,
    )
    assert (event.inspection_start, event.publication_date, event.outcomes[0].outcome) == (
        date(2027, 3, 2),
        None,
        "Urgent improvement",
    )


def test_a_header_without_the_required_columns_is_no_shape_at_all() -> None:
    h = header(["URN", "Inspection start date", "Overall effectiveness"])
    assert h.shape_problem() == (
        "is missing required columns: Trust UID, Inspection number, Leadership and governance"
        " (trust_inspection_format v1)"
    )


def test_each_kind_of_bad_value_is_reported_where_it_is_and_why() -> None:
    assert problem(row(3, Trust_UID="abc")) == (3, "Trust UID", "abc", "is not a whole number")
    assert problem(row(4, Trust_UID="")) == (4, "Trust UID", None, "is empty")
    assert problem(row(5, Inspection_number="")) == (5, "Inspection number", None, "is empty")
    assert problem(row(6, Inspection_start_date="2027-03-02")) == (
        6,
        "Inspection start date",
        "2027-03-02",
        "is not a date (dd/mm/yyyy)",
    )
    assert problem(row(7, Inspection_start_date="31/02/2027")) == (
        7,
        "Inspection start date",
        "31/02/2027",
        "is not a real date",
    )
    assert problem(row(8, Leadership_and_governance="Good")) == (
        8,
        "Leadership and governance",
        "Good",
        f"is not an outcome of Leadership and governance ({KNOWN})",
    )
    assert problem(row(9, Leadership_and_governance="")) == (
        9,
        "Leadership and governance",
        None,
        "is empty",
    )
    assert problem(row(10, Leadership_and_governance="Not judged")) == (
        10,
        "Leadership and governance",
        "Not judged",
        "must be judged: the area is required",
    )
    assert problem(row(11, Safeguarding="Effective")) == (
        11,
        "Safeguarding",
        "Effective",
        "is not an outcome of Safeguarding (known: Met, Not met; trust_inspection_format v1)",
    )
    assert problem(row(12, Publication_date="01/03/2027")) == (
        12,
        "Publication date",
        "01/03/2027",
        "is before the inspection start date",
    )
    assert problem(row(13, Trust_UID="0")) == (13, "Trust UID", "0", "is outside 1..2147483647")
    assert problem(row(14, Report_URL="javascript:alert(1)")) == (
        14,
        "Report URL",
        "javascript:alert(1)",
        "is not a web address (https://...)",
    )
    long_type = "Trust inspection " * 20
    assert problem(row(15, Inspection_type=long_type)) == (
        15,
        "Inspection type",
        long_type[:50],
        "is longer than 200 characters",
    )


def test_a_format_missing_an_essential_field_or_a_required_area_is_refused() -> None:
    doc = v1().model_dump()
    doc["fields"] = [f for f in doc["fields"] if f["field"] != "inspection_id"]
    doc["fields"][0]["required"] = False
    doc["areas"] = [{**a, "required": False} for a in doc["areas"]]
    doc["areas"].append(dict(doc["areas"][0]))
    doc["not_judged"] = ["Met"]
    assert check(TrustInspectionFormat.model_validate(doc)) == [
        "field trust_uid must be a required column",
        "field inspection_id has no column",
        "column Leadership and governance is named more than once",
        "area safeguarding: met is also a not-judged word",
        "area leadership_and_governance is given more than once",
        "no area is required: a row could record an inspection with no outcome",
    ]
