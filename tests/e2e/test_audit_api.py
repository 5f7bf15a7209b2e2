"""The audit API over HTTP: timelines across services, exports, chain status, signed checkpoints."""

from __future__ import annotations

import csv
import io
import json
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
from fastapi import FastAPI

from services.commissioning.main import POLICIES
from shared.app import ServiceSpec
from shared.audit import api as audit_api
from shared.audit.signing import SignedCheckpoint
from shared.contracts import all_contracts
from shared.contracts.assessment import AssessmentStarted, EvidenceRecorded, PillarJudged
from shared.contracts.commissioning import CaseOpened, DecisionRecorded, TransferApproved
from shared.contracts.registry import (
    SchoolDetails,
    SchoolJoinedTrust,
    SchoolRegistered,
    SchoolTransferred,
    TrustDetails,
    TrustIncorporated,
)
from shared.eventlog.contracts import EventContract, EventMetadata
from shared.eventlog.model import ANY, NewEvent
from shared.eventlog.store import EventStore
from shared.http.auth import Role, issue_token
from shared.settings import Settings
from tests.dbutil import log_writer_app
from tests.integration.helpers import wait_until


@dataclass
class Story:
    urn: int
    old_trust: int
    new_trust: int
    case_id: str
    decision_id: str
    assessment_id: str
    evidence_id: str
    approved_event_id: uuid.UUID


@pytest.fixture
async def app(
    settings: Settings, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[FastAPI]:
    spec = ServiceSpec(
        name="commissioning",
        title="audit test",
        description="the audit router alone",
        registry=all_contracts(),
        routers=(audit_api.router,),
        policies=POLICIES,
    )
    keyed = settings.model_copy(update={"data_dir": tmp_path_factory.mktemp("audit-key")})
    application = log_writer_app(spec, keyed, database_url)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def _headers(settings: Settings, role: Role = Role.AUDITOR) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, roles=[role], subject='auditor-1')}"}


async def _say(
    store: EventStore, stream: str, data: EventContract, actor: str, **meta: object
) -> uuid.UUID:
    event = NewEvent(data, EventMetadata(actor=actor, reason=f"{actor} did it", **meta))
    await store.append(stream, [event], expected_version=ANY)
    return event.event_id


@pytest.fixture
async def story(app: FastAPI) -> Story:
    """A school moves between trusts: registry, assessment and commissioning events."""
    store: EventStore = app.state.runtime.store
    rng = random.Random()
    urn = rng.randint(100000, 999999)
    old_trust, new_trust = rng.sample(range(10_000_000, 20_000_000), 2)
    case_id, decision_id, assessment_id, evidence_id = (uuid.uuid4().hex for _ in range(4))
    today = date(2026, 11, 1)
    for uid in (old_trust, new_trust):
        await _say(
            store,
            f"trust-{uid}",
            TrustIncorporated(
                uid=uid,
                details=TrustDetails(
                    name=f"Trust {uid}", trust_type="multi_academy_trust", status="Open"
                ),
                effective_on=today,
            ),
            "gias-feed",
        )
    school = f"school-{urn}"
    await _say(
        store,
        school,
        SchoolRegistered(
            urn=urn,
            details=SchoolDetails(
                name="Fen Edge Academy", la_code="873", la_name="Cambridgeshire", status="Open"
            ),
            effective_on=today,
        ),
        "gias-feed",
    )
    await _say(
        store,
        school,
        SchoolJoinedTrust(urn=urn, trust_uid=old_trust, joined_on=today, reason="reported_by_gias"),
        "gias-feed",
    )
    assessment = f"assessment-{assessment_id}"
    started = AssessmentStarted(
        assessment_id=assessment_id,
        trust_uid=new_trust,
        framework_id="dfe_trust_quality",
        framework_version=1,
        assessor="assessor-1",
    )
    await _say(store, assessment, started, "assessor-1")
    evidence = EvidenceRecorded(
        assessment_id=assessment_id,
        evidence_id=evidence_id,
        pillar="school_improvement",
        kind="visit",
        summary="Two schools out of category within 18 months",
        source_reference="visit note 14",
        observed_on=today,
        recorded_by="assessor-1",
    )
    await _say(store, assessment, evidence, "assessor-1")
    judged = PillarJudged(
        assessment_id=assessment_id,
        pillar="school_improvement",
        descriptor="strong",
        rationale="A record of turning schools round",
        evidence_ids=[evidence_id],
        judged_by="assessor-1",
    )
    await _say(store, assessment, judged, "assessor-1")
    case = f"case-{case_id}"
    opened = CaseOpened(
        case_id=case_id, urns=[urn], trigger="rebrokerage", title="Fen Edge", opened_on=today
    )
    await _say(store, case, opened, "caseworker-1", correlation_id="req-open")
    decided = DecisionRecorded(
        case_id=case_id,
        decision_id=decision_id,
        outcome="approved",
        decided_on=today,
        decision_maker_name="A. Director",
        decision_maker_capacity="regional_director_for_region",
        trust_uid=new_trust,
        rationale="Strongest school improvement nearby",
        significant_date=date(2026, 12, 1),
    )
    await _say(store, case, decided, "director-1", correlation_id="req-decide")
    approved = TransferApproved(
        case_id=case_id,
        decision_id=decision_id,
        urns=[urn],
        to_trust_uid=new_trust,
        significant_date=date(2026, 12, 1),
        kind="transfer",
    )
    approved_id = await _say(store, case, approved, "director-1", correlation_id="req-decide")
    moved = SchoolTransferred(
        urn=urn,
        from_trust_uid=old_trust,
        to_trust_uid=new_trust,
        effective_on=date(2026, 12, 1),
        decision_reference=decision_id,
        reason="commissioning_decision",
    )
    await _say(
        store,
        school,
        moved,
        "registry-transfers",
        correlation_id="req-decide",
        causation_id=approved_id,
    )
    pool = store.pool

    async def indexed() -> bool:
        n = await pool.fetchval(
            "SELECT count(*) FROM audit_subjects WHERE kind = 'school' AND key = $1", str(urn)
        )
        return bool(n == 5)  # registered, joined, case opened, transfer approved, transferred

    await wait_until(indexed, what="the audit index to catch up")
    return Story(
        urn, old_trust, new_trust, case_id, decision_id, assessment_id, evidence_id, approved_id
    )


