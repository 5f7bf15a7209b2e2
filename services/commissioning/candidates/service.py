"""Load what a shortlist needs in a few queries, rank it, and remember the answer.

Every open trust's profile is one row kept precomputed by the knowledge projection, so a
ranking is: the projection's checkpoint, the active interventions, the case's schools, and
(only when the checkpoint moved) the trust profiles written since; the scoring is done in
Python.
Rankings are deterministic for the same events, weights and day, so each process keeps the
last few, keyed by exactly those: the knowledge checkpoint, the active interventions, the
case's URNs, weights and limit, and today's date.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg
import orjson

from services.commissioning.candidates.constraints import Constraints
from services.commissioning.candidates.ranking import (
    ActiveIntervention,
    Judgement,
    MemberSchool,
    PublishedAssessment,
    TrustProfile,
    rank_candidates,
)
from services.commissioning.candidates.schemas import CandidateList, ConcernWarning
from services.commissioning.knowledge.facts import school_facts
from services.commissioning.knowledge.projection import CONSUMER_NAME
from shared.clock import today_in_england
from shared.contracts.commissioning import FactorWeights, PillarWeight
from shared.errors import UnprocessableContent

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 10
EXCLUDED_LIMIT = 200
_RESULTS_KEPT = 128

# One round trip for what every request needs: where the knowledge projection is, the
# active interventions (from the cases side's read model) and the open red or red-plus
# concerns (from the concerns' own).
_STATE_SQL = """
SELECT concat_ws(':', inet_server_addr(), inet_server_port(), current_database()) AS database,
       (SELECT era::text || ':' || tx_id::text || ':' || position::text
          FROM subscriptions WHERE name = $1) AS checkpoint,
       (SELECT coalesce(json_agg(json_build_object(
                 'id', intervention_id, 'kind', kind, 'uid', trust_uid, 'on', issued_on)
               ORDER BY intervention_id), '[]')
          FROM commissioning_interventions WHERE active)::text AS interventions,
       (SELECT coalesce(json_agg(json_build_object(
                 'id', concern_id, 'uid', trust_uid, 'type', concern_type, 'rag', rag,
                 'on', opened_on) ORDER BY trust_uid, concern_id), '[]')
          FROM commissioning_trust_concerns
         WHERE status <> 'closed' AND rag IN ('red', 'red_plus'))::text AS concerns
"""
# Only the profiles written since this process last looked: one consumer writes them, one
# transaction after another, so revisions become visible in order and none is skipped.
_PROFILES_SQL = """
SELECT uid, name, trust_type, closed, schools::text AS schools, joined_below_good, improved,
       assessment::text AS assessment, revision
  FROM commissioning_trust_profiles
 WHERE revision > $1
"""


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _profile(row: asyncpg.Record) -> TrustProfile:
    # Positionally, in MemberSchool's order: done for every school of every trust on a load.
    schools = tuple(
        MemberSchool(
            s["urn"],
            s["la"],
            s["la_name"],
            s["district"],
            s["region"],
            s["phase"],
            s["e"],
            s["n"],
            s["faith"],
            s["diocese"],
            None if s["joined"] is None else date.fromisoformat(s["joined"]),
        )
        for s in orjson.loads(row["schools"])
    )
    assessment = None
    if row["assessment"] is not None:
        a = orjson.loads(row["assessment"])
        assessment = PublishedAssessment(
            assessment_id=a["assessment_id"],
            published_on=date.fromisoformat(a["published_on"]),
            judgements={
                j["pillar"]: Judgement(j["pillar"], j["pillar_name"], j["descriptor"])
                for j in a["judgements"]
            },
        )
    return TrustProfile(
        uid=row["uid"],
        name=row["name"],
        trust_type=row["trust_type"],
        closed=row["closed"],
        schools=schools,
        joined_below_good=row["joined_below_good"],
        improved=row["improved"],
        assessment=assessment,
    )


class _Memory:
    """This process's last profiles and rankings, keyed by the knowledge checkpoint."""

    def __init__(self) -> None:
        self.checkpoint: str | None = None
        self.revision = 0  # the newest profile revision loaded
        self.by_uid: dict[int, TrustProfile] = {}
        self.profiles: list[TrustProfile] = []
        # Each ranking with its JSON, encoded the first time someone asks for it.
        self.results: OrderedDict[tuple[Any, ...], tuple[CandidateList, bytes | None]] = (
            OrderedDict()
        )
        # Rankings being worked out: concurrent requests for the same one wait for it
        # rather than each working it out again.
        self.pending: dict[tuple[Any, ...], asyncio.Future[CandidateList]] = {}
        # One reload of the profiles at a time (a request's, or the warmer's).
        self.loading = asyncio.Lock()

    async def catch_up(self, conn: asyncpg.Connection | asyncpg.Pool, checkpoint: str) -> None:
        """Load the profiles written since this memory last looked, if the knowledge
        projection has moved on (``checkpoint`` read before this is called)."""
        async with self.loading:
            if self.checkpoint == checkpoint:
                return
            # A new event reached the knowledge projection: reload just the trusts it touched.
            changed = await conn.fetch(_PROFILES_SQL, self.revision)
            for row in changed:
                self.by_uid[row["uid"]] = _profile(row)
            if changed:
                self.revision = max(self.revision, max(r["revision"] for r in changed))
                self.profiles = [self.by_uid[uid] for uid in sorted(self.by_uid)]
            self.checkpoint = checkpoint
            self.results.clear()


