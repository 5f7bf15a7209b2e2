"""The registry's answer to an approval, as commissioning sees it, and the case's audit trail.

The registry's part is played here by appending its published events the way its scheduler
does (decision_reference = the decision, causation = the TransferApproved event); the story
across all three running services is the lead's test.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg
import httpx

from shared.contracts.registry import (
    SchoolJoinedTrust,
    SchoolTransferred,
    TransferRejected,
    TransferScheduled,
)
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import NewEvent
from shared.eventlog.store import EventStore
from shared.http.auth import Role
from shared.settings import Settings
from tests.commissioning.conftest import (
    at_version,
    bearer,
    known,
    register_school,
    register_trust,
)
from tests.commissioning.test_cases_api import approval, case_when, open_case, to_the_board

SIGNIFICANT = date(2027, 1, 1)


async def approved(
    client: httpx.AsyncClient,
    settings: Settings,
    log: EventStore,
    pool: asyncpg.Pool,
    *,
    schools: int = 1,
) -> tuple[str, list[int], int, str, UUID, EventMetadata]:
    """A case for new schools approved to join a trust: (case, urns, trust, decision, the
    TransferApproved event id, the registry's metadata for its reaction)."""
    trust = await register_trust(log, "Chosen Trust")
    member = await register_school(log, trust_uid=trust)
    urns = [await register_school(log) for _ in range(schools)]
    await known(pool, urns=[*urns, member], uids=[trust])
    case_id = await open_case(client, settings, urns)
    await to_the_board(client, settings, case_id, [trust])
    decided = await client.post(
        f"/cases/{case_id}/decision",
        json=approval(trust),
        headers=await at_version(
            client, settings, f"/cases/{case_id}", bearer(settings, Role.DECISION_MAKER, "dora")
        ),
    )
    assert decided.status_code == 200, decided.text
    [transfer] = [
        e for e in await log.read_stream(f"case-{case_id}") if e.type.endswith("TransferApproved")
    ]
    registry = transfer.meta.caused_by(transfer.event_id, actor="system:registry-scheduler")
    return case_id, urns, trust, transfer.data["decision_id"], transfer.event_id, registry


async def schedule(
    log: EventStore,
    case_id: str,
    decision_id: str,
    urns: list[int],
    trust: int,
    meta: EventMetadata,
) -> None:
    await log.append(
        f"transfer-{decision_id}",
        [
            NewEvent(
                TransferScheduled(
                    decision_id=decision_id,
                    case_id=case_id,
                    urns=urns,
                    to_trust_uid=trust,
                    significant_date=SIGNIFICANT,
                ),
                meta,
            )
        ],
        expected_version="any",
    )


async def join(
    log: EventStore, urn: int, trust: int, decision_id: str, meta: EventMetadata
) -> None:
    await log.append(
        f"school-{urn}",
        [
            NewEvent(
                SchoolJoinedTrust(
                    urn=urn,
                    trust_uid=trust,
                    joined_on=SIGNIFICANT,
                    reason="conversion",
                    decision_reference=decision_id,
                ),
                meta,
            )
        ],
        expected_version="any",
    )


async def test_the_case_completes_when_the_registry_has_moved_every_school(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    case_id, urns, trust, decision_id, approved_id, meta = await approved(
        commissioning, settings, log, pool, schools=2
    )
    await schedule(log, case_id, decision_id, urns, trust, meta)
    await case_when(commissioning, settings, case_id, status="transfer_scheduled")

    await join(log, urns[0], trust, decision_id, meta)
    case = await case_when(commissioning, settings, case_id, status="transfer_scheduled")
    await case_when(
        commissioning, settings, case_id, transfer={**case["transfer"], "applied_urns": [urns[0]]}
    )
    # A school moved under some other decision does not count towards this one.
    await join(log, urns[1], trust, "f" * 32, meta)
    await join(log, urns[1], trust, decision_id, meta)
    case = await case_when(commissioning, settings, case_id, status="completed")
    assert case["completed_on"] == SIGNIFICANT.isoformat()
    assert sorted(case["transfer"]["applied_urns"]) == sorted(urns)

    stream = await log.read_stream(f"case-{case_id}")
    completed = [e for e in stream if e.type == "commissioning.CaseCompleted"]
    assert len(completed) == 1
    [moved_last] = [
        e
        for e in await log.read_stream(f"school-{urns[1]}")
        if e.type == SchoolJoinedTrust.type_name and e.data["decision_reference"] == decision_id
    ]
    assert completed[0].meta.causation_id == moved_last.event_id
    assert completed[0].meta.actor == "system:commissioning"
    assert completed[0].meta.correlation_id == meta.correlation_id

    # The audit trail: the case's steps, what the registry did because of them, in log order.
    trail = await commissioning.get(
        f"/cases/{case_id}/audit", headers=bearer(settings, Role.AUDITOR, "audrey")
    )
    assert trail.status_code == 200, trail.text
    entries = trail.json()["entries"]
    types = [e["type"] for e in entries]
    assert types[:1] == ["commissioning.CaseOpened"] and types[-1] == "commissioning.CaseCompleted"
    for expected in (
        "commissioning.CaseShortlisted",
        "commissioning.AdvisoryBoardScheduled",
        "commissioning.DecisionRecorded",
        "commissioning.TransferApproved",
        "registry.TransferScheduled",
        "registry.SchoolJoinedTrust",
    ):
        assert expected in types, expected
    assert [e["position"] for e in entries] == sorted(e["position"] for e in entries)
    joined = [e for e in entries if e["type"] == "registry.SchoolJoinedTrust"]
    # The join under another decision was caused by the same TransferApproved here (the test
    # reuses the metadata), so it is in the trail too: the trail follows ids, not data.
    assert {e["stream"] for e in joined} == {f"school-{u}" for u in urns}
    assert all(e["via"] == "causation" and e["causation_id"] == str(approved_id) for e in joined)
    actors = {e["type"]: e["actor"] for e in entries}
    assert actors["commissioning.CaseOpened"] == "carol"
    assert actors["commissioning.DecisionRecorded"] == "dora"
    assert actors["registry.TransferScheduled"] == "system:registry-scheduler"
    assert actors["commissioning.CaseCompleted"] == "system:commissioning"
    decision = next(e for e in entries if e["type"] == "commissioning.DecisionRecorded")
    assert decision["reason"] == "dora at work" and decision["data"]["trust_uid"] == trust
    assert decision["correlation_id"] and decision["via"] == "case"

    # Completed is the end: no closing it afterwards.
    late = await commissioning.post(
        f"/cases/{case_id}/close",
        json={"reason": "late"},
        headers=await at_version(
            commissioning, settings, f"/cases/{case_id}", bearer(settings, Role.CASEWORKER)
        ),
    )
    assert late.status_code == 409


async def test_a_transfer_the_registry_refuses_shows_on_the_case(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    case_id, urns, trust, decision_id, _, meta = await approved(commissioning, settings, log, pool)
    await schedule(log, case_id, decision_id, urns, trust, meta)
    await log.append(
        f"transfer-{decision_id}",
        [
            NewEvent(
                TransferRejected(
                    decision_id=decision_id,
                    case_id=case_id,
                    urn=urns[0],
                    to_trust_uid=trust,
                    significant_date=SIGNIFICANT,
                    reason_code="school_closed",
                    reason="The school closed on 31 December 2026.",
                ),
                meta,
            )
        ],
        expected_version="any",
    )
    case = await case_when(commissioning, settings, case_id, status="transfer_rejected")
    [rejection] = case["transfer"]["rejections"]
    assert rejection["urn"] == urns[0] and rejection["reason_code"] == "school_closed"
    trail = (
        await commissioning.get(f"/cases/{case_id}/audit", headers=bearer(settings, Role.READER))
    ).json()
    assert "registry.TransferRejected" in [e["type"] for e in trail["entries"]]

    closed = await commissioning.post(
        f"/cases/{case_id}/close",
        json={"reason": "The school closed; no transfer"},
        headers=await at_version(
            commissioning, settings, f"/cases/{case_id}", bearer(settings, Role.CASEWORKER)
        ),
    )
    assert closed.status_code == 200
    await case_when(commissioning, settings, case_id, status="closed")


async def test_a_school_already_in_the_chosen_trust_counts_as_moved(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    case_id, urns, trust, decision_id, _, meta = await approved(commissioning, settings, log, pool)
    await schedule(log, case_id, decision_id, urns, trust, meta)
    # The registry found every school already run by the chosen trust: nothing to change,
    # and nothing left to wait for.
    for urn in urns:
        await log.append(
            f"transfer-{decision_id}",
            [
                NewEvent(
                    TransferRejected(
                        decision_id=decision_id,
                        case_id=case_id,
                        urn=urn,
                        to_trust_uid=trust,
                        significant_date=SIGNIFICANT,
                        reason_code="already_in_trust",
                        reason="The register already shows the school in this trust.",
                    ),
                    meta,
                )
            ],
            expected_version="any",
        )
    case = await case_when(commissioning, settings, case_id, status="completed")
    assert sorted(case["transfer"]["applied_urns"]) == sorted(urns)


async def test_a_school_transferred_between_trusts_completes_its_case(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    old, new = await register_trust(log, "Old Trust"), await register_trust(log, "New Trust")
    member = await register_school(log, trust_uid=new)
    urn = await register_school(log, trust_uid=old)
    await known(pool, urns=[urn, member], uids=[old, new])
    case_id = await open_case(commissioning, settings, [urn], trigger="rebrokerage")
    await to_the_board(commissioning, settings, case_id, [new])
    decided = await commissioning.post(
        f"/cases/{case_id}/decision",
        json=approval(new),
        headers=await at_version(
            commissioning, settings, f"/cases/{case_id}", bearer(settings, Role.DECISION_MAKER)
        ),
    )
    assert decided.status_code == 200
    [transfer] = [
        e for e in await log.read_stream(f"case-{case_id}") if e.type.endswith("TransferApproved")
    ]
    meta = transfer.meta.caused_by(transfer.event_id, actor="system:registry-scheduler")
    await log.append(
        f"school-{urn}",
        [
            NewEvent(
                SchoolTransferred(
                    urn=urn,
                    from_trust_uid=old,
                    to_trust_uid=new,
                    effective_on=SIGNIFICANT,
                    decision_reference=transfer.data["decision_id"],
                    reason="commissioning_decision",
                ),
                meta,
            )
        ],
        expected_version="any",
    )
    case = await case_when(commissioning, settings, case_id, status="completed")
    assert case["transfer"]["kind"] == "transfer" and case["transfer"]["applied_urns"] == [urn]


async def test_the_audit_trail_of_an_unknown_case_is_404_and_needs_a_read_role(
    commissioning: httpx.AsyncClient, settings: Settings
) -> None:
    missing = await commissioning.get(
        "/cases/" + "0" * 32 + "/audit", headers=bearer(settings, Role.AUDITOR)
    )
    assert missing.status_code == 404
    denied = await commissioning.get(
        "/cases/" + "0" * 32 + "/audit", headers=bearer(settings, Role.DATA_FEED)
    )
    assert denied.status_code == 403