def _types(body: dict[str, object]) -> list[str]:
    entries = body["entries"]
    assert isinstance(entries, list)
    return [e["type"] for e in entries]


async def test_a_school_timeline_crosses_services_in_log_order(
    client: httpx.AsyncClient, settings: Settings, story: Story
) -> None:
    response = await client.get(f"/audit/schools/{story.urn}", headers=_headers(settings))
    assert response.status_code == 200, response.text
    body = response.json()
    assert _types(body) == [
        "registry.SchoolRegistered",
        "registry.SchoolJoinedTrust",
        "commissioning.CaseOpened",
        "commissioning.DecisionRecorded",  # about the school's case, though it names no URN
        "commissioning.TransferApproved",
        "registry.SchoolTransferred",
    ]
    moved = body["entries"][-1]
    assert moved["actor"] == "registry-transfers"
    assert moved["reason"] == "registry-transfers did it"
    assert moved["correlation_id"] == "req-decide"
    assert moved["causation_id"] == str(story.approved_event_id)
    assert {
        "rel": "decision",
        "service": "commissioning",
        "href": f"/cases/{story.case_id}",
    } in moved["links"]
    decided = body["entries"][3]
    assert decided["actor"] == "director-1"
    assert decided["data"]["decision_maker_name"] == "A. Director"


async def test_a_trust_timeline_holds_its_assessments_evidence(
    client: httpx.AsyncClient, settings: Settings, story: Story
) -> None:
    body = (await client.get(f"/audit/trusts/{story.new_trust}", headers=_headers(settings))).json()
    assert _types(body) == [
        "registry.TrustIncorporated",
        "assessment.AssessmentStarted",
        "assessment.EvidenceRecorded",  # names only its assessment
        "assessment.PillarJudged",
        "commissioning.DecisionRecorded",
        "commissioning.TransferApproved",
        "registry.SchoolTransferred",
    ]
    judged = body["entries"][3]
    assert {
        "rel": "evidence",
        "service": "assessment",
        "href": f"/assessments/{story.assessment_id}#evidence-{story.evidence_id}",
    } in judged["links"]


