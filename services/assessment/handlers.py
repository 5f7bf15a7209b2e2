"""Assessment commands: load the stream and its framework, decide, append at the version read.

Frameworks are read from their own streams (``framework-{id}``); a published version never
changes, so versions once read are kept in memory. Every append names the stream version
the decision was made on, so two people acting at once cannot both succeed unnoticed.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

from services.assessment import domain
from services.assessment.domain import Assessment
from services.assessment.errors import AssessmentNotFound, FrameworkNotFound
from services.assessment.frameworks import FrameworkDefinition, framework_version
from shared.authority.acting import authorize
from shared.authority.scope import Place, place_of_schools
from shared.contracts.assessment import FrameworkVersionPublished
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.errors import WrongExpectedVersion
from shared.eventlog.model import NO_STREAM, NewEvent
from shared.eventlog.store import EventStore
from shared.eventlog.unit import UnitOfWork

SEED_FILES: tuple[str, ...] = ("dfe_trust_quality_2023.json", "cst_strong_trust_2022.json")

# (framework_id, version) -> the published definition; immutable once in the log.
_framework_cache: dict[tuple[str, int], FrameworkVersionPublished] = {}


def new_id() -> str:
    """A fresh assessment or evidence id (uuid4 hex)."""
    return uuid.uuid4().hex


def framework_stream(framework_id: str) -> str:
    """The stream holding every version of one framework."""
    return f"framework-{framework_id}"


def assessment_stream(assessment_id: str) -> str:
    """The stream holding one assessment's lifecycle."""
    return f"assessment-{assessment_id}"


# --------------------------------------------------------------------------- frameworks


async def framework_versions(
    store: EventStore, framework_id: str
) -> list[FrameworkVersionPublished]:
    """Every published version of a framework, oldest first (empty if unknown)."""
    events = await store.read_stream(framework_stream(framework_id))
    out: list[FrameworkVersionPublished] = []
    for recorded in events:
        event = recorded.decode(store.registry)
        if isinstance(event, FrameworkVersionPublished):
            _framework_cache[(event.framework_id, event.framework_version)] = event
            out.append(event)
    return out


async def load_framework(
    store: EventStore, framework_id: str, version: int | None = None
) -> FrameworkVersionPublished:
    """One version of a framework (the latest when ``version`` is None), or FrameworkNotFound."""
    if version is not None:
        cached = _framework_cache.get((framework_id, version))
        if cached is not None:
            return cached
    versions = await framework_versions(store, framework_id)
    found = (
        versions[-1:]
        if version is None
        else [v for v in versions if v.framework_version == version]
    )
    if not found:
        what = framework_id if version is None else f"{framework_id} version {version}"
        raise FrameworkNotFound(
            f"no framework {what} has been published",
            extra={"framework_id": framework_id, "framework_version": version},
        )
    return found[0]


async def publish_framework(
    uow: UnitOfWork, definition: FrameworkDefinition
) -> FrameworkVersionPublished:
    """Publish ``definition`` as the framework's next version (a 409 if another wins the race).

    The version is cached only once read back: this one is not committed yet.
    """
    stream = framework_stream(definition.framework_id)
    current = len(await uow.read_stream(stream))
    event = framework_version(definition, current + 1)
    await uow.append(stream, [event], expected_version=current)
    return event


def seed_definitions() -> list[FrameworkDefinition]:
    """The seeded frameworks' definitions (DfE trust quality 2023, CST strong trust 2022)."""
    folder = resources.files("services.assessment.seeds")
    return [
        FrameworkDefinition.model_validate(
            json.loads(folder.joinpath(name).read_text(encoding="utf-8"))
        )
        for name in SEED_FILES
    ]


async def seed_frameworks(store: EventStore, *, actor: str = "system:seed") -> list[str]:
    """Publish version 1 of each seeded framework whose stream does not exist yet; returns ids seeded."""
    metadata = EventMetadata(actor=actor, reason="seeded framework")
    seeded: list[str] = []
    for definition in seed_definitions():
        event = framework_version(definition, 1)
        try:
            await store.append(
                framework_stream(event.framework_id),
                [NewEvent(event, metadata)],
                expected_version=NO_STREAM,
            )
        except WrongExpectedVersion:
            continue  # already seeded (or published by hand): leave it alone
        seeded.append(event.framework_id)
    return seeded


# --------------------------------------------------------------------------- assessments


@dataclass(frozen=True)
class Loaded:
    """An assessment's state and the framework version it is bound to."""

    state: Assessment
    framework: FrameworkVersionPublished


# An assessment is where its trust is: the trust's open schools, as the indicators know them.
_TRUST_SCHOOLS_SQL = """
SELECT region_code, la_code FROM assessment_indicator_schools
 WHERE trust_uid = $1 AND status <> 'Closed'
"""


