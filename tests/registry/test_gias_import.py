"""GIAS import over hand-made files: real encodings, nasty rows, idempotency, snapshot diffs."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from services.registry.gias.csvfile import UnusableInput
from services.registry.gias.snapshot import GiasFiles, ImportReport
from services.registry.importer import import_gias
from shared.contracts import all_contracts
from shared.db import create_pool
from shared.eventlog.model import RecordedEvent
from shared.eventlog.store import EventStore
from shared.settings import PROJECT_ROOT, Settings
from tests.registry import gias_files as g

NASTY_NAME = "St Mary’s C of E (Aided) – Brontë"


@dataclass
class Registry:
    url: str
    store: EventStore


@pytest.fixture
async def registry(
    fresh_database: Callable[..., Awaitable[str]], settings: Settings
) -> AsyncIterator[Registry]:
    url = await fresh_database()
    pool = await create_pool(url, settings)
    yield Registry(url, EventStore(pool, all_contracts()))
    await pool.close()


def first_snapshot(tmp: Path, *, bom: bool = False) -> GiasFiles:
    est = g.write(
        tmp / "edubasealldata20260901.csv",
        g.ESTABLISHMENT_HEADER,
        [
            g.school("100001", NASTY_NAME),
            g.school("100002", "Brontë Primary", closed=""),
            g.school(
                "100003", "Old Road Junior", type_code="1", status="Closed", closed="31-08-2015"
            ),
            g.school("100004", "Federated Infant", type_code="1"),
            g.school("12AB", "Bad URN School"),
            g.school("100006", "Impossible Date School", opened="31-02-2020"),
            g.school("100001", "Duplicate of the first"),
        ],
        bom=bom,
    )
    groups = g.write(
        tmp / "allgroupsdata20260901.csv",
        g.GROUP_HEADER,
        [
            g.trust("5001", "Bright Futures Learning Trust"),
            g.trust("5002", "Dales Academy Trust"),
            g.trust("7001", "Leeds Infant Federation", type_code="01"),
        ],
        bom=bom,
    )
    links = g.write(
        tmp / "alllinksdata20260901.csv",
        g.LINK_HEADER,
        [
            g.link("100001", "5001", "01/09/2015"),
            g.link("100002", "5002", "01/04/2019"),
            g.link("100004", "7001", "01/01/2010"),
            g.link("100002", "9999", "01/04/2019"),
            g.link("199999", "5001", "01/04/2019"),
        ],
        bom=bom,
    )
    preds = g.write(
        tmp / "links_edubasealldata20260901.csv",
        g.PREDECESSOR_HEADER,
        [
            {
                "URN": "100001",
                "LinkURN": "100003",
                "LinkName": "Old Road Junior",
                "LinkType": "Predecessor",
                "LinkEstablishedDate": "01-09-2015",
            },
            {
                "URN": "100003",
                "LinkURN": "100001",
                "LinkName": NASTY_NAME,
                "LinkType": "Successor",
                "LinkEstablishedDate": "01-09-2015",
            },
        ],
        bom=bom,
    )
    return GiasFiles(est, groups, links, preds)


async def _events(store: EventStore, stream: str) -> list[RecordedEvent]:
    return await store.read_stream(stream)


async def _apply(registry: Registry, files: GiasFiles) -> ImportReport:
    return await import_gias(registry.store, files, actor="tester")


async def test_a_first_snapshot_registers_schools_trusts_and_memberships(
    registry: Registry, tmp_path: Path
) -> None:
    report = await _apply(registry, first_snapshot(tmp_path))
    s1 = await _events(registry.store, "school-100001")
    assert [e.type for e in s1] == [
        "registry.SchoolRegistered",
        "registry.SchoolLinkedToPredecessor",
        "registry.SchoolJoinedTrust",
    ]
    assert s1[0].data["details"]["name"] == NASTY_NAME
    assert s1[2].data == {
        "urn": 100001,
        "trust_uid": 5001,
        "joined_on": "2015-09-01",
        "reason": "conversion",
        "decision_reference": None,
    }
    assert s1[0].meta.correlation_id == report.import_id
    assert s1[0].meta.source == f"gias-import:{report.import_id}"
    closed = await _events(registry.store, "school-100003")
    assert [e.type for e in closed] == ["registry.SchoolRegistered", "registry.SchoolClosed"]
    # A federation is not a trust: no trust stream, no membership.
    assert await registry.store.stream_version("trust-7001") == 0
    assert [e.type for e in await _events(registry.store, "school-100004")] == [
        "registry.SchoolRegistered"
    ]
    rejected = {(p.file, p.line, p.column, p.value) for p in report.rejected}
    assert ("edubasealldata20260901.csv", 6, "URN", "12AB") in rejected
    assert ("edubasealldata20260901.csv", 7, "OpenDate", "31-02-2020") in rejected
    assert ("edubasealldata20260901.csv", 8, "URN", "100001") in rejected
    assert ("alllinksdata20260901.csv", 5, "Group UID", "9999") in rejected
    assert ("alllinksdata20260901.csv", 6, "URN", "199999") in rejected
    assert len(report.rejected) == 5
    assert report.rows_read == {
        "establishments": 7,
        "groups": 3,
        "links": 5,
        "predecessor_links": 2,
    }
    (record,) = await _events(registry.store, f"gias_import-{report.import_id}")
    assert record.data["events_written"] == report.events_written
    assert len(record.data["rejected"]) == 5


async def test_the_same_files_again_write_no_events(registry: Registry, tmp_path: Path) -> None:
    files = first_snapshot(tmp_path)
    first = await _apply(registry, files)
    assert first.events_written > 0
    again = await _apply(registry, files)
    assert again.events_written == 0
    assert len(again.rejected) == len(first.rejected)


async def test_a_bom_file_in_utf8_reads_the_same_as_windows_1252(
    registry: Registry, tmp_path: Path
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    await _apply(registry, first_snapshot(tmp_path / "a"))
    again = await _apply(registry, first_snapshot(tmp_path / "b", bom=True))
    assert again.events_written == 0, "the re-saved UTF-8 file must mean exactly the same"


async def test_a_missing_column_applies_nothing(registry: Registry, tmp_path: Path) -> None:
    files = first_snapshot(tmp_path)
    header = [h for h in g.GROUP_HEADER if h != "Group Status"]
    g.write(files.groups, header, [g.trust("5001", "Bright Futures Learning Trust")])
    with pytest.raises(UnusableInput, match="missing required columns: Group Status"):
        await _apply(registry, files)
    assert await registry.store.read_all(limit=1) == []


async def test_a_snapshot_without_a_date_in_its_name_applies_nothing_and_says_why(
    registry: Registry, tmp_path: Path
) -> None:
    files = first_snapshot(tmp_path)
    undated = files.establishments.rename(tmp_path / "establishments.csv")
    with pytest.raises(UnusableInput, match="no snapshot date in its name") as refused:
        await _apply(registry, GiasFiles(undated, files.groups, files.links))
    assert refused.value.file == "establishments.csv"
    assert await registry.store.read_all(limit=1) == []


async def test_an_unreadable_encoding_applies_nothing(registry: Registry, tmp_path: Path) -> None:
    files = first_snapshot(tmp_path)
    files.links.write_bytes(files.links.read_bytes() + b"\x81\x8d\r\n")
    with pytest.raises(UnusableInput, match="not Windows-1252"):
        await _apply(registry, files)
    assert await registry.store.read_all(limit=1) == []


async def test_a_later_snapshot_writes_only_the_differences(
    registry: Registry, tmp_path: Path
) -> None:
    await _apply(registry, first_snapshot(tmp_path))
    later = tmp_path / "later"
    later.mkdir()
    est = g.write(
        later / "edubasealldata20261101.csv",
        g.ESTABLISHMENT_HEADER,
        [
            g.school("100001", NASTY_NAME, pupils="433"),
            g.school("100002", "Brontë Primary"),
            g.school(
                "100003", "Old Road Junior", type_code="1", status="Closed", closed="31-08-2015"
            ),
            g.school("100004", "Federated Infant", type_code="1"),
            g.school("100007", "New Free School", type_code="35", opened="01-09-2026"),
        ],
    )
    groups = g.write(
        later / "allgroupsdata20261101.csv",
        g.GROUP_HEADER,
        [
            g.trust("5001", "Bright Futures Learning Trust", status="Closed", closed="31/10/2026"),
            g.trust("5002", "Dales Academy Trust"),
            g.trust("5003", "Pennine Schools Trust"),
        ],
    )
    links = g.write(
        later / "alllinksdata20261101.csv",
        g.LINK_HEADER,
        [
            g.link("100002", "5003", "01/10/2026"),
            g.link("100007", "5003", "01/09/2026"),
        ],
    )
    report = await _apply(registry, GiasFiles(est, groups, links))
    s1 = await _events(registry.store, "school-100001")
    changed, left = s1[3], s1[4]
    assert changed.type == "registry.SchoolDetailsChanged"
    assert changed.data["changes"] == [{"field": "pupils", "old": 420, "new": 433}]
    assert changed.data["effective_on"] == "2026-11-01"
    assert left.type == "registry.SchoolLeftTrust"
    assert left.data["reason"] == "trust_closure" and left.data["left_on"] == "2026-11-01"
    s2 = await _events(registry.store, "school-100002")
    assert s2[-1].type == "registry.SchoolTransferred"
    assert s2[-1].data["from_trust_uid"] == 5002 and s2[-1].data["to_trust_uid"] == 5003
    assert s2[-1].data["effective_on"] == "2026-10-01"
    assert [e.type for e in await _events(registry.store, "trust-5001")][
        -1
    ] == "registry.TrustClosed"
    new = await _events(registry.store, "school-100007")
    assert new[-1].data["reason"] == "free_school"
    # Predecessor links were not in this snapshot: nothing is undone.
    assert report.rejected == []
    # trust 5001 changed and closed, 5003 incorporated; 100001 changed and left; 100002
    # transferred; 100007 registered and joined.
    assert report.events_written == 8


async def test_the_cli_reports_json_and_exits_2_on_unusable_input(
    fresh_database: Callable[..., Awaitable[str]], tmp_path: Path
) -> None:
    url = await fresh_database()
    files = first_snapshot(tmp_path)
    args = [
        "import",
        "gias",
        "--establishments",
        str(files.establishments),
        "--groups",
        str(files.groups),
        "--links",
        str(files.links),
        "--predecessor-links",
        str(files.predecessor_links),
        "--json",
    ]
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": url}
    ok = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "shared.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    report = json.loads(ok.stdout)
    assert report["events_written"] > 0
    assert {"file", "line", "column", "value", "reason"} <= set(report["rejected"][0])
    g.write(files.links, ["URN", "Joined date"], [])
    bad = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "shared.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "Group UID" in bad.stderr and "nothing was applied" in bad.stderr
    conn = await asyncpg.connect(url)
    try:
        imports = await conn.fetchval("SELECT count(*) FROM events WHERE category = 'gias_import'")
    finally:
        await conn.close()
    assert imports == 1


async def test_the_cli_rebuilds_the_read_models_from_the_log(
    registry: Registry, tmp_path: Path
) -> None:
    await _apply(registry, first_snapshot(tmp_path))
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": registry.url}
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "shared.cli", "projections", "rebuild", "registry"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "rebuilt registry read models" in result.stdout
    conn = await asyncpg.connect(registry.url)
    try:
        names = {r[0] for r in await conn.fetch("SELECT name FROM registry_schools")}
    finally:
        await conn.close()
    assert NASTY_NAME in names
