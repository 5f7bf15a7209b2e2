"""The knowledge projection over a small registry + assessment story, through the real log."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa

from services.commissioning.candidates import candidates_for, candidates_json_for
from services.commissioning.candidates import service as candidate_service
from services.commissioning.candidates.service import forget_remembered, keep_warm
from services.commissioning.knowledge import (
    knowledge_projection,
    school_facts,
    trust_fact,
)
from services.commissioning.knowledge.models import TABLES, metadata
from services.commissioning.knowledge.projection import CONSUMER_NAME
from shared.contracts import all_contracts
from shared.contracts.assessment import AssessmentPublished, AssessmentWithdrawn, PublishedJudgement
from shared.contracts.commissioning import FactorWeights, PillarWeight
from shared.contracts.registry import (
    FieldChange,
    OfstedInspectionRecorded,
    SchoolClosed,
    SchoolDetails,
    SchoolDetailsChanged,
    SchoolJoinedTrust,
    SchoolLeftTrust,
    SchoolRegistered,
    SchoolTransferred,
    TrustClosed,
    TrustDetails,
    TrustIncorporated,
)
from shared.contracts.trust_inspections import TrustInspectionOutcome, TrustInspectionRecorded
from shared.db import create_pool
from shared.eventlog.contracts import EventContract, EventMetadata
from shared.eventlog.model import ANY, NewEvent
from shared.eventlog.store import EventStore
from shared.eventlog.subscriptions import ConsumerRunner
from shared.settings import Settings
from tests.integration.helpers import wait_until

META = EventMetadata(actor="tester", reason="commissioning knowledge test")
A1, A2, B1 = "a1" * 16, "a2" * 16, "b1" * 16
# The story's trusts: two multi-academy trusts, a single-academy trust and one that closes.
COASTAL, DOWNS, SOLO, GONE = 5001, 5002, 5003, 5004


def details(name: str, **kw: Any) -> SchoolDetails:
    base: dict[str, Any] = dict(
        name=name,
        la_code="845",
        la_name="East Sussex",
        status="Open",
        phase="Primary",
        region_code="J",
        region_name="South East",
        district_code="E07000062",
        district_name="Hastings",
        religious_character="Does not apply",
        pupils=200,
        capacity=210,
        easting=581000,
        northing=110000,
        open_date=date(2010, 9, 1),
    )
    base.update(kw)
    return SchoolDetails(**base)


def trust(uid: int, name: str, kind: str = "multi_academy_trust") -> TrustIncorporated:
    return TrustIncorporated(
        uid=uid,
        details=TrustDetails(name=name, trust_type=kind, status="Open"),
        effective_on=date(2015, 1, 1),
    )


def published(
    aid: str, uid: int, on: date, supersedes: str | None = None, **d: str
) -> AssessmentPublished:
    return AssessmentPublished(
        assessment_id=aid,
        trust_uid=uid,
        framework_id="dfe-trust-quality",
        framework_version=1,
        published_on=on,
        judgements=[
            PublishedJudgement(
                pillar=p,
                pillar_name=p.replace("_", " ").capitalize(),
                descriptor=v,
                rationale="because",
                evidence_ids=["e" * 32],
            )
            for p, v in d.items()
        ],
        supersedes=supersedes,
    )


def inspected(urn: int, on: date, grade: str) -> OfstedInspectionRecorded:
    return OfstedInspectionRecorded(
        urn=urn,
        framework="single_grade",
        inspection_start=on,
        overall_effectiveness=grade,
    )


def story() -> list[tuple[str, list[EventContract]]]:
    """Schools in Hastings and Leeds, four trusts, moves, inspections and assessments."""
    return [
        ("trust-5001", [trust(COASTAL, "Coastal Learning Trust")]),
        (
            "trust-5002",
            [
                trust(DOWNS, "Downs Academies"),
            ],
        ),
        ("trust-5003", [trust(SOLO, "Solo Academy Trust", "single_academy_trust")]),
        (
            "trust-5004",
            [trust(GONE, "Gone Trust"), TrustClosed(uid=GONE, closed_on=date(2023, 8, 31))],
        ),
        (
            "school-100001",
            [
                SchoolRegistered(
                    urn=100001, details=details("Hastings Primary"), effective_on=date(2010, 9, 1)
                ),
                inspected(100001, date(2026, 5, 1), "inadequate"),
            ],
        ),
        (
            "school-100002",
            [
                SchoolRegistered(
                    urn=100002,
                    details=details("Ore Academy", easting=583000),
                    effective_on=date(2010, 9, 1),
                ),
                inspected(100002, date(2018, 3, 1), "requires_improvement"),
                SchoolJoinedTrust(
                    urn=100002, trust_uid=COASTAL, joined_on=date(2019, 9, 1), reason="sponsorship"
                ),
                inspected(100002, date(2022, 3, 1), "good"),
                SchoolDetailsChanged(
                    urn=100002,
                    changes=[FieldChange(field="pupils", old=200, new=240)],
                    effective_on=date(2024, 1, 1),
                ),
            ],
        ),
        (
            "school-100003",
            [
                SchoolRegistered(
                    urn=100003,
                    details=details(
                        "Bexhill Academy",
                        district_name="Rother",
                        phase="Secondary",
                        easting=574000,
                        northing=107000,
                    ),
                    effective_on=date(2010, 9, 1),
                ),
                SchoolJoinedTrust(
                    urn=100003, trust_uid=DOWNS, joined_on=date(2022, 9, 1), reason="conversion"
                ),
                SchoolTransferred(
                    urn=100003,
                    from_trust_uid=DOWNS,
                    to_trust_uid=COASTAL,
                    effective_on=date(2025, 9, 1),
                    reason="commissioning_decision",
                ),
            ],
        ),
        (
            "school-100004",
            [
                SchoolRegistered(
                    urn=100004,
                    details=details(
                        "Leeds Academy",
                        la_code="383",
                        la_name="Leeds",
                        region_code="D",
                        region_name="Yorkshire and the Humber",
                        district_name="Leeds",
                        easting=430000,
                        northing=433000,
                    ),
                    effective_on=date(2010, 9, 1),
                ),
                SchoolJoinedTrust(
                    urn=100004, trust_uid=DOWNS, joined_on=date(2021, 1, 1), reason="conversion"
                ),
                SchoolClosed(urn=100004, closed_on=date(2024, 8, 31)),
                SchoolLeftTrust(
                    urn=100004, trust_uid=DOWNS, left_on=date(2024, 8, 31), reason="school_closed"
                ),
            ],
        ),
        (
            "school-100005",
            [
                SchoolRegistered(
                    urn=100005,
                    details=details(
                        "Leeds Primary",
                        la_code="383",
                        la_name="Leeds",
                        region_code="D",
                        region_name="Yorkshire and the Humber",
                        district_name="Leeds",
                        easting=431000,
                        northing=434000,
                    ),
                    effective_on=date(2010, 9, 1),
                ),
                SchoolJoinedTrust(
                    urn=100005, trust_uid=DOWNS, joined_on=date(2020, 9, 1), reason="conversion"
                ),
            ],
        ),
        (
            f"assessment-{A1}",
            [
                published(
                    A1,
                    COASTAL,
                    date(2026, 1, 10),
                    school_improvement="secure",
                    education="developing",
                )
            ],
        ),
        (
            f"assessment-{A2}",
            [
                published(
                    A2,
                    COASTAL,
                    date(2026, 3, 1),
                    A1,
                    school_improvement="strong",
                    education="strong",
                )
            ],
        ),
        (
            f"assessment-{A2}",
            [AssessmentWithdrawn(assessment_id=A2, trust_uid=COASTAL, was_published=True)],
        ),
        (
            f"assessment-{B1}",
            [published(B1, DOWNS, date(2025, 12, 1), school_improvement="developing")],
        ),
        ("trust-5002", [trust_inspection(DOWNS, "TI-2027-1", "Urgent improvement")]),
    ]


def trust_inspection(uid: int, inspection_id: str, words: str) -> TrustInspectionRecorded:
    return TrustInspectionRecorded(
        uid=uid,
        inspection_id=inspection_id,
        inspection_start=date(2027, 1, 12),
        outcomes=[
            TrustInspectionOutcome(
                area="leadership_and_governance",
                heading="Leadership and governance",
                outcome=words,
            )
        ],
        source_file="trusts.csv",
        format_version=1,
    )


async def append_story(store: EventStore, chapters: list[tuple[str, list[EventContract]]]) -> None:
    for stream, events in chapters:
        await store.append(stream, [NewEvent(e, META) for e in events], expected_version=ANY)


@contextlib.asynccontextmanager
async def running_knowledge(
    pool: asyncpg.Pool, store: EventStore, url: str
) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Run the knowledge consumer; yields a function that waits until it has read the log."""
    runner = ConsumerRunner(
        knowledge_projection(), store, None, url, batch_size=7, poll_interval_s=0.02
    )
    task = asyncio.create_task(runner.run())

    async def caught_up() -> None:
        last = await pool.fetchval(
            "SELECT max(position) FROM events"
            " WHERE split_part(stream_id, '-', 1) = ANY($1::text[])",
            ["school", "trust", "assessment"],
        )

        async def done() -> bool:
            if task.done():
                task.result()
            at = await pool.fetchval(
                "SELECT position FROM subscriptions WHERE name = $1", CONSUMER_NAME
            )
            return at is not None and at >= last

        await wait_until(done, what="the knowledge consumer to catch up")

    try:
        yield caught_up
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture
async def story_db(
    fresh_database: Callable[..., Awaitable[str]], settings: Settings
) -> AsyncIterator[tuple[asyncpg.Pool, EventStore, str]]:
    url = await fresh_database()
    pool = await create_pool(url, settings, max_size=6)
    try:
        store = EventStore(pool, all_contracts())
        await append_story(store, story())
        yield pool, store, url
    finally:
        await pool.close()