async def trust_place(conn: Any, trust_uid: int) -> Place:
    """Where a trust is, for who may assess it: the region most of its open schools are in."""
    rows = await conn.fetch(_TRUST_SCHOOLS_SQL, trust_uid)
    return place_of_schools((r["region_code"], r["la_code"]) for r in rows)


async def load_assessment(source: EventStore | UnitOfWork, assessment_id: str) -> Loaded:
    """Fold an assessment's stream; AssessmentNotFound if it has none.

    Loaded in a write's unit of work, the caller's authority over it is checked here, where
    its trust (and so its place) is first known.
    """
    stream = assessment_stream(assessment_id)
    # In a unit of work it is the assessment being changed: a stale If-Match is refused first.
    recorded = await (
        source.read_for_change(stream)
        if isinstance(source, UnitOfWork)
        else source.read_stream(stream)
    )
    state = domain.fold(r.decode(source.registry) for r in recorded)
    if state is None:
        raise AssessmentNotFound(f"no assessment {assessment_id}")
    if isinstance(source, UnitOfWork):
        authorize(source, await trust_place(source.conn, state.trust_uid))
    store = source if isinstance(source, EventStore) else source.store
    framework = await load_framework(store, state.framework_id, state.framework_version)
    return Loaded(state, framework)


async def start_assessment(
    uow: UnitOfWork,
    *,
    trust_uid: int,
    framework_id: str,
    framework_version: int | None,
    purpose: str | None,
) -> tuple[str, FrameworkVersionPublished]:
    """Begin an assessment; returns its id and the framework version it is bound to."""
    authorize(uow, await trust_place(uow.conn, trust_uid))
    framework = await load_framework(uow.store, framework_id, framework_version)
    assessment_id = new_id()
    command = domain.StartAssessment(
        assessment_id=assessment_id,
        trust_uid=trust_uid,
        assessor=uow.metadata.actor,
        purpose=purpose,
    )
    events = domain.start(framework, command)
    await uow.append(assessment_stream(assessment_id), events, expected_version=NO_STREAM)
    return assessment_id, framework


async def execute(uow: UnitOfWork, assessment_id: str, command: domain.Command) -> Assessment:
    """Decide ``command`` on the assessment and append; returns the state after it.

    The append is made at the version the caller read (If-Match), so a decision made on
    anything older is refused.
    """
    loaded = await load_assessment(uow, assessment_id)
    events = domain.decide(loaded.state, loaded.framework, command)
    await uow.append(
        assessment_stream(assessment_id), events, expected_version=uow.expect(loaded.state.version)
    )
    after = domain.fold(events, loaded.state)
    assert after is not None  # folded onto a state, never None
    return after


async def publish(uow: UnitOfWork, assessment_id: str, *, today: date) -> Assessment:
    """Publish a moderated assessment, superseding the trust's currently published one.

    Returns the state after it (``supersedes`` names the one superseded). A transaction-
    scoped advisory lock per trust makes two publications for one trust take turns, so each
    names the other correctly.
    """
    loaded = await load_assessment(uow, assessment_id)
    await uow.conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext('assessment-publish'), $1)",
        loaded.state.trust_uid,
    )
    current = await current_publication(uow.conn, loaded.state.trust_uid)
    # Re-read under the lock: the assessment itself may have moved since.
    loaded = await load_assessment(uow, assessment_id)
    events = domain.decide(
        loaded.state, loaded.framework, domain.Publish(today=today, current=current)
    )
    await uow.append(
        assessment_stream(assessment_id), events, expected_version=uow.expect(loaded.state.version)
    )
    after = domain.fold(events, loaded.state)
    assert after is not None  # folded onto a state, never None
    return after


# The trust's standing publication, read from the log itself (not a read model) so that it
# is exact at the moment of publishing: the latest AssessmentPublished for the trust whose
# assessment has no AssessmentWithdrawn.
_CURRENT_PUBLICATION_SQL = """
SELECT p.data->>'assessment_id' FROM events p
 WHERE p.category = 'assessment' AND p.event_type = 'assessment.AssessmentPublished'
   AND (p.data->>'trust_uid')::int = $1
   AND NOT EXISTS (
       SELECT 1 FROM events w
        WHERE w.stream_id = p.stream_id AND w.event_type = 'assessment.AssessmentWithdrawn'
   )
 ORDER BY p.position DESC
 LIMIT 1
"""


async def current_publication(conn: Any, trust_uid: int) -> str | None:
    """The id of the trust's latest published assessment that has not been withdrawn."""
    value = await conn.fetchval(_CURRENT_PUBLICATION_SQL, trust_uid)
    return None if value is None else str(value)
