"""Interventions over HTTP: notices, their statuses, escalation, and the rebrokerage case."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

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
from tests.integration.helpers import wait_until
from tests.notices import DECIDED, MOVED


async def intervention_when(
    client: httpx.AsyncClient, settings: Settings, intervention_id: str, **expected: object
) -> dict[str, Any]:
    reader = bearer(settings, Role.READER, "rita")
    seen: dict[str, Any] = {}

    async def shown() -> bool:
        response = await client.get(f"/interventions/{intervention_id}", headers=reader)
        if response.status_code != 200:
            return False
        seen.update(response.json())
        return all(seen.get(k) == v for k, v in expected.items())

    await wait_until(shown, what=f"intervention {intervention_id} to show {expected}")
    return seen


async def test_notices_climb_the_ladder_and_a_termination_notice_opens_a_rebrokerage_case(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    trust = await register_trust(log, "Failing Trust")
    academy = await register_school(log, trust_uid=trust)
    elsewhere = await register_school(log)
    await known(pool, urns=[academy, elsewhere], uids=[trust])
    cw = bearer(settings, Role.CASEWORKER, "carol")

    body = {
        "kind": "termination_warning_notice",
        "trust_uid": trust,
        "urn": academy,
        "issued_on": "2026-11-02",
        "grounds": "The academy remains inadequate.",
        **DECIDED,
    }
    refused = await commissioning.post(
        "/interventions", json=body, headers=bearer(settings, Role.DECISION_MAKER)
    )
    assert refused.status_code == 403
    not_its_academy = await commissioning.post(
        "/interventions", json={**body, "urn": elsewhere}, headers=cw
    )
    assert not_its_academy.status_code == 422
    # A warning notice is the regional director's to decide, as the policy version says.
    deputy = await commissioning.post(
        "/interventions", json={**body, "decider_grade": "deputy_director"}, headers=cw
    )
    assert deputy.status_code == 409, deputy.text
    assert deputy.json()["allowed_deciders"] == ["regional_director"]
    assert "decided by regional_director, not deputy_director" in deputy.json()["detail"]
    undecided = {k: v for k, v in body.items() if k != "decided_by"}
    refused_undecided = await commissioning.post("/interventions", json=undecided, headers=cw)
    assert refused_undecided.status_code == 422
    warning = await commissioning.post("/interventions", json=body, headers=cw)
    assert warning.status_code == 201, warning.text
    warning_id = warning.json()["intervention_id"]
    assert warning.json()["rebrokerage_case_id"] is None
    shown = await intervention_when(commissioning, settings, warning_id, status="issued")
    # Monday 2 November 2026 plus 15 working days.
    assert shown["response_due_on"] == "2026-11-23" and shown["active"] is True
    assert shown["issued_by"] == "carol"

    backwards = await commissioning.post(
        "/interventions",
        json={**body, "kind": "nti_warning_letter", "escalated_from": warning_id},
        headers=cw,
    )
    assert backwards.status_code == 422
    notice = await commissioning.post(
        "/interventions",
        json={
            **body,
            "kind": "termination_notice",
            "issued_on": "2026-11-20",
            "escalated_from": warning_id,
            "grounds": "No adequate response to the warning notice.",
        },
        headers=cw,
    )
    assert notice.status_code == 201, notice.text
    notice_id = notice.json()["intervention_id"]
    case_id = notice.json()["rebrokerage_case_id"]
    assert case_id is not None

    shown = await intervention_when(commissioning, settings, notice_id, rebrokerage_case_id=case_id)
    assert shown["escalated_from"] == warning_id and shown["response_due_on"] is None
    reader = bearer(settings, Role.READER)

    async def case_listed() -> bool:
        page = await commissioning.get(
            "/cases", params={"urn": academy, "trigger": "rebrokerage"}, headers=reader
        )
        return [c["case_id"] for c in page.json()["items"]] == [case_id]

    await wait_until(case_listed, what="the rebrokerage case")
    case = (await commissioning.get(f"/cases/{case_id}", headers=reader)).json()
    assert case["intervention_id"] == notice_id and case["urns"] == [academy]
    assert case["opened_on"] == "2026-11-20" and case["status"] == "open"
    # The notice opened the case: the case's trail shows the notice too.
    trail = (await commissioning.get(f"/cases/{case_id}/audit", headers=reader)).json()
    issued = [e for e in trail["entries"] if e["type"] == "commissioning.InterventionIssued"]
    assert [e["stream"] for e in issued] == [f"intervention-{notice_id}"]
    assert issued[0]["via"] == "intervention"

    listed = await commissioning.get(
        "/interventions", params={"trust_uid": trust, "active": True}, headers=reader
    )
    assert [i["intervention_id"] for i in listed.json()["items"]] == [notice_id, warning_id]
    by_kind = await commissioning.get(
        "/interventions", params={"trust_uid": trust, "kind": "termination_notice"}, headers=reader
    )
    assert [i["intervention_id"] for i in by_kind.json()["items"]] == [notice_id]
    page = (
        await commissioning.get(
            "/interventions", params={"trust_uid": trust, "limit": 1}, headers=reader
        )
    ).json()
    assert len(page["items"]) == 1 and page["next_cursor"]


async def test_an_intervention_moves_only_as_its_kind_allows(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    trust = await register_trust(log, "Trust Under Notice")
    await known(pool, uids=[trust])
    cw = bearer(settings, Role.CASEWORKER)
    no_conditions = await commissioning.post(
        "/interventions",
        json={"kind": "notice_to_improve", "trust_uid": trust, "grounds": "Deficit.", **DECIDED},
        headers=cw,
    )
    assert no_conditions.status_code == 422
    unknown_trust = await commissioning.post(
        "/interventions",
        json={"kind": "nti_warning_letter", "trust_uid": 99_999_998, "grounds": "x", **DECIDED},
        headers=cw,
    )
    assert unknown_trust.status_code == 422
    issued = await commissioning.post(
        "/interventions",
        json={
            "kind": "notice_to_improve",
            "trust_uid": trust,
            "issued_on": "2026-10-01",
            "grounds": "Deficit and weak governance.",
            "conditions": ["Recovery plan by January", "Academy transfer of 100001"],
            **DECIDED,
        },
        headers=cw,
    )
    assert issued.status_code == 201, issued.text
    iid = issued.json()["intervention_id"]
    await intervention_when(commissioning, settings, iid, status="issued")

    on_track = await commissioning.post(
        f"/interventions/{iid}/status",
        json={
            **MOVED,
            "status": "progress_on_track",
            "effective_on": "2026-11-01",
            "decider_grade": "deputy_director",
            "evidence_ids": ["review-note-2026-11"],
        },
        headers=await at_version(commissioning, settings, f"/interventions/{iid}", cw),
    )
    assert on_track.status_code == 200 and on_track.headers["ETag"] == '"2"'
    stale = await commissioning.post(
        f"/interventions/{iid}/status",
        json={**MOVED, "status": "lifted"},
        headers={**cw, "If-Match": '"1"'},
    )
    assert stale.status_code == 412
    lifted = await commissioning.post(
        f"/interventions/{iid}/status",
        json={**MOVED, "status": "lifted"},
        headers={**cw, "If-Match": '"2"'},
    )
    assert lifted.status_code == 200, lifted.text
    reissued = await commissioning.post(
        f"/interventions/{iid}/status",
        json={**MOVED, "status": "issued"},
        headers=await at_version(commissioning, settings, f"/interventions/{iid}", cw),
    )
    assert reissued.status_code == 409 and reissued.json()["allowed_statuses"] == ["closed"]
    shown = await intervention_when(commissioning, settings, iid, status="lifted")
    assert shown["active"] is False
    assert [h["status"] for h in shown["history"]] == ["issued", "progress_on_track", "lifted"]
    # Each step says who decided it, their grade, why and on what evidence.
    first, on_track_entry = shown["history"][0], shown["history"][1]
    assert (first["decided_by"], first["decider_grade"]) == ("Rhian Director", "regional_director")
    assert {k: on_track_entry[k] for k in ("decided_by", "decider_grade", "reason")} == {
        "decided_by": "Rhian Director",
        "decider_grade": "deputy_director",
        "reason": MOVED["reason"],
    }
    assert on_track_entry["evidence_ids"] == ["review-note-2026-11"]
    undecided = await commissioning.post(
        f"/interventions/{iid}/status",
        json={"status": "closed", "reason": "Done."},
        headers={**cw, "If-Match": "*"},
    )
    assert undecided.status_code == 422
    missing = await commissioning.post(
        "/interventions/" + "0" * 32 + "/status",
        json={**MOVED, "status": "closed"},
        headers={**cw, "If-Match": "*"},
    )
    assert missing.status_code == 404


async def test_a_termination_notice_prepared_first_opens_its_case_when_issued(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    trust = await register_trust(log, "Closing Trust")
    academy = await register_school(log, trust_uid=trust)
    await known(pool, urns=[academy], uids=[trust])
    cw = bearer(settings, Role.CASEWORKER)
    prepared = await commissioning.post(
        "/interventions",
        json={
            "kind": "termination_notice",
            "trust_uid": trust,
            "urn": academy,
            "status": "preparing",
            "grounds": "Funding agreement to end.",
            **DECIDED,
        },
        headers=cw,
    )
    assert prepared.status_code == 201 and prepared.json()["rebrokerage_case_id"] is None
    iid = prepared.json()["intervention_id"]
    issued = await commissioning.post(
        f"/interventions/{iid}/status",
        json={**MOVED, "status": "issued"},
        headers=await at_version(commissioning, settings, f"/interventions/{iid}", cw),
    )
    assert issued.status_code == 200, issued.text
    shown = await intervention_when(commissioning, settings, iid, status="issued")
    await wait_until(
        lambda: _has_case(commissioning, settings, iid),
        what="the rebrokerage case from the issued notice",
    )
    assert shown["kind"] == "termination_notice"


async def _has_case(client: httpx.AsyncClient, settings: Settings, iid: str) -> bool:
    shown = (
        await client.get(f"/interventions/{iid}", headers=bearer(settings, Role.READER))
    ).json()
    return shown["rebrokerage_case_id"] is not None