async def _dump(pool: asyncpg.Pool) -> dict[str, list[dict[str, Any]]]:
    return {
        # A profile's revision says when it was last written, not what it holds.
        t: [
            {k: v for k, v in r.items() if k != "revision"}
            for r in await pool.fetch(f"SELECT * FROM {t} ORDER BY 1, 2")
        ]
        for t in TABLES
    }


async def test_schools_trusts_memberships_and_judgements_are_projected(
    story_db: tuple[asyncpg.Pool, EventStore, str],
) -> None:
    pool, store, url = story_db
    async with running_knowledge(pool, store, url) as caught_up:
        await caught_up()
        facts = await school_facts(pool, [100001, 100003, 100004, 999999])
        assert set(facts) == {100001, 100003, 100004}
        hastings = facts[100001]
        assert (hastings.name, hastings.la_name, hastings.area, hastings.trust_uid) == (
            "Hastings Primary",
            "East Sussex",
            "Hastings",
            None,
        )
        assert (hastings.ofsted_grade, hastings.ofsted_date) == ("inadequate", date(2026, 5, 1))
        assert facts[100003].trust_uid == COASTAL and facts[100003].area == "East Sussex"
        assert facts[100004].closed and facts[100004].trust_uid is None
        assert facts[100004].area == "Leeds"
        gone = await trust_fact(pool, GONE)
        assert gone is not None and gone.closed and gone.name == "Gone Trust"
        assert await trust_fact(pool, 4242) is None
        history = await pool.fetch(
            "SELECT trust_uid, from_date, to_date FROM commissioning_memberships"
            " WHERE urn = 100003 ORDER BY from_date"
        )
        assert [tuple(r) for r in history] == [
            (DOWNS, date(2022, 9, 1), date(2025, 9, 1)),
            (COASTAL, date(2025, 9, 1), None),
        ]
        profiles = {
            r["uid"]: r
            for r in await pool.fetch(
                "SELECT uid, closed, schools::text AS schools, joined_below_good, improved,"
                " assessment->>'assessment_id' AS aid FROM commissioning_trust_profiles"
            )
        }
        assert set(profiles) == {COASTAL, DOWNS, SOLO, GONE}
        coastal = profiles[COASTAL]
        assert '"urn": 100002' in coastal["schools"] and '"urn": 100003' in coastal["schools"]
        # Joined requiring improvement, good since: one of one improved.
        assert (coastal["joined_below_good"], coastal["improved"]) == (1, 1)
        # The newer assessment was withdrawn, so the one it superseded stands again.
        assert coastal["aid"] == A1
        assert profiles[DOWNS]["aid"] == B1 and '"urn": 100005' in profiles[DOWNS]["schools"]
        assert '"urn": 100004' not in profiles[DOWNS]["schools"]  # closed
        assert profiles[GONE]["closed"]
        inspected = await pool.fetch(
            "SELECT trust_uid, inspection_id, outcomes->0->>'outcome' AS words"
            " FROM commissioning_trust_inspections"
        )
        assert [tuple(r) for r in inspected] == [(DOWNS, "TI-2027-1", "Urgent improvement")]


