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
from shared.contracts.assessment import FrameworkVersionPublished
from shared.errors import PreconditionFailed
from shared.eventlog.contracts import EventContract, EventMetadata
from shared.eventlog.errors import WrongExpectedVersion
from shared.eventlog.model import NO_STREAM, NewEvent
from shared.eventlog.store import EventStore
from shared.http.writes import if_match_guard

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
    store: EventStore, definition: FrameworkDefinition, metadata: EventMetadata
) -> FrameworkVersionPublished:
    """Publish ``definition`` as the framework's next version (a 409 if another wins the race)."""
    stream = framework_stream(definition.framework_id)
    current = await store.stream_version(stream)
    event = framework_version(definition, current + 1)
    await store.append(stream, [NewEvent(event, metadata)], expected_version=current)
    _framework_cache[(event.framework_id, event.framework_version)] = event
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


async def load_assessment(store: EventStore, assessment_id: str) -> Loaded:
    """Fold an assessment's stream; AssessmentNotFound if it has none."""
    recorded = await store.read_stream(assessment_stream(assessment_id))
    state = domain.fold(r.decode(store.registry) for r in recorded)
    if state is None:
        raise AssessmentNotFound(f"no assessment {assessment_id}")
    framework = await load_framework(store, state.framework_id, state.framework_version)
    return Loaded(state, framework)


async def start_assessment(
    store: EventStore,
    *,
    trust_uid: int,
    framework_id: str,
    framework_version: int | None,
    purpose: str | None,
    metadata: EventMetadata,
) -> tuple[str, FrameworkVersionPublished]:
    """Begin an assessment; returns its id and the framework version it is bound to."""
    framework = await load_framework(store, framework_id, framework_version)
    assessment_id = new_id()
    command = domain.StartAssessment(
        assessment_id=assessment_id,
        trust_uid=trust_uid,
        assessor=metadata.actor,
        purpose=purpose,
    )
    events = domain.start(framework, command)
    await _append(store, assessment_id, events, metadata, NO_STREAM)
    return assessment_id, framework


async def execute(
    store: EventStore,
    assessment_id: str,
    command: domain.Command,
    metadata: EventMetadata,
    *,
    if_match: int | None = None,
) -> Assessment:
    """Decide ``command`` on the assessment and append; returns the state after it.

    With ``if_match`` the decision must be made on exactly that version (412 otherwise).
    """
    loaded = await load_assessment(store, assessment_id)
    if if_match is not None and if_match != loaded.state.version:
        raise PreconditionFailed(
            f"assessment {assessment_id} is at version {loaded.state.version}, not {if_match};"
            " re-read it and try again",
            extra={"current_version": loaded.state.version},
        )
    events = domain.decide(loaded.state, loaded.framework, command)
    if if_match is None:
        # A concurrent change between our read and append is a 409 from the store.
        await _append(store, assessment_id, events, metadata, loaded.state.version)
    else:
        with if_match_guard():
            await _append(store, assessment_id, events, metadata, loaded.state.version)
    after = domain.fold(events, loaded.state)
    assert after is not None  # folded onto a state, never None
    return after


async def publish(
    store: EventStore, assessment_id: str, metadata: EventMetadata, *, today: date
) -> Assessment:
    """Publish a moderated assessment, superseding the trust's currently published one.

    Returns the state after it (``supersedes`` names the one superseded). A transaction-scoped advisory lock per
    trust makes two publications for one trust take turns, so each names the other correctly.
    """
    loaded = await load_assessment(store, assessment_id)
    async with store.transaction() as conn:
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext('assessment-publish'), $1)",
            loaded.state.trust_uid,
        )
        current = await current_publication(conn, loaded.state.trust_uid)
        # Re-read under the lock: the assessment itself may have moved since.
        loaded = await load_assessment(store, assessment_id)
        events = domain.decide(
            loaded.state, loaded.framework, domain.Publish(today=today, current=current)
        )
        await store.append(
            assessment_stream(assessment_id),
            [NewEvent(e, metadata) for e in events],
            expected_version=loaded.state.version,
            conn=conn,
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


async def _append(
    store: EventStore,
    assessment_id: str,
    events: list[EventContract],
    metadata: EventMetadata,
    expected: Any,
) -> int:
    result = await store.append(
        assessment_stream(assessment_id),
        [NewEvent(e, metadata) for e in events],
        expected_version=expected,
    )
    return result.last_version
