"""Re-imports compare rows with their fingerprints, and decide only what may have changed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.registry import importer
from services.registry.gias import records
from services.registry.gias.snapshot import GiasFiles
from shared.contracts import all_contracts
from shared.contracts.registry import OfstedInspectionRecorded, SchoolLeftTrust
from shared.db import create_pool
from shared.eventlog.model import NewEvent
from shared.eventlog.store import EventStore
from shared.settings import Settings
from tests.integration.helpers import META
from tests.registry import gias_files as g
from tests.registry.test_gias_import import Registry, _apply, first_snapshot


@pytest.fixture
async def registry(
    fresh_database: Callable[..., Awaitable[str]], settings: Settings
) -> AsyncIterator[Registry]:
    url = await fresh_database()
    pool = await create_pool(url, settings)
    yield Registry(url, EventStore(pool, all_contracts()))
    await pool.close()


class Spy:
    """What an import decided (the streams it folded) and how many rows it parsed in full."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.decided: list[set[str]] = []
        self.parsed = 0
        load_streams = importer.load_streams
        establishment = records.establishment

        async def spied_load(store: Any, stream_ids: Collection[str]) -> Any:
            self.decided.append(set(stream_ids))
            return await load_streams(store, stream_ids)

        def spied_parse(row: Any) -> Any:
            self.parsed += 1
            return establishment(row)

        monkeypatch.setattr(importer, "load_streams", spied_load)
        monkeypatch.setattr(records, "establishment", spied_parse)


async def _fingerprints(registry: Registry) -> int:
    count: int = await registry.store.pool.fetchval(
        "SELECT count(*) FROM registry.registry_gias_fingerprints"
    )
    return count


async def test_an_unchanged_reimport_parses_and_folds_nothing_it_has_seen(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = first_snapshot(tmp_path)
    first = await _apply(registry, files)
    # Four schools and two trusts applied (the federation is no trust, three rows are bad).
    assert await _fingerprints(registry) == 6
    spy = Spy(monkeypatch)
    again = await _apply(registry, files)
    assert again.events_written == 0
    assert spy.decided == [set()]
    # Only the rows that were never applied are parsed: the bad URN, the impossible date and
    # the repeated URN (whose row differs from the first).
    assert spy.parsed == 3
    assert again.rejected == first.rejected
    assert again.rows_read == first.rows_read


async def test_streams_moved_by_other_events_are_compared_again(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = first_snapshot(tmp_path)
    await _apply(registry, files)
    store = registry.store
    # An inspection changes nothing a snapshot compares; a school leaving its trust does.
    inspected = OfstedInspectionRecorded.model_validate(
        {
            "urn": 100001,
            "framework": "single_grade",
            "inspection_start": "2026-10-01",
            "publication_date": "2026-10-20",
            "overall_effectiveness": "good",
        }
    )
    await store.append("school-100001", [NewEvent(inspected, META)], expected_version=3)
    left = SchoolLeftTrust(
        urn=100002, trust_uid=5002, left_on=date(2026, 10, 1), reason="reported_by_gias"
    )
    await store.append("school-100002", [NewEvent(left, META)], expected_version=2)
    spy = Spy(monkeypatch)
    report = await _apply(registry, files)
    assert spy.decided == [{"school-100002"}]
    # GIAS still says the school is in the trust: what a full comparison would write.
    (rejoined,) = (await store.read_stream("school-100002"))[3:]
    assert rejoined.type == "registry.SchoolJoinedTrust" and rejoined.data["trust_uid"] == 5002
    assert report.events_written == 1
    spy.decided.clear()
    assert (await _apply(registry, files)).events_written == 0
    assert spy.decided == [set()]


async def test_a_changed_link_decides_a_school_whose_row_did_not_change(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = first_snapshot(tmp_path)
    await _apply(registry, files)
    (tmp_path / "moved").mkdir()
    links = g.write(
        tmp_path / "moved" / "alllinksdata20261001.csv",
        g.LINK_HEADER,
        [g.link("100001", "5001", "01/09/2015"), g.link("100002", "5001", "01/10/2026")],
    )
    spy = Spy(monkeypatch)
    report = await _apply(
        registry, GiasFiles(files.establishments, files.groups, links, files.predecessor_links)
    )
    # 100004's federation link went too, but a federation is no trust: its inputs are as
    # they were. 100002's row is the same, its trust link is not: it is parsed after all.
    assert spy.decided == [{"school-100002"}]
    assert spy.parsed == 4  # that row, and the three that never applied
    moved = (await registry.store.read_stream("school-100002"))[-1]
    assert moved.type == "registry.SchoolTransferred"
    assert (moved.data["from_trust_uid"], moved.data["to_trust_uid"]) == (5002, 5001)
    assert report.events_written == 1


async def test_without_fingerprints_everything_is_compared_and_they_are_written_again(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = first_snapshot(tmp_path)
    await _apply(registry, files)
    await registry.store.pool.execute("DELETE FROM registry.registry_gias_fingerprints")
    spy = Spy(monkeypatch)
    assert (await _apply(registry, files)).events_written == 0
    assert len(spy.decided[0]) == 6
    assert await _fingerprints(registry) == 6
    # Fingerprints made by other code are not trusted either.
    await registry.store.pool.execute("UPDATE registry.registry_gias_fingerprints SET code = 'x'")
    spy.decided.clear()
    assert (await _apply(registry, files)).events_written == 0
    assert len(spy.decided[0]) == 6
