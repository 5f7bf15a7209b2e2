"""Notices against trusts, as commands: issue one (a termination notice against an academy
opens its rebrokerage case in the same unit of work) and move one along, each checked
against where the notice is, and the ``intervention`` policy version it follows, before
anything is decided. The version is read as school interventions read it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.commissioning.authority import intervention_place
from services.commissioning.domain import cases, interventions
from services.commissioning.domain.interventions import InterventionState
from services.commissioning.handlers import Db, Written, new_id, school_places
from services.commissioning.interventions.policy import FIXED_NOTICES, NoticeRules
from services.commissioning.knowledge import trust_fact
from services.commissioning.policy_book import POLICIES
from services.commissioning.school_interventions.handlers import policy_version
from services.commissioning.school_interventions.policy import (
    INTERVENTION_POLICY,
    InterventionPolicy,
)
from shared.authority.acting import authorize
from shared.errors import NotFound
from shared.eventlog.contracts import EventContract
from shared.eventlog.model import NO_STREAM, ExpectedVersion
from shared.eventlog.store import EventStore
from shared.eventlog.unit import UnitOfWork
from shared.policy.store import PolicyNotInForce, policy_in_force


async def load_intervention(
    source: EventStore | UnitOfWork, intervention_id: str
) -> InterventionState | None:
    """The intervention as its stream tells it, or None."""
    recorded = await source.read_stream(f"intervention-{intervention_id}")
    return interventions.fold(e.decode(source.registry) for e in recorded)


async def rules_in_force(uow: UnitOfWork, on: date) -> tuple[NoticeRules, int | None]:
    """The notice rules in force on ``on`` and the version giving them.

    A version without a ``notices`` section (version 1) keeps the rules fixed before the
    ladder was data; a notice dated before any version took effect follows those too, with
    no version to record.
    """
    try:
        found = await policy_in_force(uow, POLICIES, INTERVENTION_POLICY, on, InterventionPolicy)
    except PolicyNotInForce:
        return FIXED_NOTICES, None
    return found.document.notices or FIXED_NOTICES, found.number


async def rules_of(uow: UnitOfWork, version: int | None) -> NoticeRules:
    """The notice rules of the version a notice follows (None: the fixed rules)."""
    if version is None:
        return FIXED_NOTICES
    return (await policy_version(uow, version)).notices or FIXED_NOTICES


@dataclass(frozen=True, slots=True)
class Issued:
    """A new intervention, and the rebrokerage case it opened if it was a termination notice."""

    intervention_id: str
    case_id: str | None
    version: int


async def issue_intervention(
    uow: UnitOfWork,
    *,
    cmd: interventions.IssueIntervention,
    today: date,
) -> Issued:
    """Issue a notice; a termination notice against an academy also opens its rebrokerage
    case, in the same transaction, so there is never one without the other."""
    trust = await trust_fact(uow.conn, cmd.trust_uid)
    places = await school_places(uow.conn, [cmd.urn]) if cmd.urn is not None else {}
    school = places.get(cmd.urn) if cmd.urn is not None else None
    # A notice is where its academy is, or its trust when it names no academy.
    authorize(uow, await intervention_place(uow.conn, trust_uid=cmd.trust_uid, urn=cmd.urn))
    earlier = (
        await load_intervention(uow, cmd.escalated_from) if cmd.escalated_from is not None else None
    )
    rules, version = await rules_in_force(uow, cmd.issued_on)
    events = interventions.issue(
        cmd,
        rules=rules,
        version=version,
        today=today,
        trust_known=trust is not None,
        school_trust_uid=school.trust_uid if school is not None else None,
        escalated_from=earlier,
    )
    appends: list[_Append] = [(f"intervention-{cmd.intervention_id}", events, NO_STREAM)]
    opened = interventions.rebrokerage_case(
        intervention_id=cmd.intervention_id,
        kind=cmd.kind,
        urn=cmd.urn,
        status=cmd.status,
        on=cmd.issued_on,
        case_id=new_id(),
    )
    if opened is not None:
        appends.append(await _open_rebrokerage(uow.conn, opened))
    results = await uow.append_streams(appends)
    return Issued(
        cmd.intervention_id, None if opened is None else opened.case_id, results[0].last_version
    )


_Append = tuple[str, Sequence[EventContract], ExpectedVersion]


async def _open_rebrokerage(db: Db, cmd: cases.OpenCase) -> _Append:
    # Appended with the intervention's events, in one transaction, so there is never a
    # termination notice without its rebrokerage case or the other way round.
    opened = cases.open_case(cmd, await school_places(db, cmd.urns))
    return (f"case-{cmd.case_id}", opened, NO_STREAM)


async def change_intervention_status(
    uow: UnitOfWork,
    *,
    intervention_id: str,
    cmd: interventions.ChangeStatus,
    today: date,
) -> Written:
    """Move an intervention to a new status, as decided by whom the command names."""
    recorded = await uow.read_for_change(f"intervention-{intervention_id}")
    state = interventions.fold(e.decode(uow.registry) for e in recorded)
    if state is None:
        raise NotFound(f"There is no intervention {intervention_id}.")
    authorize(uow, await intervention_place(uow.conn, trust_uid=state.trust_uid, urn=state.urn))
    events = interventions.change_status(
        state, cmd, rules=await rules_of(uow, state.policy_version), today=today
    )
    appends: list[_Append] = [
        (f"intervention-{intervention_id}", events, uow.expect(state.version))
    ]
    opened = interventions.rebrokerage_case(
        intervention_id=intervention_id,
        kind=state.kind,
        urn=state.urn,
        status=cmd.status,
        on=cmd.effective_on,
        case_id=new_id(),
    )
    if opened is not None:
        appends.append(await _open_rebrokerage(uow.conn, opened))
    results = await uow.append_streams(appends)
    return Written(intervention_id, results[0].last_version)
