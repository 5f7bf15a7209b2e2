"""What a black-box probe of every service found at the edge, each now refused as it should be.

Every refusal is a 422 problem naming the field's path and the kind of error, and writes
nothing: each test's caller is a subject of its own, and no event names it as actor.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from shared.http.auth import Role, issue_token
from shared.serve import load_app
from shared.settings import Settings
from tests.notices import DECIDED, MOVED

SERVICES = ("registry", "assessment", "commissioning")
SOME_ID = "0" * 32

TRUST = {
    "name": "Probe Academy Trust",
    "trust_type": "multi_academy_trust",
    "incorporated_on": "2026-09-01",
}
EVIDENCE = {
    "pillar": "education",
    "kind": "visit",
    "summary": "Observed lessons",
    "source_reference": "visit notes",
    "observed_on": "2026-10-01",
}
FRAMEWORK = {
    "framework_id": "probe-framework",
    "name": "Probe",
    "publisher": "Probe",
    "published_on": "2026-01-01",
    "pillars": [{"key": "education", "name": "Education"}],
}
DECISION = {
    "outcome": "approved",
    "decided_on": "2026-11-20",
    "decision_maker_name": "Jane Smith",
    "decision_maker_capacity": "regional_director_for_region",
    "trust_uid": 2044,
    "rationale": "Strongest nearby.",
    "significant_date": "2027-01-01",
    "reason_codes": ["track_record"],
    "equality": {
        "likely_impact": "No adverse impact on pupils with protected characteristics.",
        "mitigation": "None needed.",
    },
}
INTERVENTION = {"kind": "nti_warning_letter", "trust_uid": 2044, "grounds": "Finances", **DECIDED}


@pytest.fixture
async def clients(
    settings: Settings, database_url: str
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    async with contextlib.AsyncExitStack() as stack:
        out: dict[str, httpx.AsyncClient] = {}
        for name in SERVICES:
            app = load_app(name, settings, database_url)
            await stack.enter_async_context(app.router.lifespan_context(app))
            out[name] = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
            )
        yield out


@pytest.fixture
def prober(settings: Settings) -> tuple[str, dict[str, str]]:
    """A subject of this test's own, with every role, and its Authorization header."""
    subject = f"prober-{uuid.uuid4().hex[:12]}"
    token = issue_token(settings, roles=list(Role), subject=subject)
    return subject, {"Authorization": f"Bearer {token}"}


