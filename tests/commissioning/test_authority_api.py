"""Who may act where on cases, over HTTP: regional directors, delegations, referrals,
separation of duties, lists within scope, and a new authority table taking effect."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from services.commissioning.main import create_app
from shared.eventlog.store import EventStore
from shared.http.auth import Role, issue_token
from shared.http.deps import today
from shared.serve import _sample_regions, startup_banner
from shared.settings import PROJECT_ROOT, Settings
from tests.commissioning.conftest import (
    TODAY,
    at_version,
    bearer,
    known,
    register_school,
    register_trust,
)
from tests.commissioning.test_cases_api import approval, open_case, to_the_board
from tests.conftest import TEST_SECRET
from tests.integration.helpers import wait_until
from tests.notices import DECIDED

DECIDE = "commissioning.cases.decide"
# The versions of the table shipped as files: the one in force in these tests is the last.
SHIPPED = len(list((PROJECT_ROOT / "services/commissioning/policies/authority").glob("v*.json")))
OUT_OF_SCOPE = "https://strongtrusts.dev/problems/out-of-scope"
REFERRED_ELSEWHERE = "https://strongtrusts.dev/problems/referred-elsewhere"
SEPARATION = "https://strongtrusts.dev/problems/separation-of-duties"


def as_(settings: Settings, role: Role, who: str, *scopes: str, **extra: str) -> dict[str, str]:
    """Headers of ``who`` with ``role`` acting in ``scopes``, giving a reason."""
    token = issue_token(settings, roles=[role], subject=who, scopes=scopes)
    return {"Authorization": f"Bearer {token}", "X-Reason": f"{who} at work", **extra}


async def at_the_board(
    client: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> tuple[str, int]:
    """A case for a Leeds school (Yorkshire and the Humber, D) at its board; and its trust."""
    trust = await register_trust(log)
    member = await register_school(log, trust_uid=trust)
    urn = await register_school(log)
    await known(pool, urns=[urn, member], uids=[trust])
    case_id = await open_case(client, settings, [urn])
    await to_the_board(client, settings, case_id, [trust])
    return case_id, trust


async def decide(
    client: httpx.AsyncClient,
    settings: Settings,
    case_id: str,
    headers: dict[str, str],
    body: dict[str, Any],
) -> httpx.Response:
    at = await at_version(client, settings, f"/cases/{case_id}", headers)
    return await client.post(f"/cases/{case_id}/decision", json=body, headers=at)


async def case_events(log: EventStore, case_id: str) -> list[Any]:
    return list(await log.read_stream(f"case-{case_id}"))


def authority_of(events: list[Any], type_name: str) -> dict[str, Any]:
    [event] = [e for e in events if e.type == type_name]
    meta: dict[str, Any] = event.metadata
    return meta


async def test_a_regional_director_decides_the_cases_of_their_own_region(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    case_id, trust = await at_the_board(commissioning, settings, log, pool)
    before = len(await case_events(log, case_id))
    london = as_(settings, Role.DECISION_MAKER, "rd.london", "region:H")
    refused = await decide(commissioning, settings, case_id, london, approval(trust))
    assert refused.status_code == 403, refused.text
    problem = refused.json()
    assert problem["type"] == OUT_OF_SCOPE and problem["step"] == DECIDE
    assert problem["resource_region"] == "D" and problem["your_scopes"] == ["region:H"]
    assert "region D (Yorkshire and the Humber)" in problem["detail"]
    assert len(await case_events(log, case_id)) == before, "a refusal wrote nothing"

    yorkshire = as_(settings, Role.DECISION_MAKER, "rd.yorkshire", "region:D")
    decided = await decide(commissioning, settings, case_id, yorkshire, approval(trust))
    assert decided.status_code == 200, decided.text
    meta = authority_of(await case_events(log, case_id), "commissioning.DecisionRecorded")
    assert meta["scope"] == ["region:D"]
    assert meta["authority"] == {
        "step": DECIDE,
        "table_version": SHIPPED,
        "place": "region:D",
        "via": "role",
    }


def delegation(delegate: str, days: int = 14, region: str = "D") -> dict[str, Any]:
    return {
        "step": DECIDE,
        "region_code": region,
        "delegate": delegate,
        "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + timedelta(days=days)).isoformat(),
        "reason": "The regional director is on leave.",
    }


async def test_a_delegation_is_granted_used_shown_and_revoked(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    director = as_(settings, Role.DECISION_MAKER, "rd.yorkshire", "region:D")
    # A deputy director from the North West, covering Yorkshire while its director is away.
    deputy = as_(settings, Role.DECISION_MAKER, "deputy.nw", "region:B")
    first, trust = await at_the_board(commissioning, settings, log, pool)
    assert (
        await decide(commissioning, settings, first, deputy, approval(trust))
    ).status_code == 403

    # Only someone who holds the step in the region may delegate it there.
    for who, status in (
        (as_(settings, Role.DECISION_MAKER, "rd.london", "region:H"), 403),
        (as_(settings, Role.CASEWORKER, "cw.yorkshire", "region:D"), 403),
        (director, 201),
    ):
        granted = await commissioning.post(
            "/delegations", json=delegation("deputy.nw"), headers=who
        )
        assert granted.status_code == status, granted.text
    delegation_id = granted.json()["id"]
    shown = (await commissioning.get(f"/delegations/{delegation_id}", headers=deputy)).json()
    assert shown["in_force_today"] is True and shown["grantor"] == "rd.yorkshire"
    assert shown["grantor_scopes"] == ["region:D"]

    decided = await decide(commissioning, settings, first, deputy, approval(trust))
    assert decided.status_code == 200, decided.text
    meta = authority_of(await case_events(log, first), "commissioning.DecisionRecorded")
    assert meta["scope"] == ["region:B"]
    assert meta["authority"]["via"] == "delegation"
    assert meta["authority"]["delegation_id"] == delegation_id
    used = (await commissioning.get(f"/delegations/{delegation_id}", headers=director)).json()
    assert used["uses"] == [{"case_id": first, "used_on": TODAY.isoformat()}]

    # The case's own trail shows the delegation it was decided under.
    trail = await commissioning.get(
        f"/cases/{first}/audit", headers=bearer(settings, Role.READER, "rita")
    )
    entries = trail.json()["entries"]
    by_type = {e["type"]: e for e in entries}
    assert by_type["commissioning.DelegationGranted"]["via"] == "delegation"
    assert by_type["commissioning.DelegationUsed"]["data"]["case_id"] == first
    assert by_type["commissioning.DecisionRecorded"]["authority"]["via"] == "delegation"
    # And so does the auditors' timeline of the case, from the audit index.
    auditor = bearer(settings, Role.AUDITOR, "aude")

    async def indexed() -> bool:
        timeline = await commissioning.get(f"/audit/cases/{first}", headers=auditor)
        types = [e["type"] for e in timeline.json().get("entries", [])]
        return (
            "commissioning.DelegationGranted" in types and "commissioning.DelegationUsed" in types
        )

    await wait_until(indexed, what="the delegation in the case's audit timeline")

    revoked = await commissioning.post(
        f"/delegations/{delegation_id}/revoke",
        json={"reason": "Back from leave early."},
        headers={**director, "If-Match": f'"{used["version"]}"'},
    )
    assert revoked.status_code == 200, revoked.text
    second, trust = await at_the_board(commissioning, settings, log, pool)
    after = await decide(commissioning, settings, second, deputy, approval(trust))
    assert after.status_code == 403 and after.json()["type"] == OUT_OF_SCOPE, after.text
    listed = await commissioning.get(
        "/delegations", params={"delegate": "deputy.nw", "in_force": "false"}, headers=deputy
    )
    assert delegation_id in {d["delegation_id"] for d in listed.json()["items"]}


async def test_a_referred_case_is_decided_by_its_referee_and_nobody_in_its_region(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    case_id, trust = await at_the_board(commissioning, settings, log, pool)
    director = as_(settings, Role.DECISION_MAKER, "rd.yorkshire", "region:D")
    east = as_(settings, Role.DECISION_MAKER, "rd.east", "region:G")

    async def refer(headers: dict[str, str], **body: Any) -> httpx.Response:
        at = await at_version(commissioning, settings, f"/cases/{case_id}", headers)
        return await commissioning.post(f"/cases/{case_id}/referral", json=body, headers=at)

    conflict = {
        "capacity": "another_regional_director",
        "referred_to": "rd.east",
        "reason_category": "conflict_of_interest",
        "reason": "The regional director chairs a trust on the shortlist.",
    }
    same_region = await refer(director, **conflict, to_region_code="D")
    assert same_region.status_code == 422, same_region.text
    # Someone from another region cannot refer (or take) a case that is not theirs.
    assert (await refer(east, **conflict, to_region_code="G")).status_code == 403
    referred = await refer(director, **conflict, to_region_code="G")
    assert referred.status_code == 200, referred.text

    # Nobody in the home region decides it now, not even a national decision maker.
    for who in (director, as_(settings, Role.DECISION_MAKER, "dg", "national")):
        refused = await decide(commissioning, settings, case_id, who, approval(trust))
        assert refused.status_code == 403 and refused.json()["type"] == REFERRED_ELSEWHERE
        assert refused.json()["referred_to"] == "rd.east"
    # Nor can the home region take it back by referring it again.
    again = await refer(director, **{**conflict, "referred_to": "rd.london"}, to_region_code="H")
    assert again.status_code == 403 and again.json()["type"] == REFERRED_ELSEWHERE

    # The referee reads it (and finds it listed), though it is not in their region.
    shown = await commissioning.get(f"/cases/{case_id}", headers=east)
    assert shown.status_code == 200, shown.text
    assert shown.json()["referral"]["referred_to"] == "rd.east"
    assert shown.json()["referral"]["to_region_code"] == "G"
    listed = await commissioning.get(
        "/cases", params={"urn": shown.json()["urns"][0]}, headers=east
    )
    assert [c["case_id"] for c in listed.json()["items"]] == [case_id]
    other_east = as_(settings, Role.READER, "reader.east", "region:G")
    assert (await commissioning.get(f"/cases/{case_id}", headers=other_east)).status_code == 403

    # The referee decides, in the capacity the referral gave them.
    wrong = await decide(commissioning, settings, case_id, east, approval(trust))
    assert wrong.status_code == 422 and "another regional director" in wrong.json()["detail"]
    body = approval(trust, decision_maker_capacity="another_regional_director")
    decided = await decide(commissioning, settings, case_id, east, body)
    assert decided.status_code == 200, decided.text
    events = await case_events(log, case_id)
    assert authority_of(events, "commissioning.DecisionRecorded")["authority"]["via"] == "referral"
    trail = await commissioning.get(f"/cases/{case_id}/audit", headers=east)
    referral = next(e for e in trail.json()["entries"] if e["type"] == "commissioning.CaseReferred")
    assert referral["actor"] == "rd.yorkshire" and referral["data"]["to_region_code"] == "G"


async def test_whoever_a_decision_is_challenged_to_finds_the_case_in_their_list(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    case_id, trust = await at_the_board(commissioning, settings, log, pool)
    director = as_(settings, Role.DECISION_MAKER, "rd.yorkshire", "region:D")
    east = as_(settings, Role.DECISION_MAKER, "rd.east", "region:G")
    decided = await decide(commissioning, settings, case_id, director, approval(trust))
    assert decided.status_code == 200, decided.text
    case = (await commissioning.get(f"/cases/{case_id}", headers=director)).json()
    urn = case["urns"][0]

    async def listed() -> list[str]:
        page = await commissioning.get("/cases", params={"urn": urn}, headers=east)
        assert page.status_code == 200, page.text
        return [c["case_id"] for c in page.json()["items"]]

    assert await listed() == []
    at = await at_version(commissioning, settings, f"/cases/{case_id}", director)
    challenged = await commissioning.post(
        f"/cases/{case_id}/decision/challenge",
        json={
            "kind": "escalation",
            "capacity": "another_regional_director",
            "referred_to": "rd.east",
            "to_region_code": "G",
            "reason": "The regional director chairs a trust on the shortlist.",
        },
        headers=at,
    )
    assert challenged.status_code == 200, challenged.text
    # Theirs alone to decide now, and so theirs to find, though the school is not in G.
    assert await listed() == [case_id]


async def test_whoever_shortlisted_a_trust_may_not_decide_on_it(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    trust = await register_trust(log)
    member = await register_school(log, trust_uid=trust)
    urn = await register_school(log)
    await known(pool, urns=[urn, member], uids=[trust])
    case_id = await open_case(commissioning, settings, [urn])
    # Sam is both a caseworker and a decision maker, and shortlists the trust.
    sam = {
        "Authorization": "Bearer "
        + issue_token(settings, roles=[Role.CASEWORKER, Role.DECISION_MAKER], subject="sam"),
    }
    for action, body in (
        ("shortlist", {"trust_uids": [trust]}),
        ("advisory-board", {"board_date": TODAY.isoformat()}),
    ):
        at = await at_version(commissioning, settings, f"/cases/{case_id}", sam)
        done = await commissioning.post(f"/cases/{case_id}/{action}", json=body, headers=at)
        assert done.status_code == 200, done.text
    before = len(await case_events(log, case_id))
    declined: dict[str, Any] = {
        "outcome": "declined",
        "decided_on": TODAY.isoformat(),
        "decision_maker_name": "Sam",
        "decision_maker_capacity": "deputy_director",
        "rationale": "Not this trust.",
        "reason_codes": ["performance"],
    }
    for body in (approval(trust), declined):
        refused = await decide(commissioning, settings, case_id, sam, body)
        assert refused.status_code == 403, refused.text
        problem = refused.json()
        assert problem["type"] == SEPARATION and problem["rule"] == "recommender-may-not-decide"
        assert problem["trust_uids"] == [trust] and "shortlisted" in problem["detail"]
    assert len(await case_events(log, case_id)) == before
    other = bearer(settings, Role.DECISION_MAKER, "dora")
    assert (
        await decide(commissioning, settings, case_id, other, approval(trust))
    ).status_code == 200


async def test_lists_show_what_is_where_you_act_and_what_is_published(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    leeds = await register_school(log)
    trust = await register_trust(log)
    camden = await register_school(log, trust_uid=trust, la_code="202", region="H")
    await known(pool, urns=[leeds, camden], uids=[trust])
    in_leeds = await open_case(commissioning, settings, [leeds])
    in_camden = await open_case(commissioning, settings, [camden])

    async def cases(headers: dict[str, str], **params: str) -> set[str]:
        found: set[str] = set()
        for urn in (leeds, camden):
            page = await commissioning.get("/cases", params={"urn": urn, **params}, headers=headers)
            assert page.status_code == 200, page.text
            found |= {c["case_id"] for c in page.json()["items"]}
        return found

    yorkshire = as_(settings, Role.READER, "r.yorks", "region:D")
    london = as_(settings, Role.READER, "r.london", "region:H")
    assert await cases(yorkshire) == {in_leeds}
    assert await cases(yorkshire, scope="all") == {in_leeds}, "casework is never published"
    assert await cases(as_(settings, Role.READER, "r.leeds", "la:383")) == {in_leeds}
    assert await cases(london) == {in_camden}
    assert await cases(as_(settings, Role.READER, "r.nowhere")) == set()
    assert await cases(bearer(settings, Role.READER, "r.national")) == {in_leeds, in_camden}
    hidden = await commissioning.get(f"/cases/{in_camden}", headers=yorkshire)
    assert hidden.status_code == 403 and hidden.json()["resource_region"] == "H"

    # Two notices against the Camden academy: one published, one not.
    caseworker = as_(settings, Role.CASEWORKER, "cw.london", "region:H")
    ids = {}
    for published in (True, False):
        issued = await commissioning.post(
            "/interventions",
            json={
                "kind": "nti_warning_letter",
                "trust_uid": trust,
                "urn": camden,
                "grounds": "Governance concerns.",
                "published": published,
                **DECIDED,
            },
            headers=caseworker,
        )
        assert issued.status_code == 201, issued.text
        ids[published] = issued.json()["intervention_id"]

    async def notices(headers: dict[str, str], **params: str) -> set[str]:
        page = await commissioning.get(
            "/interventions", params={"trust_uid": trust, **params}, headers=headers
        )
        assert page.status_code == 200, page.text
        return {i["intervention_id"] for i in page.json()["items"]}

    assert await notices(yorkshire) == set()
    assert await notices(yorkshire, scope="all") == {ids[True]}
    assert await notices(london) == {ids[True], ids[False]}
    public = await commissioning.get(f"/interventions/{ids[True]}", headers=yorkshire)
    assert public.status_code == 200
    unpublished = await commissioning.get(f"/interventions/{ids[False]}", headers=yorkshire)
    assert unpublished.status_code == 403 and unpublished.json()["type"] == OUT_OF_SCOPE
    # Issuing against a trust whose academies are all in London is London's to do.
    elsewhere = await commissioning.post(
        "/interventions",
        json={"kind": "nti_warning_letter", "trust_uid": trust, "grounds": "Finance.", **DECIDED},
        headers=as_(settings, Role.CASEWORKER, "cw.yorks", "region:D"),
    )
    assert elsewhere.status_code == 403 and elsewhere.json()["resource_region"] == "H"


# ------------------------------------------------------------ a new table taking effect


@pytest.fixture
async def own_commissioning(
    fresh_database: Callable[..., Awaitable[str]],
) -> AsyncIterator[tuple[httpx.AsyncClient, Settings]]:
    """Commissioning on a database of its own: these tests publish authority tables."""
    url = await fresh_database()
    settings = Settings(environment="test", database_url=url, jwt_secret=TEST_SECRET)
    app = create_app(settings, url=url)

    async def fixed_today() -> date:
        return TODAY

    app.dependency_overrides[today] = fixed_today
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, settings


def _table_v1() -> dict[str, Any]:
    path = PROJECT_ROOT / "services/commissioning/policies/authority/v1.json"
    publication: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return publication


def _publication(effective_from: date, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    publication = _table_v1()
    for row in publication["document"]["rows"]:
        change(row)
    return {**publication, "effective_from": effective_from.isoformat(), "title": "Changed"}


async def test_a_delegation_may_not_outlive_its_grantors_authority(
    own_commissioning: tuple[httpx.AsyncClient, Settings],
) -> None:
    client, settings = own_commissioning
    admin = bearer(settings, Role.ADMIN, "pat")

    def national_decisions(row: dict[str, Any]) -> None:
        # From a date, cases are decided by a national decision maker only.
        if row["step"] == DECIDE:
            row.update(scope="national", delegable=False, referral="none")

    changes_on = TODAY + timedelta(days=10)
    published = await client.post(
        "/policies/authority", json=_publication(changes_on, national_decisions), headers=admin
    )
    assert published.status_code == 201, published.text
    director = as_(settings, Role.DECISION_MAKER, "rd.yorkshire", "region:D")
    too_long = await client.post(
        "/delegations", json=delegation("deputy", days=14), headers=director
    )
    assert too_long.status_code == 422, too_long.text
    problem = too_long.json()
    assert problem["type"].endswith("/delegation-refused")
    assert problem["authority_ends_on"] == (changes_on - timedelta(days=1)).isoformat()
    assert "outlive your own authority" in problem["detail"]
    fits = await client.post("/delegations", json=delegation("deputy", days=9), headers=director)
    assert fits.status_code == 201, fits.text


async def test_a_new_authority_table_takes_effect_here_at_once(
    own_commissioning: tuple[httpx.AsyncClient, Settings],
) -> None:
    client, settings = own_commissioning
    reader = bearer(settings, Role.READER, "rita")
    assert (await client.get("/cases", headers=reader)).status_code == 200

    def no_readers(row: dict[str, Any]) -> None:
        if row["step"] == "commissioning.cases.read":
            row["roles"] = [r for r in row["roles"] if r != "reader"]

    published = await client.post(
        "/policies/authority",
        json=_publication(TODAY, no_readers),
        headers=bearer(settings, Role.ADMIN, "pat"),
    )
    assert published.status_code == 201, published.text
    refused = await client.get("/cases", headers=reader)
    assert refused.status_code == 403, refused.text
    assert refused.json()["authority_version"] == SHIPPED + 1
    # Not for a regional administrator: the table is national.
    regional = await client.post(
        "/policies/authority",
        json=_publication(TODAY, no_readers),
        headers=as_(settings, Role.ADMIN, "pat", "region:D"),
    )
    assert regional.status_code == 403 and regional.json()["type"] == OUT_OF_SCOPE


async def test_the_make_run_banner_gives_two_regions_one_read_and_one_refusal(
    commissioning: httpx.AsyncClient,
    settings: Settings,
    log: EventStore,
    pool: asyncpg.Pool,
    database_url: str,
) -> None:
    urn = await register_school(log)
    await known(pool, urns=[urn])
    case_id = await open_case(commissioning, settings, [urn])
    # make run finds the first case in the log, its region, and another.
    first, home, away = await _sample_regions(database_url)
    assert first is not None and home != away and {home, away} <= set("ABDEFGHJK")
    lines = startup_banner(
        settings, host="127.0.0.1", era=1, sample_case=case_id, home="D", away="H"
    )
    text = "\n".join(lines)
    assert "Yorkshire and the Humber (region:D), where the sample case is:" in text
    assert "London (region:H), another region:" in text
    assert f"/cases/{case_id}" in text
    # The line after each region's heading is its token.
    tokens = [lines[i + 1].strip() for i, line in enumerate(lines) if "(region:" in line]
    answers = [
        await commissioning.get(f"/cases/{case_id}", headers={"Authorization": f"Bearer {t}"})
        for t in tokens
    ]
    assert [a.status_code for a in answers] == [200, 403]
    assert answers[1].json()["your_scopes"] == ["region:H"]