async def test_replaying_the_log_changes_nothing(
    story_db: tuple[asyncpg.Pool, EventStore, str],
) -> None:
    pool, store, url = story_db
    async with running_knowledge(pool, store, url) as caught_up:
        await caught_up()
    before = await _dump(pool)
    await pool.execute(
        "UPDATE subscriptions SET era = 0, tx_id = '0'::xid8, position = 0 WHERE name = $1",
        CONSUMER_NAME,
    )
    async with running_knowledge(pool, store, url) as caught_up:
        await caught_up()
    assert await _dump(pool) == before


async def test_candidates_for_ranks_from_the_projected_knowledge(
    story_db: tuple[asyncpg.Pool, EventStore, str],
) -> None:
    pool, store, url = story_db
    forget_remembered()
    async with running_knowledge(pool, store, url) as caught_up:
        await caught_up()
        pillars = [
            PillarWeight(pillar="school_improvement", weight=3),
            PillarWeight(pillar="education", weight=2),
        ]
        result = await candidates_for(
            pool, urns=[100001], pillars=pillars, factors=FactorWeights(), limit=None
        )
        assert [c.trust_uid for c in result.candidates] == [COASTAL, DOWNS]
        coastal = result.candidates[0]
        assert coastal.assessment_ids == [A1]
        assert "Secure on School improvement (published 2026-01-10)" in coastal.reasons
        assert any(r.startswith("Nearest school 2.0 km away") for r in coastal.reasons)
        assert "1 schools in Hastings" in coastal.reasons
        assert [(e.trust_uid, e.reason_code) for e in result.excluded] == [(GONE, "trust_closed")]
        assert result.not_considered == {"single_academy_trusts": 1}
        # Asked at once, the same ranking is worked out once and shared.
        together = await asyncio.gather(
            *(
                candidates_for(pool, urns=[100001], pillars=pillars, factors=FactorWeights())
                for _ in range(5)
            )
        )
        assert all(r is together[0] for r in together)
        assert [c.trust_uid for c in together[0].candidates] == [COASTAL, DOWNS]
        encoded = await candidates_json_for(
            pool, urns=[100001], pillars=pillars, factors=FactorWeights()
        )
        assert encoded == together[0].model_dump_json().encode()
        # New events move the checkpoint, so the next answer is worked out afresh.
        await append_story(
            store,
            [
                (
                    f"assessment-{B1}",
                    [AssessmentWithdrawn(assessment_id=B1, trust_uid=DOWNS, was_published=True)],
                )
            ],
        )
        await caught_up()
        again = await candidates_for(
            pool, urns=[100001], pillars=pillars, factors=FactorWeights(), limit=None
        )
        assert again.candidates[1].band == "no_published_evidence"


