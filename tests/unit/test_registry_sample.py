"""The synthetic GIAS/Ofsted sample: real file formats, consistent links, stable output; and the
registry's reference lists."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from random import Random

import pytest

from services.registry.sample import SampleFiles, write_sample
from services.registry.sample import gias_format as g
from services.registry.sample import ofsted_format as of
from services.registry.sample.generate import build
from services.registry.sample.geography import EASTING_RANGE, NORTHING_RANGE, geography
from services.registry.sample.writer import EstablishmentRows
from shared import reference
from shared.reference import GIAS_FILES, gias_columns

SCHOOLS = 400
SEED = 20261101
SNAPSHOT = date(2026, 11, 1)
Rows = list[dict[str, str]]


@dataclass(frozen=True)
class Sample:
    files: SampleFiles
    progressed: int
    establishments: Rows
    groups: Rows
    group_links: Rows
    establishment_links: Rows
    ofsted: Rows
    ofsted_legacy: Rows


def _read(path: Path) -> Rows:
    with path.open(encoding="cp1252", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    ticks: list[int] = []
    files = write_sample(
        tmp_path_factory.mktemp("sample"), schools=SCHOOLS, seed=SEED, progress=ticks.append
    )
    return Sample(
        files,
        sum(ticks),
        *(_read(p) for p in files.all()),
    )


def _header(path: Path) -> list[str]:
    with path.open(encoding="cp1252", newline="") as f:
        return next(csv.reader(f))


def _by_urn(sample: Sample) -> dict[str, dict[str, str]]:
    return {r["URN"]: r for r in sample.establishments}


def _open(row: dict[str, str]) -> bool:
    return row["EstablishmentStatus (name)"] in ("Open", "Open, but proposed to close")


def _parse(value: str, fmt: str) -> date:
    return datetime.strptime(value, fmt).date()  # noqa: DTZ007 (a calendar date, no zone)


# --- file format -------------------------------------------------------------------------


def test_writes_six_files_named_for_the_snapshot(sample: Sample) -> None:
    names = [p.name for p in sample.files.all()]
    assert names == [
        "edubasealldata20261101.csv",
        "allgroupsdata20261101.csv",
        "alllinksdata20261101.csv",
        "links_edubasealldata20261101.csv",
        "ofsted_mi_20261101.csv",
        "ofsted_mi_legacy_20261101.csv",
    ]
    assert all(p.stat().st_size > 0 for p in sample.files.all())


def test_files_are_windows_1252_not_utf8(sample: Sample) -> None:
    for path in sample.files.all():
        raw = path.read_bytes()
        text = raw.decode("cp1252")  # strict: every byte is valid Windows-1252
        assert any(b >= 0x80 for b in raw), f"{path.name}: no character beyond ASCII"
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert not text.startswith("\ufeff") and not raw.startswith(b"\xef\xbb\xbf")
    text = sample.files.establishments.read_text(encoding="cp1252")
    assert "’" in text


def test_every_field_quoted_and_lines_end_crlf(sample: Sample) -> None:
    for path in sample.files.all():
        raw = path.read_bytes()
        assert raw.count(b"\n") == raw.count(b"\r\n") > 1
        text = raw.decode("cp1252")
        again = io.StringIO(newline="")
        writer = csv.writer(again, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerows(csv.reader(io.StringIO(text, newline="")))
        assert again.getvalue() == text, path.name


def test_gias_headers_are_the_reference_lists_in_order(sample: Sample) -> None:
    for path, stem in zip(sample.files.all()[:4], GIAS_FILES, strict=True):
        assert _header(path) == list(gias_columns(stem)), stem
    assert len(gias_columns("edubasealldata")) == 135


def test_ofsted_headers_are_the_shared_constants(sample: Sample) -> None:
    for path, columns in (
        (sample.files.ofsted, of.REPORT_CARD_COLUMNS),
        (sample.files.ofsted_legacy, of.LEGACY_COLUMNS),
    ):
        assert _header(path) == list(columns)
    for required in ("URN", "Inspection start date", "Publication date", "Inspection type"):
        assert required in of.REPORT_CARD_COLUMNS and required in of.LEGACY_COLUMNS


def test_establishment_rows_fill_every_reference_column() -> None:
    world = build(60, 3, SNAPSHOT)
    rows = EstablishmentRows(Random(1), SNAPSHOT)
    assert set(rows.row(world.schools[0])) == set(gias_columns("edubasealldata"))


def test_reference_header_copies_match_shared_when_present() -> None:
    shared = Path(__file__).resolve().parents[3] / "shared" / "reference" / "gias"
    if not shared.is_dir():
        pytest.skip("no ../shared/reference beside the repository")
    for stem in GIAS_FILES:
        text = (shared / f"{stem}.columns.txt").read_text(encoding="utf-8")
        assert tuple(line.strip() for line in text.splitlines() if line.strip()) == gias_columns(
            stem
        )


DMY_DASH = re.compile(r"^\d{2}-\d{2}-\d{4}$")
DMY_SLASH = re.compile(r"^\d{2}/\d{2}/\d{4}$")


def _check_dates(rows: Rows, columns: tuple[str, ...], pattern: re.Pattern[str], fmt: str) -> int:
    seen = 0
    for row in rows:
        for column in columns:
            value = row[column]
            if value:
                assert pattern.match(value), (column, value)
                _parse(value, fmt)
                seen += 1
    return seen


def test_date_formats_per_file(sample: Sample) -> None:
    dash, slash = g.ESTABLISHMENT_DATE_FORMAT, g.GROUP_DATE_FORMAT
    assert _check_dates(
        sample.establishments,
        ("OpenDate", "CloseDate", "CensusDate", "LastChangedDate"),
        DMY_DASH,
        dash,
    )
    assert _check_dates(
        sample.groups, ("Closed Date", "Open date", "Incorporated on (open date)"), DMY_SLASH, slash
    )
    assert _check_dates(sample.group_links, ("Joined date",), DMY_SLASH, slash)
    assert _check_dates(sample.establishment_links, ("LinkEstablishedDate",), DMY_DASH, dash)
    for rows in (sample.ofsted, sample.ofsted_legacy):
        columns = ("Inspection start date", "Inspection end date", "Publication date")
        assert _check_dates(rows, columns, DMY_SLASH, of.DATE_FORMAT)


def test_code_name_pairs_are_consistent(sample: Sample) -> None:
    pairs = [c[: -len(" (code)")] for c in gias_columns("edubasealldata") if c.endswith(" (code)")]
    for stem in pairs:
        if f"{stem} (name)" not in gias_columns("edubasealldata"):
            continue
        code_to_name: dict[str, set[str]] = defaultdict(set)
        name_to_code: dict[str, set[str]] = defaultdict(set)
        for row in sample.establishments:
            code, name = row[f"{stem} (code)"], row[f"{stem} (name)"]
            code_to_name[code].add(name)
            name_to_code[name].add(code)
        if stem in ("Trusts", "Federations", "AdministrativeWard", "ParliamentaryConstituency"):
            continue  # many groups or places may share a name
        assert all(len(v) == 1 for v in code_to_name.values()), stem
        assert all(len(v) == 1 for v in name_to_code.values()), stem
    for row in sample.establishments:
        name, group_code, group_name = g.TYPES[int(row["TypeOfEstablishment (code)"])]
        assert row["TypeOfEstablishment (name)"] == name
        assert (row["EstablishmentTypeGroup (code)"], row["EstablishmentTypeGroup (name)"]) == (
            str(group_code),
            group_name,
        )
    for row in sample.groups:
        assert g.GROUP_TYPES[row["Group Type (code)"]] == row["Group Type"]


def test_progress_counts_every_row(sample: Sample) -> None:
    rows = sum(
        len(r)
        for r in (
            sample.establishments,
            sample.groups,
            sample.group_links,
            sample.establishment_links,
            sample.ofsted,
            sample.ofsted_legacy,
        )
    )
    assert sample.progressed == rows


def test_same_arguments_give_byte_identical_files(sample: Sample, tmp_path: Path) -> None:
    again = write_sample(tmp_path, schools=SCHOOLS, seed=SEED)
    for first, second in zip(sample.files.all(), again.all(), strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name
    other = write_sample(tmp_path / "other", schools=SCHOOLS, seed=SEED + 1)
    assert other.establishments.read_bytes() != sample.files.establishments.read_bytes()


def test_refuses_silly_sizes(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_sample(tmp_path, schools=0, seed=1)


# --- identifiers and places ----------------------------------------------------------------


def test_identifiers_have_their_real_shapes(sample: Sample) -> None:
    urns = [r["URN"] for r in sample.establishments]
    assert len(set(urns)) == len(urns)
    assert all(re.fullmatch(r"[1-9]\d{5}", u) for u in urns)
    laestabs = [r["LA (code)"] + r["EstablishmentNumber"].zfill(4) for r in sample.establishments]
    assert len(set(laestabs)) == len(laestabs)
    assert all(re.fullmatch(r"\d{7}", x) for x in laestabs)
    ukprns = [r["UKPRN"] for r in sample.establishments if r["UKPRN"]]
    ukprns += [r["UKPRN"] for r in sample.groups if r["UKPRN"]]
    assert len(set(ukprns)) == len(ukprns)
    assert all(re.fullmatch(r"1\d{7}", u) for u in ukprns)
    uids = [r["Group UID"] for r in sample.groups]
    assert len(set(uids)) == len(uids) and all(u.isdigit() for u in uids)
    for row in sample.groups:
        if row["Group Type (code)"] in g.ACADEMY_TRUST_GROUP_TYPES:
            assert re.fullmatch(r"TR\d{5}", row["Group ID"])
            assert re.fullmatch(r"\d{8}", row["Companies House Number"])
            assert row["UKPRN"]
    postcode = re.compile(r"^[A-Z]{1,2}\d{1,2} \d[A-Z]{2}$")
    assert all(postcode.match(r["Postcode"]) for r in sample.establishments)


def test_schools_lie_in_england_in_real_las(sample: Sample) -> None:
    las = reference.local_authorities()
    for row in sample.establishments:
        la = las[row["LA (code)"]]
        assert row["LA (name)"] == la.name
        assert (row["GOR (code)"], row["GOR (name)"]) == (la.region_code, la.region_name)
        assert EASTING_RANGE[0] <= int(row["Easting"]) <= EASTING_RANGE[1]
        assert NORTHING_RANGE[0] <= int(row["Northing"]) <= NORTHING_RANGE[1]


def test_pupils_ages_and_fsm_are_plausible(sample: Sample) -> None:
    for row in sample.establishments:
        low, high = int(row["StatutoryLowAge"]), int(row["StatutoryHighAge"])
        assert 2 <= low < high <= 19
        if row["NumberOfPupils"]:
            pupils = int(row["NumberOfPupils"])
            assert 0 < pupils <= 2 * int(row["SchoolCapacity"])
            assert int(row["NumberOfBoys"]) + int(row["NumberOfGirls"]) == pupils
            assert 0.0 <= float(row["PercentageFSM"]) <= 70.0
            assert re.fullmatch(r"\d{1,2}\.\d", row["PercentageFSM"])
        if row["PhaseOfEducation (name)"] == "Primary":
            assert high <= 11
        if row["PhaseOfEducation (name)"] == "Secondary":
            assert low >= 11


# --- shape of the estate -------------------------------------------------------------------


def test_phase_and_academy_mix(sample: Sample) -> None:
    open_rows = [r for r in sample.establishments if _open(r)]
    academies = [
        r for r in open_rows if r["TypeOfEstablishment (code)"] in map(str, g.ACADEMY_TYPES)
    ]
    share = len(academies) / len(open_rows)
    assert 0.45 <= share <= 0.65, share
    phases = Counter(r["PhaseOfEducation (name)"] for r in open_rows)
    assert 0.7 <= phases["Primary"] / len(open_rows) <= 0.88
    assert 0.09 <= phases["Secondary"] / len(open_rows) <= 0.21
    faith = sum(r["ReligiousCharacter (name)"] != "Does not apply" for r in open_rows)
    assert 0.2 <= faith / len(open_rows) <= 0.4
    for row in open_rows:
        if row["ReligiousCharacter (name)"] in ("Church of England", "Roman Catholic"):
            assert row["Diocese (name)"].startswith(("Diocese of", "RC "))


def test_statuses_and_close_dates(sample: Sample) -> None:
    statuses = Counter(r["EstablishmentStatus (name)"] for r in sample.establishments)
    assert statuses["Open"] > statuses["Closed"] > 0
    assert statuses["Open, but proposed to close"] + statuses["Proposed to open"] > 0
    for row in sample.establishments:
        status = row["EstablishmentStatus (name)"]
        if status in ("Closed", "Open, but proposed to close"):
            assert row["CloseDate"], row["URN"]
            assert row["ReasonEstablishmentClosed (name)"] != "Not applicable"
            closed = _parse(row["CloseDate"], g.ESTABLISHMENT_DATE_FORMAT)
            assert (closed < SNAPSHOT) == (status == "Closed")
        else:
            assert row["CloseDate"] == ""
        if status == "Proposed to open":
            assert _parse(row["OpenDate"], g.ESTABLISHMENT_DATE_FORMAT) > SNAPSHOT
        if row["OpenDate"] and row["CloseDate"]:
            assert row["OpenDate"][-4:] <= row["CloseDate"][-4:]


def test_converters_have_a_closed_maintained_predecessor(sample: Sample) -> None:
    by_urn = _by_urn(sample)
    predecessors: dict[str, list[str]] = defaultdict(list)
    for link in sample.establishment_links:
        if link["LinkType"] == "Predecessor":
            predecessors[link["URN"]].append(link["LinkURN"])
    converters = [
        r for r in sample.establishments if r["TypeOfEstablishment (code)"] == "34" and _open(r)
    ]
    assert converters
    for academy in converters:
        assert predecessors[academy["URN"]], academy["URN"]
        for urn in predecessors[academy["URN"]]:
            old = by_urn[urn]
            assert urn != academy["URN"]
            assert old["EstablishmentStatus (name)"] == "Closed"
            assert old["EstablishmentTypeGroup (name)"] != "Academies"
            opened = _parse(academy["OpenDate"], g.ESTABLISHMENT_DATE_FORMAT)
            closed = _parse(old["CloseDate"], g.ESTABLISHMENT_DATE_FORMAT)
            assert closed < opened


def test_succession_links_are_written_both_ways(sample: Sample) -> None:
    by_urn = _by_urn(sample)
    pairs = {(r["URN"], r["LinkURN"], r["LinkType"]) for r in sample.establishment_links}
    assert {r["LinkType"] for r in sample.establishment_links} == {"Predecessor", "Successor"}
    for row in sample.establishment_links:
        assert row["URN"] in by_urn and row["LinkURN"] in by_urn
        assert row["LinkName"] == by_urn[row["LinkURN"]]["EstablishmentName"]
        back = "Successor" if row["LinkType"] == "Predecessor" else "Predecessor"
        assert (row["LinkURN"], row["URN"], back) in pairs


# --- groups and links ----------------------------------------------------------------------


def test_links_reference_existing_schools_and_groups(sample: Sample) -> None:
    by_urn = _by_urn(sample)
    groups = {r["Group UID"]: r for r in sample.groups}
    assert sample.group_links
    for link in sample.group_links:
        school, group = by_urn[link["URN"]], groups[link["Group UID"]]
        for column in ("Group ID", "Group Name", "Group Type (code)", "Group Status"):
            assert link[column] == group[column]
        assert link["EstablishmentName"] == school["EstablishmentName"]
        assert link["LA (code)"] == school["LA (code)"]


def test_every_open_trust_has_a_school(sample: Sample) -> None:
    by_urn = _by_urn(sample)
    members: dict[str, list[str]] = defaultdict(list)
    for link in sample.group_links:
        if by_urn[link["URN"]]["EstablishmentStatus (name)"] != "Closed":
            members[link["Group UID"]].append(link["URN"])
    trusts = [r for r in sample.groups if r["Group Type (code)"] in (g.MAT, g.SAT)]
    for trust in trusts:
        if trust["Group Status"] == "Open":
            assert members[trust["Group UID"]], trust["Group Name"]
        if trust["Group Type (code)"] == g.SAT and trust["Group Status"] == "Open":
            assert len(members[trust["Group UID"]]) == 1
    kinds = Counter((r["Group Type (code)"], r["Group Status"]) for r in sample.groups)
    assert kinds[(g.MAT, "Open")] and kinds[(g.SAT, "Open")] and kinds[(g.SPONSOR, "Open")]


def test_academies_belong_to_one_trust_and_maintained_schools_to_none(sample: Sample) -> None:
    by_urn = _by_urn(sample)
    trusts_of: dict[str, list[str]] = defaultdict(list)
    for link in sample.group_links:
        if link["Group Type (code)"] in g.ACADEMY_TRUST_GROUP_TYPES:
            trusts_of[link["URN"]].append(link["Group UID"])
    for urn, row in by_urn.items():
        academy = row["EstablishmentTypeGroup (code)"] in ("10", "11")
        if academy and row["EstablishmentStatus (name)"] != "Closed":
            assert len(trusts_of[urn]) == 1, urn
            assert row["Trusts (code)"] == trusts_of[urn][0]
            assert row["TrustSchoolFlag (name)"] in (
                "Supported by a multi-academy trust",
                "Supported by a single-academy trust",
            )
        if not academy:
            assert not trusts_of[urn], urn


def test_joined_dates_follow_trust_and_academy_opening(sample: Sample) -> None:
    by_urn = _by_urn(sample)
    groups = {r["Group UID"]: r for r in sample.groups}
    fmt = g.GROUP_DATE_FORMAT
    for link in sample.group_links:
        joined = _parse(link["Joined date"], fmt)
        group = groups[link["Group UID"]]
        started = group["Incorporated on (open date)"] or group["Open date"]
        assert joined >= _parse(started, fmt), link
        opened = by_urn[link["URN"]]["OpenDate"]
        if opened and link["Group Type (code)"] in g.ACADEMY_TRUST_GROUP_TYPES:
            assert joined >= _parse(opened, g.ESTABLISHMENT_DATE_FORMAT), link


def test_closed_trusts_have_closed_dates(sample: Sample) -> None:
    for row in sample.groups:
        assert bool(row["Closed Date"]) == (row["Group Status"] == "Closed"), row["Group Name"]


def test_trust_sizes_have_a_long_tail_at_national_scale() -> None:
    world = build(6000, 11, SNAPSHOT)
    sizes = sorted(
        (
            sum(lk.school.live for lk in grp.links)
            for grp in world.groups
            if grp.type_code in (g.MAT, g.SAT) and grp.status == "OPEN"
        ),
        reverse=True,
    )
    academies = sum(
        s.live and s.status != g.PROPOSED_TO_OPEN and s.type_code in g.ACADEMY_TYPES
        for s in world.schools
    )
    assert 3.8 <= academies / len(sizes) <= 5.5
    assert sizes[0] >= 20 and sizes[-1] == 1
    assert sum(size == 1 for size in sizes) > len(sizes) / 5
    la_trusts = [grp for grp in world.groups if grp.la_established]
    assert la_trusts and all(
        grp.name == f"{grp.home.name} Local Authority Trust" for grp in la_trusts
    )


# --- Ofsted ---------------------------------------------------------------------------------


def test_ofsted_files_cover_both_formats(sample: Sample) -> None:
    by_urn = _by_urn(sample)
    assert sample.ofsted and sample.ofsted_legacy
    assert len(sample.ofsted) < len(sample.ofsted_legacy)
    for rows in (sample.ofsted, sample.ofsted_legacy):
        urns = [r["URN"] for r in rows]
        assert len(set(urns)) == len(urns)
        for row in rows:
            school = by_urn[row["URN"]]
            assert _open(school)
            assert row["School name"] == school["EstablishmentName"]
            start = _parse(row["Inspection start date"], of.DATE_FORMAT)
            published = _parse(row["Publication date"], of.DATE_FORMAT)
            assert start <= published <= SNAPSHOT
            assert (start >= of.REPORT_CARDS_FROM) == (rows is sample.ofsted)
    inspected = {r["URN"] for r in sample.ofsted} | {r["URN"] for r in sample.ofsted_legacy}
    open_rows = [r for r in sample.establishments if _open(r)]
    assert sum(r["URN"] in inspected for r in open_rows) / len(open_rows) > 0.75


def test_ofsted_grades_are_valid(sample: Sample) -> None:
    for row in sample.ofsted:
        for area in of.REPORT_CARD_AREAS:
            allowed = set(of.REPORT_CARD_GRADES)
            if area in of.REPORT_CARD_OPTIONAL_AREAS:
                allowed.add("")
            assert row[area] in allowed, (area, row[area])
        assert row[of.SAFEGUARDING_COLUMN] in of.SAFEGUARDING_VALUES
    grades: Counter[str] = Counter()
    for row in sample.ofsted_legacy:
        grade = row[of.OVERALL_EFFECTIVENESS_COLUMN]
        assert row[of.CATEGORY_OF_CONCERN_COLUMN] in of.CATEGORIES_OF_CONCERN
        start = _parse(row["Inspection start date"], of.DATE_FORMAT)
        if start >= of.KEY_JUDGEMENTS_ONLY_FROM:
            # 2024/25: no overall grade; a category only beside an inadequate judgement.
            assert grade == ""
            if row[of.CATEGORY_OF_CONCERN_COLUMN]:
                assert "4" in (row[j] for j in of.LEGACY_KEY_JUDGEMENTS)
        else:
            assert grade in of.OVERALL_EFFECTIVENESS
            grades[grade] += 1
            assert (row[of.CATEGORY_OF_CONCERN_COLUMN] != "") == (grade == "4")
        assert row[of.SAFEGUARDING_EFFECTIVE_COLUMN] in of.SAFEGUARDING_EFFECTIVE_VALUES
        for judgement in of.LEGACY_KEY_JUDGEMENTS:
            assert row[judgement] in of.OVERALL_EFFECTIVENESS
        for judgement in of.LEGACY_OPTIONAL_JUDGEMENTS:
            assert row[judgement] in (*of.OVERALL_EFFECTIVENESS, "")
    total = sum(grades.values())
    assert 0.55 <= grades["2"] / total <= 0.85
    assert grades["1"] and grades["3"]


# --- reference lists ------------------------------------------------------------------------


def test_regions() -> None:
    regions = reference.regions()
    assert list(regions) == ["A", "B", "D", "E", "F", "G", "H", "J", "K"]
    assert regions["D"].name == "Yorkshire and the Humber"


def test_local_authorities() -> None:
    las = reference.local_authorities()
    assert 150 <= len(las) <= 155
    assert all(re.fullmatch(r"\d{3}", code) and la.code == code for code, la in las.items())
    assert len({la.name for la in las.values()}) == len(las)
    assert {la.region_code for la in las.values()} == set(reference.regions())
    assert las["202"].name == "Camden" and las["202"].region_name == "London"
    assert las["383"].name == "Leeds" and las["330"].name == "Birmingham"
    assert las["926"].name == "Norfolk"
    assert (
        las["940"].name == "North Northamptonshire" and las["941"].name == "West Northamptonshire"
    )
    assert "928" not in las and "909" not in las  # replaced in 2021 and 2023
    las["202"] = las["383"]
    assert reference.local_authorities()["202"].name == "Camden"  # callers get copies


def test_areas() -> None:
    areas = reference.areas()
    eias = reference.eias()
    priority = reference.priority_areas()
    assert len(eias) == 55
    assert [a.name for a in eias] == list(reference.eia_names())
    assert len(priority) == 24
    assert sorted(a.name for a in priority) == sorted(reference.priority_eia_names())
    districts = {a.name: a for a in areas if a.kind == "district"}
    assert set(districts) == {
        "Fenlands and East Cambridgeshire",
        "Hastings",
        "Ipswich",
        "Norwich",
        "Scarborough",
        "West Somerset",
    }
    assert districts["Hastings"].la_codes == ("845",) and districts["Hastings"].districts == (
        "Hastings",
    )
    assert districts["Fenlands and East Cambridgeshire"].districts == (
        "Fenland",
        "East Cambridgeshire",
    )
    las = reference.local_authorities()
    for area in areas:
        assert area.la_codes and all(code in las for code in area.la_codes)
        if area.kind == "la":
            assert las[area.la_codes[0]].name.replace(".", "") == area.name
    assert {a.name for a in eias if a.priority} | set(districts) == {a.name for a in priority}


def test_sample_geography_covers_every_la() -> None:
    codes = [la.code for la in geography()]
    assert codes == sorted(reference.local_authorities())


def _all_text() -> Iterator[str]:
    for path in (Path(reference.__file__).parent / "gias_columns").iterdir():
        yield path.read_text(encoding="utf-8")


def test_gias_column_copies_are_plain_lists() -> None:
    for text in _all_text():
        lines = text.splitlines()
        assert lines and all(line == line.strip() and line for line in lines)
