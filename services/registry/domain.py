"""The registry's pure domain: school and trust state from events, and what a snapshot changes.

No I/O and no clock: a GIAS snapshot is compared with the state the log holds and the
result is the list of events, named as facts, that would bring the log up to date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from shared.contracts.registry import (
    FieldChange,
    JoinReason,
    LocalAuthorityTrustEstablished,
    OfstedInspectionRecorded,
    SchoolClosed,
    SchoolDetails,
    SchoolDetailsChanged,
    SchoolJoinedTrust,
    SchoolLeftTrust,
    SchoolLinkedToPredecessor,
    SchoolRegistered,
    SchoolTransferred,
    TrustClosed,
    TrustDetails,
    TrustDetailsChanged,
    TrustIncorporated,
)
from shared.contracts.trust_inspections import TrustInspectionRecorded
from shared.eventlog.contracts import EventContract

CLOSED = "Closed"

# How a school came to its trust, read from its establishment type code.
CONVERTER_TYPES = frozenset({"34", "42", "44", "45"})
SPONSORED_TYPES = frozenset({"28", "33", "43", "46", "57"})
FREE_SCHOOL_TYPES = frozenset({"35", "36", "38", "39", "40", "41"})


@dataclass(frozen=True, slots=True)
class SchoolState:
    """A school as the log knows it."""

    urn: int
    version: int = 0
    details: SchoolDetails | None = None
    trust_uid: int | None = None
    joined_on: date | None = None
    predecessors: frozenset[int] = frozenset()
    closed: bool = False
    inspections: frozenset[tuple[date, str]] = frozenset()


@dataclass(frozen=True, slots=True)
class TrustState:
    """A trust as the log knows it."""

    uid: int
    version: int = 0
    details: TrustDetails | None = None
    closed: bool = False
    founding_la: str | None = None
    # The references of Ofsted's inspections of the trust recorded so far.
    inspections: frozenset[str] = frozenset()


# Events of a school's or trust's stream that change nothing a snapshot is compared with
# (details, trust, predecessors, closed): a stream that has moved only by these since a GIAS
# row was last compared with it needs no new comparison.
SNAPSHOT_NEUTRAL_EVENTS: frozenset[str] = frozenset(
    {OfstedInspectionRecorded.type_name, TrustInspectionRecorded.type_name}
)


def evolve_school(state: SchoolState | None, event: EventContract) -> SchoolState:
    """The school after one more of its events."""
    # Every event of a school's stream names its URN, so any of them can start the state.
    s = SchoolState(urn=event.urn) if state is None else state  # type: ignore[attr-defined]
    s = replace(s, version=s.version + 1)
    match event:
        case SchoolRegistered(details=details):
            return replace(s, details=details, closed=details.status == CLOSED)
        case SchoolDetailsChanged(changes=changes):
            assert s.details is not None
            return replace(s, details=_apply(s.details, changes))
        case SchoolClosed():
            return replace(s, closed=True)
        case SchoolLinkedToPredecessor(predecessor_urn=urn):
            return replace(s, predecessors=s.predecessors | {urn})
        case SchoolJoinedTrust(trust_uid=uid, joined_on=joined):
            return replace(s, trust_uid=uid, joined_on=joined)
        case SchoolTransferred(to_trust_uid=uid, effective_on=joined):
            return replace(s, trust_uid=uid, joined_on=joined)
        case SchoolLeftTrust():
            return replace(s, trust_uid=None, joined_on=None)
        case OfstedInspectionRecorded(inspection_start=start, framework=framework):
            return replace(s, inspections=s.inspections | {(start, framework)})
        case _:
            return s


def evolve_trust(state: TrustState | None, event: EventContract) -> TrustState:
    """The trust after one more of its events."""
    # Every event of a trust's stream names its UID, so any of them can start the state.
    s = TrustState(uid=event.uid) if state is None else state  # type: ignore[attr-defined]
    s = replace(s, version=s.version + 1)
    match event:
        case TrustIncorporated(details=details):
            return replace(s, details=details, closed=details.status == CLOSED)
        case TrustDetailsChanged(changes=changes):
            assert s.details is not None
            return replace(s, details=_apply(s.details, changes))
        case TrustClosed():
            return replace(s, closed=True)
        case LocalAuthorityTrustEstablished(la_code=la):
            return replace(s, founding_la=la)
        case TrustInspectionRecorded(inspection_id=inspection_id):
            return replace(s, inspections=s.inspections | {inspection_id})
        case _:
            return s


def fold_school(
    events: Iterable[EventContract], state: SchoolState | None = None
) -> SchoolState | None:
    """The school from its events, oldest first (after ``state``, if given); None if none."""
    for event in events:
        state = evolve_school(state, event)
    return state


def fold_trust(
    events: Iterable[EventContract], state: TrustState | None = None
) -> TrustState | None:
    """The trust from its events, oldest first (after ``state``, if given); None if none."""
    for event in events:
        state = evolve_trust(state, event)
    return state


def _apply(details: Any, changes: list[FieldChange]) -> Any:
    data = details.model_dump(mode="json")
    for change in changes:
        data[change.field] = change.new
    return type(details).model_validate(data)


def _changes(old: Any, new: Any) -> list[FieldChange]:
    before = old.model_dump(mode="json")
    after = new.model_dump(mode="json")
    return [
        FieldChange(field=name, old=before[name], new=after[name])
        for name in after
        if before.get(name) != after[name]
    ]


def trust_snapshot_events(
    state: TrustState | None, uid: int, details: TrustDetails, snapshot: date
) -> list[EventContract]:
    """What a snapshot's row for a trust adds to the log."""
    events: list[EventContract] = []
    if state is None or state.details is None:
        events.append(TrustIncorporated(uid=uid, details=details, effective_on=snapshot))
        if details.status == CLOSED:
            events.append(TrustClosed(uid=uid, closed_on=details.closed_on or snapshot))
        return events
    changes = _changes(state.details, details)
    if changes:
        events.append(TrustDetailsChanged(uid=uid, changes=changes, effective_on=snapshot))
    if details.status == CLOSED and not state.closed:
        events.append(TrustClosed(uid=uid, closed_on=details.closed_on or snapshot))
    return events