async def test_the_warmer_loads_the_profiles_before_anyone_asks(
    story_db: tuple[asyncpg.Pool, EventStore, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pool, store, url = story_db
    forget_remembered()
    async with running_knowledge(pool, store, url) as caught_up:
        await caught_up()
        warmer = asyncio.create_task(keep_warm(pool, interval_s=0.01))
        try:
            await wait_until(lambda: _warmed(pool), what="the warmer to load every trust's profile")
        finally:
            warmer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await warmer

        # The first ranking only scores: it reads no profile.
        def no_loading(row: object) -> object:
            raise AssertionError("the first ranking loaded a profile")

        monkeypatch.setattr(candidate_service, "_profile", no_loading)
        result = await candidates_for(
            pool, urns=[100001], pillars=[], factors=FactorWeights(), limit=None
        )
        assert [c.trust_uid for c in result.candidates] == [COASTAL, DOWNS]


async def _warmed(pool: asyncpg.Pool) -> bool:
    uids = {r[0] for r in await pool.fetch("SELECT uid FROM commissioning_trust_profiles")}
    return any(set(m.by_uid) == uids for m in candidate_service._memories.values())


async def test_the_models_and_the_migration_agree(pool: asyncpg.Pool) -> None:
    for table in metadata.tables.values():
        rows = await pool.fetch(
            "SELECT column_name, is_nullable FROM information_schema.columns WHERE table_name = $1",
            table.name,
        )
        assert {r["column_name"]: r["is_nullable"] == "YES" for r in rows} == {
            c.name: bool(c.nullable) and not c.primary_key for c in table.columns
        }, table.name
    assert isinstance(metadata, sa.MetaData)
