"""Helpers for the assessment service's HTTP tests: tokens, a test framework, unique trusts."""

from __future__ import annotations

import random
import uuid
from datetime import date
from typing import Any

import asyncpg
import httpx

from shared.contracts import all_contracts
from shared.contracts.registry import TrustDetails, TrustIncorporated
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import NO_STREAM, NewEvent
from shared.eventlog.store import EventStore
from shared.http.auth import Role, issue_token
from shared.settings import Settings
from tests.integration.helpers import wait_until

ASSESSOR = "assessor-ada"
ASSESSOR_2 = "assessor-ben"
MODERATOR = "moderator-mo"


def bearer(settings: Settings, *roles: Role, subject: str) -> dict[str, str]:
    """Authorization (and a reason) for a caller with ``roles``."""
    token = issue_token(settings, roles=list(roles), subject=subject)
    return {"Authorization": f"Bearer {token}", "X-Reason": f"test by {subject}"}


def unique_uid() -> int:
    """A trust UID no other test uses (well above real GIAS UIDs, below provisional ones)."""
    return random.randrange(50_000_000, 89_999_999)


def framework_definition(framework_id: str | None = None) -> dict[str, Any]:
    """A small two-pillar framework with a unique id."""
    return {
        "framework_id": framework_id or f"t-{uuid.uuid4().hex[:12]}",
        "name": "Test framework",
        "publisher": "Tests",
        "published_on": "2023-01-01",
        "pillars": [
            {
                "key": "education",
                "name": "Education",
                "themes": [{"key": "curriculum", "name": "Curriculum"}],
            },
            {"key": "finance", "name": "Finance", "themes": []},
        ],
    }


async def assessment_events(pool: asyncpg.Pool, assessment_id: str) -> int:
    """How many events the assessment's stream holds."""
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM events WHERE stream_id = $1", f"assessment-{assessment_id}"
        )
    )


def evidence_body(pillar: str, theme: str | None = None) -> dict[str, Any]:
    """A valid evidence item on ``pillar``."""
    return {
        "pillar": pillar,
        "theme": theme,
        "kind": "visit",
        "summary": f"Observed {pillar}",
        "source_reference": "visit notes 2026-10-01",
        "observed_on": "2026-10-01",
        "metric": {"name": "Attendance", "value": 94.5, "unit": "%"},
    }


class Api:
    """The assessment API as the tests use it, one caller per role."""

    def __init__(self, client: httpx.AsyncClient, settings: Settings, pool: asyncpg.Pool) -> None:
        self.client = client
        self.store = EventStore(pool, all_contracts())
        self.admin = bearer(settings, Role.ADMIN, subject="admin-al")
        self.assessor = bearer(settings, Role.ASSESSOR, subject=ASSESSOR)
        self.assessor2 = bearer(settings, Role.ASSESSOR, subject=ASSESSOR_2)
        # The same person as ``assessor``, also holding the moderator role.
        self.assessor_moderator = bearer(settings, Role.ASSESSOR, Role.MODERATOR, subject=ASSESSOR)
        self.moderator = bearer(settings, Role.MODERATOR, subject=MODERATOR)
        self.reader = bearer(settings, Role.READER, subject="reader-rae")

    async def framework(self) -> str:
        """Publish a fresh test framework; its id."""
        r = await self.client.post("/frameworks", json=framework_definition(), headers=self.admin)
        assert r.status_code == 201, r.text
        return str(r.json()["framework_id"])

    async def trust(self, uid: int | None = None) -> int:
        """A trust the assessment service knows; its UID (a new one unless ``uid`` is given).

        Put on the registry's side of the log if it is not there yet, then waited for: the
        service hears of trusts only through its indicators projection, a moment later.
        """
        uid = uid if uid is not None else unique_uid()
        if await self.store.stream_version(f"trust-{uid}") == 0:
            incorporated = TrustIncorporated(
                uid=uid,
                details=TrustDetails(
                    name=f"Test Trust {uid}",
                    trust_type="multi_academy_trust",
                    status="Open",
                    incorporated_on=date(2015, 9, 1),
                ),
                effective_on=date(2015, 9, 1),
            )
            await self.store.append(
                f"trust-{uid}",
                [NewEvent(incorporated, EventMetadata(actor="test-registry"))],
                expected_version=NO_STREAM,
            )

        async def known() -> bool:
            r = await self.client.get(f"/trusts/{uid}/indicators", headers=self.reader)
            return r.status_code == 200

        await wait_until(known, what=f"the assessment service to know trust {uid}")
        return uid

    async def start(self, framework_id: str, uid: int) -> str:
        """Start an assessment of trust ``uid`` (made known first) as the assessor; its id."""
        await self.trust(uid)
        r = await self.client.post(
            "/assessments",
            json={"trust_uid": uid, "framework_id": framework_id},
            headers=self.assessor,
        )
        assert r.status_code == 201, r.text
        return str(r.json()["assessment_id"])

    async def version(self, aid: str) -> int:
        """The assessment's current version (its ETag)."""
        r = await self.client.get(f"/assessments/{aid}", headers=self.reader)
        assert r.status_code == 200, r.text
        assert r.headers["ETag"] == f'"{r.json()["version"]}"'
        return int(r.json()["version"])

    async def at(self, aid: str, headers: dict[str, str]) -> dict[str, str]:
        """``headers`` with If-Match naming the assessment's current version."""
        return {**headers, "If-Match": f'"{await self.version(aid)}"'}

    async def evidence(self, aid: str, pillar: str) -> str:
        """Record evidence as the assessor; its id."""
        r = await self.client.post(
            f"/assessments/{aid}/evidence",
            json=evidence_body(pillar),
            headers=await self.at(aid, self.assessor),
        )
        assert r.status_code == 201, r.text
        return str(r.json()["evidence_id"])

    async def judge(self, aid: str, pillar: str, descriptor: str = "secure") -> httpx.Response:
        """Judge a pillar at the current version."""
        version = await self.version(aid)
        return await self.client.put(
            f"/assessments/{aid}/pillars/{pillar}/judgement",
            json={"descriptor": descriptor, "rationale": f"{pillar} is {descriptor}"},
            headers={**self.assessor, "If-Match": f'"{version}"'},
        )

    async def complete(self, aid: str, descriptor: str = "secure") -> None:
        """Evidence and a judgement on both pillars, submitted and approved."""
        for pillar in ("education", "finance"):
            await self.evidence(aid, pillar)
            assert (await self.judge(aid, pillar, descriptor)).status_code == 200
        r = await self.client.post(
            f"/assessments/{aid}/submit", headers=await self.at(aid, self.assessor)
        )
        assert r.status_code == 200, r.text
        r = await self.client.post(
            f"/assessments/{aid}/moderate",
            json={"decision": "approve"},
            headers=await self.at(aid, self.moderator),
        )
        assert r.status_code == 200, r.text