def join_reason(details: SchoolDetails) -> JoinReason:
    """How a school most likely came to its trust, from its establishment type."""
    code = details.type_code or ""
    if code in CONVERTER_TYPES:
        return "conversion"
    if code in SPONSORED_TYPES:
        return "sponsorship"
    if code in FREE_SCHOOL_TYPES:
        return "free_school"
    return "reported_by_gias"


@dataclass(frozen=True)
class Membership:
    """A school's trust in a snapshot: GIAS gives the trust and a joined date, never a left date."""

    trust_uid: int
    joined_on: date | None


def school_snapshot_events(
    state: SchoolState | None,
    urn: int,
    details: SchoolDetails,
    membership: Membership | None,
    predecessors: list[tuple[int, str, date | None]],
    snapshot: date,
    closed_trusts: frozenset[int] = frozenset(),
) -> list[EventContract]:
    """What a snapshot's rows for one school add to the log, in the order they happened."""
    events: list[EventContract] = []
    known = state if state is not None and state.details is not None else None
    if known is None:
        events.append(SchoolRegistered(urn=urn, details=details, effective_on=snapshot))
        if details.status == CLOSED:
            events.append(
                SchoolClosed(
                    urn=urn, closed_on=details.close_date or snapshot, reason=details.close_reason
                )
            )
    else:
        assert known.details is not None
        changes = _changes(known.details, details)
        if changes:
            events.append(SchoolDetailsChanged(urn=urn, changes=changes, effective_on=snapshot))
        if details.status == CLOSED and not known.closed:
            events.append(
                SchoolClosed(
                    urn=urn, closed_on=details.close_date or snapshot, reason=details.close_reason
                )
            )
    linked = known.predecessors if known is not None else frozenset()
    for predecessor, link_type, established in predecessors:
        if predecessor not in linked:
            events.append(
                SchoolLinkedToPredecessor(
                    urn=urn,
                    predecessor_urn=predecessor,
                    link_type=link_type,
                    established_on=established,
                )
            )
            linked = linked | {predecessor}
    current = known.trust_uid if known is not None else None
    if membership is not None and membership.trust_uid != current:
        on = membership.joined_on or snapshot
        if current is None:
            events.append(
                SchoolJoinedTrust(
                    urn=urn,
                    trust_uid=membership.trust_uid,
                    joined_on=on,
                    reason=join_reason(details),
                )
            )
        else:
            events.append(
                SchoolTransferred(
                    urn=urn,
                    from_trust_uid=current,
                    to_trust_uid=membership.trust_uid,
                    effective_on=on,
                    reason="reported_by_gias",
                )
            )
    elif membership is None and current is not None:
        if current in closed_trusts:
            reason: Any = "trust_closure"
        elif details.status == CLOSED:
            reason = "school_closed"
        else:
            reason = "reported_by_gias"
        left_on = (
            details.close_date if reason == "school_closed" and details.close_date else snapshot
        )
        events.append(SchoolLeftTrust(urn=urn, trust_uid=current, left_on=left_on, reason=reason))
    return events