async def test_a_case_timeline_follows_its_decision_into_the_registry(
    client: httpx.AsyncClient, settings: Settings, story: Story
) -> None:
    body = (await client.get(f"/audit/cases/{story.case_id}", headers=_headers(settings))).json()
    assert _types(body) == [
        "commissioning.CaseOpened",
        "commissioning.DecisionRecorded",
        "commissioning.TransferApproved",
        "registry.SchoolTransferred",
    ]
    assert [e["actor"] for e in body["entries"]] == [
        "caseworker-1",
        "director-1",
        "director-1",
        "registry-transfers",
    ]


async def test_pages_walk_the_whole_timeline_once(
    client: httpx.AsyncClient, settings: Settings, story: Story
) -> None:
    whole = (await client.get(f"/audit/schools/{story.urn}", headers=_headers(settings))).json()
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get(
                f"/audit/schools/{story.urn}", params=params, headers=_headers(settings)
            )
        ).json()
        seen += [e["position"] for e in page["entries"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [e["position"] for e in whole["entries"]]


async def test_exports_stream_every_entry_as_jsonl_and_csv(
    client: httpx.AsyncClient, settings: Settings, story: Story
) -> None:
    whole = (await client.get(f"/audit/cases/{story.case_id}", headers=_headers(settings))).json()
    jsonl = await client.get(f"/audit/cases/{story.case_id}/export", headers=_headers(settings))
    assert jsonl.status_code == 200
    assert jsonl.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in jsonl.text.splitlines()]
    assert lines == whole["entries"]
    as_csv = await client.get(
        f"/audit/cases/{story.case_id}/export", params={"format": "csv"}, headers=_headers(settings)
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    records = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [r["type"] for r in records] == _types(whole)
    assert json.loads(records[1]["data"])["decision_id"] == story.decision_id
    assert records[0]["actor"] == "caseworker-1"


@pytest.mark.parametrize(
    "path",
    [
        "/audit/schools/100000",
        "/audit/trusts/1",
        f"/audit/cases/{'0' * 32}",
        "/audit/schools/100000/export",
    ],
)
async def test_a_subject_the_log_never_names_is_a_404_problem(
    client: httpx.AsyncClient, settings: Settings, path: str
) -> None:
    response = await client.get(path, headers=_headers(settings))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_only_auditors_read_the_audit(
    client: httpx.AsyncClient, settings: Settings, story: Story
) -> None:
    path = f"/audit/schools/{story.urn}"
    assert (await client.get(path)).status_code == 401
    for role in (Role.READER, Role.CASEWORKER, Role.DECISION_MAKER, Role.ASSESSOR):
        assert (await client.get(path, headers=_headers(settings, role))).status_code == 403, role
    assert (await client.get(path, headers=_headers(settings, Role.ADMIN))).status_code == 200


async def test_bad_cursors_and_ids_are_refused(
    client: httpx.AsyncClient, settings: Settings, story: Story
) -> None:
    for params, path in (
        ({"cursor": "not-ours"}, f"/audit/schools/{story.urn}"),
        ({}, "/audit/cases/not-a-case"),
        ({}, "/audit/schools/12"),
        ({"format": "xml"}, f"/audit/cases/{story.case_id}/export"),
    ):
        response = await client.get(path, params=params, headers=_headers(settings))
        assert response.status_code == 422, (path, params, response.text)


async def test_verify_reports_the_chains_and_signs_the_newest_seal(
    client: httpx.AsyncClient, settings: Settings, story: Story, app: FastAPI
) -> None:
    pool = app.state.runtime.pool

    async def sealed() -> bool:
        behind = await pool.fetchval(
            "SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM event_seals s WHERE s.position = e.position)"
        )
        return bool(behind == 0)

    await wait_until(sealed, what="the sealer to seal the story")
    body = (await client.get("/audit/verify", headers=_headers(settings))).json()
    assert body["ok"] is True, body["breaks"]
    assert body["unsealed_events"] == 0
    checkpoint = SignedCheckpoint.from_dict(body["checkpoint"])
    assert checkpoint.signature_valid()
    assert checkpoint.position == body["last_sealed_position"]
    # Reading the whole log is costly: a second call within the window shares the first.
    again = (await client.get("/audit/verify", headers=_headers(settings))).json()
    assert again["verified_at"] == body["verified_at"]
    latest = (await client.get("/audit/checkpoints/latest", headers=_headers(settings))).json()
    assert SignedCheckpoint.from_dict(latest).signature_valid()
    # The same verification answers the checkpoint: the very checkpoint it signed.
    assert latest == body["checkpoint"]
