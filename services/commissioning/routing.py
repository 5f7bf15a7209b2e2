"""What every commissioning route shares: the steps they take, reading within scope, paging
(the pool and the date are ``shared.http.deps``'; writing, If-Match and ETags are
``shared.http.writes``'; who may take each step, and where, is the authority table,
``services/commissioning/policies/authority/``)."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import Query

from services.commissioning import handlers
from services.commissioning.schemas import Written
from shared.authority.acting import Acting
from shared.authority.rules import Referral
from shared.authority.scope import Place
from shared.contracts.commissioning import CaseReferred, DecisionChallenged
from shared.eventlog.store import EventStore
from shared.http.steps import change, create, step
from shared.http.writes import Answer, WriteRequest

# Reads: a case or an intervention is read where the caller acts (``read_case``).
CaseReader = Annotated[Acting, step("commissioning.cases.read")]
InterventionReader = Annotated[Acting, step("commissioning.interventions.read")]
AreaReader = Annotated[Acting, step("commissioning.areas.read")]
DelegationReader = Annotated[Acting, step("commissioning.delegations.read")]
# Writes, one step each.
OpenCase = Annotated[WriteRequest, create("commissioning.cases.open")]
SetCriteria = Annotated[WriteRequest, change("commissioning.cases.set_criteria")]
Shortlist = Annotated[WriteRequest, change("commissioning.cases.shortlist")]
ScheduleBoard = Annotated[WriteRequest, change("commissioning.cases.schedule_board")]
DecideCase = Annotated[WriteRequest, change("commissioning.cases.decide")]
ReferCase = Annotated[WriteRequest, change("commissioning.cases.refer")]
ChangeSignificantDate = Annotated[
    WriteRequest, change("commissioning.cases.change_significant_date")
]
CloseCase = Annotated[WriteRequest, change("commissioning.cases.close")]
IssueNotice = Annotated[WriteRequest, create("commissioning.interventions.issue")]
ChangeNoticeStatus = Annotated[WriteRequest, change("commissioning.interventions.change_status")]
Delegate = Annotated[WriteRequest, create("commissioning.delegations.grant")]
RevokeDelegation = Annotated[WriteRequest, change("commissioning.delegations.revoke")]

Limit = Annotated[int, Query(ge=1, le=200, description="Items per page.")]
Cursor = Annotated[
    str | None, Query(max_length=100, description="The `next_cursor` of the previous page.")
]
Within = Annotated[
    Literal["mine", "all"],
    Query(
        alias="scope",
        description="`mine` (the default): what is where you act, and what was referred to"
        " you. `all`: besides, whatever is published anywhere (a national scope sees"
        " everything either way; nothing unpublished from elsewhere is ever listed).",
    ),
]


def written(result: handlers.Written, **headers: str) -> Answer:
    """A change's answer: the stream and its new version, which is also the ETag."""
    return Answer(
        Written(id=result.id, version=result.version), version=result.version, headers=headers
    )


async def check_case_read(
    acting: Acting, store: EventStore, case_id: str, place: Place
) -> Referral | None:
    """403 unless the caller may read the case: where they act, or referred to them; the
    case's referral, if it has one."""
    referral = await referral_of(store, case_id)
    acting.check(place, referral=referral)
    return referral


_REFERRAL_SQL = """
SELECT event_type, schema_version, data::text AS data FROM events
 WHERE stream_id = $1
   AND event_type IN ('commissioning.CaseReferred', 'commissioning.DecisionChallenged')
 ORDER BY stream_version DESC LIMIT 1
"""


async def referral_of(store: EventStore, case_id: str) -> Referral | None:
    """The case's current referral, read from its stream (the read model has none): its
    latest referral, or escalation or challenge of its decision."""
    row = await store.pool.fetchrow(_REFERRAL_SQL, f"case-{case_id}")
    if row is None:
        return None
    event = store.registry.decode(row["event_type"], row["schema_version"], json.loads(row["data"]))
    if isinstance(event, DecisionChallenged):
        return Referral(
            to_subject=event.referred_to,
            capacity=event.capacity,
            region=event.to_region_code,
            reason_category="other",
            referred_on=event.challenged_on,
        )
    assert isinstance(event, CaseReferred)
    return Referral(
        to_subject=event.referred_to,
        capacity=event.capacity,
        region=event.to_region_code,
        reason_category=event.reason_category,
        referred_on=event.referred_on,
    )