# One memory per database: a process (a test run, say) may serve more than one, and
# profile revisions only mean something within their own database.
_memories: dict[str, _Memory] = {}


def forget_remembered() -> None:
    """Drop this process's remembered profiles and rankings."""
    _memories.clear()


def _concerns(text: str) -> tuple[tuple[int, ConcernWarning], ...]:
    return tuple(
        (
            c["uid"],
            ConcernWarning(
                concern_id=c["id"],
                concern_type=c["type"],
                rag=c["rag"],
                opened_on=date.fromisoformat(c["on"]),
            ),
        )
        for c in orjson.loads(text)
    )


def _interventions(text: str) -> tuple[ActiveIntervention, ...]:
    return tuple(
        ActiveIntervention(i["id"], i["uid"], i["kind"], _day(i["on"])) for i in orjson.loads(text)
    )


def _by_trust(
    concerns: tuple[tuple[int, ConcernWarning], ...],
) -> dict[int, list[ConcernWarning]]:
    by_trust: dict[int, list[ConcernWarning]] = {}
    for uid, concern in concerns:
        by_trust.setdefault(uid, []).append(concern)
    return by_trust


async def _ranked(
    conn: asyncpg.Connection | asyncpg.Pool,
    urns: Sequence[int],
    pillars: Sequence[PillarWeight],
    factors: FactorWeights,
    limit: int | None,
    today: date | None,
    constraints: Constraints | None = None,
) -> tuple[_Memory, tuple[Any, ...], CandidateList]:
    day = today or today_in_england()
    # The checkpoint first: profiles read after it are at least as new, never older.
    state = await conn.fetchrow(_STATE_SQL, CONSUMER_NAME)
    assert state is not None
    checkpoint = state["checkpoint"] or "0:0:0"
    interventions = _interventions(state["interventions"])
    concerns = _concerns(state["concerns"])
    key = (
        checkpoint,
        tuple(sorted(set(urns))),
        tuple((p.pillar, p.weight, tuple(p.themes)) for p in pillars),
        tuple(factors.model_dump().values()),
        limit,
        day,
        interventions,
        concerns,
        constraints,
    )
    memory = _memories.setdefault(state["database"], _Memory())
    found = memory.results.get(key)
    if found is not None:
        memory.results.move_to_end(key)
        return memory, key, found[0]
    pending = memory.pending.get(key)
    if pending is not None:
        return memory, key, await asyncio.shield(pending)
    future: asyncio.Future[CandidateList] = asyncio.get_running_loop().create_future()
    memory.pending[key] = future
    try:
        case = await school_facts(conn, urns)
        if not case:
            raise UnprocessableContent(
                "None of the case's schools is known from the registry's events yet.",
                extra={"urns": list(urns)},
            )
        await memory.catch_up(conn, checkpoint)
        result = rank_candidates(
            case=list(case.values()),
            trusts=memory.profiles,
            interventions=interventions,
            pillars=pillars,
            factors=factors,
            today=day,
            limit=limit,
            excluded_limit=EXCLUDED_LIMIT,
            constraints=constraints,
            concerns=_by_trust(concerns),
        )
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: nobody may be waiting
        raise
    finally:
        memory.pending.pop(key, None)
    future.set_result(result)
    memory.results[key] = (result, None)
    if len(memory.results) > _RESULTS_KEPT:
        memory.results.popitem(last=False)
    return memory, key, result


async def keep_warm(pool: asyncpg.Pool, *, interval_s: float = 1.0) -> None:
    """Keep this process's trust profiles as new as the knowledge projection, for good.

    Loading every profile costs a ranking several times what scoring them does; done here,
    in the background from start-up on, the first ranking a caseworker asks for after a
    start (or after an import rewrote many profiles) only scores.
    """
    while True:
        try:
            state = await pool.fetchrow(_STATE_SQL, CONSUMER_NAME)
            if state is not None:
                memory = _memories.setdefault(state["database"], _Memory())
                await memory.catch_up(pool, state["checkpoint"] or "0:0:0")
        except asyncio.CancelledError:
            raise
        except Exception:  # the database may be away for a while: the next look will do
            log.warning("could not bring the trust profiles up to date", exc_info=True)
        await asyncio.sleep(interval_s)


async def candidates_for(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    urns: Sequence[int],
    pillars: Sequence[PillarWeight],
    factors: FactorWeights,
    limit: int | None = DEFAULT_LIMIT,
    today: date | None = None,
    constraints: Constraints | None = None,
) -> CandidateList:
    """The ranked, explained trusts that could take ``urns``; the first ``limit`` (None: all)."""
    _, _, result = await _ranked(conn, urns, pillars, factors, limit, today, constraints)
    return result


async def candidates_json_for(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    urns: Sequence[int],
    pillars: Sequence[PillarWeight],
    factors: FactorWeights,
    limit: int | None = DEFAULT_LIMIT,
    today: date | None = None,
    constraints: Constraints | None = None,
) -> bytes:
    """``candidates_for`` as JSON bytes, encoded once per ranking (for a route to send as is)."""
    memory, key, result = await _ranked(conn, urns, pillars, factors, limit, today, constraints)
    entry = memory.results.get(key)
    if entry is not None and entry[1] is not None:
        return entry[1]
    encoded = result.model_dump_json().encode()
    if entry is not None:
        memory.results[key] = (result, encoded)
    return encoded
