"""Shortlists a regional director would accept: the case's constraints (religious character,
distance, region) with trusts they remove listed and why, evidence coverage, and pages."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from services.commissioning.candidates.constraints import (
    CaseSchool,
    Constraints,
    TrustReach,
    removed_by,
)
from shared.eventlog.store import EventStore
from shared.http.auth import Role
from shared.settings import Settings
from tests.commissioning.conftest import at_version, bearer, known, register_school, register_trust
from tests.commissioning.test_cases_api import open_case

RC = "Roman Catholic"
HERE = (150_000, 50_000)  # far from every other test's schools
SCHOOL = CaseSchool(RC, "K", *HERE)


def reach(faith: str, region: str, km_away: float) -> TrustReach:
    return TrustReach(
        frozenset({faith}), frozenset({region}), ((HERE[0] + int(km_away * 1000), HERE[1]),)
    )


def test_each_constraint_removes_a_trust_with_its_reason() -> None:
    defaults = Constraints()
    assert removed_by(reach(RC, "K", 5), [SCHOOL], defaults) is None
    code, why = removed_by(reach("Church of England", "K", 5), [SCHOOL], defaults) or ("", "")
    assert code == "other_religious_character" and "Runs no Roman Catholic schools" in why
    assert (removed_by(reach(RC, "J", 5), [SCHOOL], defaults) or ("",))[0] == "other_region"
    code, why = removed_by(reach(RC, "K", 80), [SCHOOL], defaults) or ("", "")
    assert code == "beyond_max_distance" and "80.0 km" in why and "50 km" in why
    widened = Constraints(diocese_agreed_otherwise=True, max_distance_km=None, same_region=False)
    for trust in (reach("Church of England", "J", 80), reach(RC, "K", 5)):
        assert removed_by(trust, [SCHOOL], widened) is None
    # A trust with no school yet has no place to measure: only religious character applies.
    new_trust = TrustReach(frozenset(), frozenset(), ())
    assert removed_by(new_trust, [CaseSchool(None, "K", *HERE)], defaults) is None
    assert (removed_by(new_trust, [SCHOOL], defaults) or ("",))[0] == "other_religious_character"
    # A school without a religious character asks nothing of the trust's.
    plain = CaseSchool("Does not apply", "K", *HERE)
    assert removed_by(reach("Church of England", "K", 5), [plain], defaults) is None


async def candidates(
    client: httpx.AsyncClient, settings: Settings, case_id: str, **params: Any
) -> httpx.Response:
    return await client.get(
        f"/cases/{case_id}/candidates", params=params, headers=bearer(settings, Role.READER)
    )


async def test_constraints_edit_per_case_and_pages_follow_their_cursor(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    trusts = {
        name: await register_trust(log, f"{name} Trust")
        for name in ("near_rc", "near_rc_too", "near_ce", "far_rc", "other_region_rc")
    }
    members = [
        await register_school(
            log, trust_uid=trusts["near_rc"], region="K", place=HERE, religious_character=RC
        ),
        await register_school(
            log,
            trust_uid=trusts["near_rc_too"],
            region="K",
            place=(HERE[0] + 3000, HERE[1]),
            religious_character=RC,
        ),
        await register_school(
            log,
            trust_uid=trusts["near_ce"],
            region="K",
            place=HERE,
            religious_character="Church of England",
        ),
        await register_school(
            log,
            trust_uid=trusts["far_rc"],
            region="K",
            place=(HERE[0] + 80_000, HERE[1]),
            religious_character=RC,
        ),
        await register_school(
            log, trust_uid=trusts["other_region_rc"], region="J", place=HERE, religious_character=RC
        ),
    ]
    urn = await register_school(log, region="K", place=HERE, religious_character=RC)
    await known(pool, urns=[urn, *members], uids=list(trusts.values()))
    case_id = await open_case(commissioning, settings, [urn])

    ranked = (await candidates(commissioning, settings, case_id)).json()
    assert [c["trust_uid"] for c in ranked["candidates"]] == [
        trusts["near_rc"],
        trusts["near_rc_too"],
    ]
    excluded = {e["trust_uid"]: e["reason_code"] for e in ranked["excluded"]}
    assert excluded[trusts["near_ce"]] == "other_religious_character"
    assert excluded[trusts["far_rc"]] == "beyond_max_distance"
    assert excluded[trusts["other_region_rc"]] == "other_region"
    assert ranked["constraints"]["max_distance_km"] == 50.0
    first = ranked["candidates"][0]
    assert [e["published"] for e in first["evidence"]] == [False] * len(ranked["pillars"])

    # One page at a time: the cursor leads to the next, and the last has none.
    page = (await candidates(commissioning, settings, case_id, limit=1)).json()
    assert len(page["candidates"]) == 1 and page["total_candidates"] == 2
    following = (
        await candidates(commissioning, settings, case_id, limit=1, cursor=page["next_cursor"])
    ).json()
    assert [c["rank"] for c in following["candidates"]] == [2]
    assert following["candidates"][0]["trust_uid"] == trusts["near_rc_too"]
    assert following["next_cursor"] is None
    bad = await candidates(commissioning, settings, case_id, cursor="nonsense")
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "cursor"]

    cw = bearer(settings, Role.CASEWORKER)
    path = f"/cases/{case_id}/constraints"
    widened = {
        "same_religious_character": True,
        "diocese_agreed_otherwise": True,
        "max_distance_km": 100.0,
        "same_region": False,
    }
    refused = await commissioning.put(
        path,
        json=widened,
        headers=await at_version(commissioning, settings, f"/cases/{case_id}", cw),
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["loc"] == ["body", "diocese_agreement_reference"]
    set_ = await commissioning.put(
        path,
        json={**widened, "diocese_agreement_reference": "Diocese letter, 3 Nov"},
        headers=await at_version(commissioning, settings, f"/cases/{case_id}", cw),
    )
    assert set_.status_code == 200, set_.text
    case = (await commissioning.get(f"/cases/{case_id}", headers=cw)).json()
    assert case["constraints"]["diocese_agreement_reference"] == "Diocese letter, 3 Nov"
    ranked = (await candidates(commissioning, settings, case_id, limit=200)).json()
    shown = {c["trust_uid"] for c in ranked["candidates"]}
    assert set(trusts.values()) <= shown