def refusal(response: httpx.Response, loc: tuple[str | int, ...]) -> dict[str, Any]:
    """The validation error at ``loc`` of a 422 problem response."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/validation-error")
    # Exactly one error, so the rest of the request was valid and this is what is wrong.
    errors: list[dict[str, Any]] = body["errors"]
    [error] = errors
    assert tuple(error["loc"]) == loc, body["errors"]
    assert "input" not in error and "ctx" not in error
    return error


async def written_by(pool: asyncpg.Pool, subject: str) -> int:
    """How many events name ``subject`` as their actor."""
    return int(
        await pool.fetchval("SELECT count(*) FROM events WHERE metadata->>'actor' = $1", subject)
    )


# (service, method, path, body, where the error is, pydantic's error type)
NOT_WHAT_THE_FIELD_SAYS = [
    # {"uid": true} registered trust 1.
    ("registry", "POST", "/trusts", {**TRUST, "uid": True}, ("uid",), "int_type"),
    ("registry", "POST", "/trusts", {**TRUST, "uid": "2044"}, ("uid",), "int_type"),
    ("registry", "POST", "/trusts", {**TRUST, "uid": 2044.5}, ("uid",), "int_type"),
    # A date of 0 was 1970-01-01.
    (
        "registry",
        "POST",
        "/trusts",
        {**TRUST, "incorporated_on": 0},
        ("incorporated_on",),
        "iso_date",
    ),
    (
        "registry",
        "POST",
        "/trusts",
        {**TRUST, "incorporated_on": "1700000000"},
        ("incorporated_on",),
        "iso_date",
    ),
    (
        "registry",
        "POST",
        "/trusts",
        {**TRUST, "incorporated_on": "2026-09-01T00:00:00"},
        ("incorporated_on",),
        "iso_date",
    ),
    (
        "assessment",
        "POST",
        "/assessments",
        {"trust_uid": True, "framework_id": "dfe-trust-quality"},
        ("trust_uid",),
        "int_type",
    ),
    (
        "assessment",
        "POST",
        "/assessments",
        {"trust_uid": 2044, "framework_id": "dfe-trust-quality", "framework_version": True},
        ("framework_version",),
        "int_type",
    ),
    (
        "assessment",
        "POST",
        f"/assessments/{SOME_ID}/evidence",
        {**EVIDENCE, "observed_on": 0},
        ("observed_on",),
        "iso_date",
    ),
    (
        "assessment",
        "POST",
        f"/assessments/{SOME_ID}/evidence",
        {**EVIDENCE, "metric": {"name": "Attendance", "value": True}},
        ("metric", "value"),
        "float_type",
    ),
    (
        "assessment",
        "POST",
        "/frameworks",
        {**FRAMEWORK, "published_on": 20260101},
        ("published_on",),
        "iso_date",
    ),
    (
        "commissioning",
        "POST",
        "/cases",
        {"urns": [True], "trigger": "inadequate_dao", "title": "Probe"},
        ("urns", 0),
        "int_type",
    ),
    (
        "commissioning",
        "PUT",
        f"/cases/{SOME_ID}/criteria",
        {"pillars": [{"pillar": "education", "weight": True}]},
        ("pillars", 0, "weight"),
        "float_type",
    ),
    (
        "commissioning",
        "PUT",
        f"/cases/{SOME_ID}/criteria",
        {"pillars": [{"pillar": "education", "weight": 1}], "factors": {"distance": False}},
        ("factors", "distance"),
        "float_type",
    ),
    (
        "commissioning",
        "POST",
        f"/cases/{SOME_ID}/shortlist",
        {"trust_uids": [2044, True]},
        ("trust_uids", 1),
        "int_type",
    ),
    (
        "commissioning",
        "POST",
        f"/cases/{SOME_ID}/advisory-board",
        {"board_date": 0},
        ("board_date",),
        "iso_date",
    ),
    (
        "commissioning",
        "POST",
        f"/cases/{SOME_ID}/decision",
        {**DECISION, "decided_on": "0"},
        ("decided_on",),
        "iso_date",
    ),
    (
        "commissioning",
        "POST",
        f"/cases/{SOME_ID}/decision",
        {**DECISION, "trust_uid": True},
        ("trust_uid",),
        "int_type",
    ),
    (
        "commissioning",
        "POST",
        f"/cases/{SOME_ID}/significant-date",
        {"significant_date": 1798761600, "reason": "moved"},
        ("significant_date",),
        "iso_date",
    ),
    (
        "commissioning",
        "POST",
        "/interventions",
        {**INTERVENTION, "published": "true"},
        ("published",),
        "bool_type",
    ),
    (
        "commissioning",
        "POST",
        "/interventions",
        {**INTERVENTION, "published": 1},
        ("published",),
        "bool_type",
    ),
    (
        "commissioning",
        "POST",
        "/interventions",
        {**INTERVENTION, "urn": True},
        ("urn",),
        "int_type",
    ),
    (
        "commissioning",
        "POST",
        f"/interventions/{SOME_ID}/status",
        {**MOVED, "status": "lifted", "effective_on": 0},
        ("effective_on",),
        "iso_date",
    ),
]


@pytest.mark.parametrize(
    ("service", "method", "path", "body", "loc", "error_type"),
    NOT_WHAT_THE_FIELD_SAYS,
    ids=[f"{s}-{'.'.join(map(str, loc))}-{t}" for s, _, _, _, loc, t in NOT_WHAT_THE_FIELD_SAYS],
)
async def test_a_value_that_is_not_what_its_field_says_is_refused(
    clients: dict[str, httpx.AsyncClient],
    prober: tuple[str, dict[str, str]],
    pool: asyncpg.Pool,
    service: str,
    method: str,
    path: str,
    body: dict[str, Any],
    loc: tuple[str | int, ...],
    error_type: str,
) -> None:
    subject, auth = prober
    response = await clients[service].request(method, path, json=body, headers=auth)
    assert refusal(response, ("body", *loc))["type"] == error_type
    assert await written_by(pool, subject) == 0


# The probe's postcode and town of 100,000 characters were taken; so was any other text
# without a bound, and any list inside another.
TOO_MUCH = [
    (
        "registry",
        "POST",
        "/trusts",
        {**TRUST, "postcode": "L" * 100_000},
        ("postcode",),
        "string_too_long",
    ),
    (
        "registry",
        "POST",
        "/trusts",
        {**TRUST, "postcode": "LS1 4APX"},
        ("postcode",),
        "string_pattern_mismatch",
    ),
    ("registry", "POST", "/trusts", {**TRUST, "town": "T" * 100_000}, ("town",), "string_too_long"),
    ("registry", "POST", "/trusts", {**TRUST, "name": "N" * 301}, ("name",), "string_too_long"),
    (
        "assessment",
        "POST",
        "/frameworks",
        {
            **FRAMEWORK,
            "pillars": [
                {"key": "education", "name": "E", "themes": [{"key": "t", "name": "T"}] * 51}
            ],
        },
        ("pillars", 0, "themes"),
        "too_long",
    ),
    (
        "commissioning",
        "PUT",
        f"/cases/{SOME_ID}/criteria",
        {"pillars": [{"pillar": "education", "weight": 1, "themes": ["curriculum"] * 51}]},
        ("pillars", 0, "themes"),
        "too_long",
    ),
    (
        "commissioning",
        "PUT",
        f"/cases/{SOME_ID}/criteria",
        {"pillars": [{"pillar": "education", "weight": 1}] * 21},
        ("pillars",),
        "too_long",
    ),
    (
        "commissioning",
        "POST",
        f"/cases/{SOME_ID}/decision",
        {**DECISION, "conditions": ["C" * 2001]},
        ("conditions", 0),
        "string_too_long",
    ),
    (
        "commissioning",
        "POST",
        "/interventions",
        {**INTERVENTION, "conditions": ["C"] * 51},
        ("conditions",),
        "too_long",
    ),
]


@pytest.mark.parametrize(
    ("service", "method", "path", "body", "loc", "error_type"),
    TOO_MUCH,
    ids=[f"{s}-{'.'.join(map(str, loc))}-{t}" for s, _, _, _, loc, t in TOO_MUCH],
)
async def test_text_and_lists_are_bounded(
    clients: dict[str, httpx.AsyncClient],
    prober: tuple[str, dict[str, str]],
    pool: asyncpg.Pool,
    service: str,
    method: str,
    path: str,
    body: dict[str, Any],
    loc: tuple[str | int, ...],
    error_type: str,
) -> None:
    subject, auth = prober
    response = await clients[service].request(method, path, json=body, headers=auth)
    assert refusal(response, ("body", *loc))["type"] == error_type
    assert await written_by(pool, subject) == 0


@pytest.mark.parametrize(
    ("path", "name"), [("/schools", "region"), ("/schools", "status"), ("/trusts", "trust_type")]
)
async def test_query_filters_are_bounded(
    clients: dict[str, httpx.AsyncClient], prober: tuple[str, dict[str, str]], path: str, name: str
) -> None:
    _, auth = prober
    response = await clients["registry"].get(path, params={name: "x" * 101}, headers=auth)
    assert refusal(response, ("query", name))["type"] == "string_too_long"


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
async def test_a_measurement_is_a_finite_number(
    clients: dict[str, httpx.AsyncClient],
    prober: tuple[str, dict[str, str]],
    pool: asyncpg.Pool,
    value: str,
) -> None:
    # Python's JSON reader takes these; the log refused them, but without saying where.
    subject, auth = prober
    metric = '{"name": "Attendance", "value": ' + value + "}"
    body = json.dumps(EVIDENCE)[:-1] + ', "metric": ' + metric + "}"
    response = await clients["assessment"].post(
        f"/assessments/{SOME_ID}/evidence",
        content=body,
        headers={**auth, "Content-Type": "application/json"},
    )
    assert refusal(response, ("body", "metric", "value"))["type"] == "finite_number"
    assert await written_by(pool, subject) == 0


@pytest.mark.parametrize("as_of", ["0", "1700000000", "2026-09-01T00:00:00", "01-09-2026"])
async def test_a_date_in_a_query_is_an_iso_date_only(
    clients: dict[str, httpx.AsyncClient], prober: tuple[str, dict[str, str]], as_of: str
) -> None:
    _, auth = prober
    response = await clients["registry"].get(
        "/schools/100001", params={"as_of": as_of}, headers=auth
    )
    assert refusal(response, ("query", "as_of"))["type"] == "iso_date"


async def test_the_same_fields_still_take_what_they_should(
    clients: dict[str, httpx.AsyncClient], prober: tuple[str, dict[str, str]], pool: asyncpg.Pool
) -> None:
    subject, auth = prober
    registry = clients["registry"]
    created = await registry.post(
        "/trusts", json={**TRUST, "postcode": "ls14ap", "town": "Leeds"}, headers=auth
    )
    assert created.status_code == 201, created.text
    assert await written_by(pool, subject) == 1
    uid = created.json()["uid"]
    listed = await registry.get(
        f"/trusts/{uid}/schools", params={"as_of": "2026-09-01"}, headers=auth
    )
    assert listed.status_code != 422, listed.text
