"""Registry writes over HTTP: a GIAS snapshot handed in as files, and trusts registered by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.registry import imports_api
from services.registry.gias.snapshot import GiasFiles
from services.registry.main import create_app
from shared.eventlog.store import EventStore
from shared.http.auth import Role, issue_token
from shared.settings import Settings
from tests.integration.helpers import wait_until
from tests.registry.test_gias_import import first_snapshot


@pytest.fixture
async def client(settings: Settings, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, url=database_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


def bearer(settings: Settings, role: Role, subject: str = "feed-bot") -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, roles=[role], subject=subject)}"}


async def test_a_snapshot_handed_in_is_applied_in_the_background_and_reported(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    files = first_snapshot(tmp_path)
    upload = {
        "establishments": (
            files.establishments.name,
            files.establishments.read_bytes(),
            "text/csv",
        ),
        "groups": (files.groups.name, files.groups.read_bytes(), "text/csv"),
        "links": (files.links.name, files.links.read_bytes(), "text/csv"),
    }
    refused = await client.post(
        "/imports/gias", files=upload, headers=bearer(settings, Role.READER)
    )
    assert refused.status_code == 403
    accepted = await client.post(
        "/imports/gias",
        files=upload,
        headers={**bearer(settings, Role.DATA_FEED), "X-Reason": "nightly"},
    )
    assert accepted.status_code == 202, accepted.text
    report_url = accepted.json()["report_url"]
    reader = bearer(settings, Role.READER, "analyst")

    async def finished() -> bool:
        return bool((await client.get(report_url, headers=reader)).json()["status"] != "running")

    await wait_until(finished, what="the import to finish")
    report = (await client.get(report_url, headers=reader)).json()
    assert report["status"] == "completed"
    assert report["requested_by"] == "feed-bot"
    assert report["snapshot_date"] == "2026-09-01"
    assert {r["reason"] for r in report["rejected"]} >= {"is not a whole number"}
    missing = await client.get("/imports/00000000000000000000000000000000", headers=reader)
    assert missing.status_code == 404


async def test_an_unusable_snapshot_is_reported_as_failed(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    files = first_snapshot(tmp_path)
    upload = {
        "establishments": ("edubasealldata20260901.csv", b'"URN"\r\n"100001"\r\n', "text/csv"),
        "groups": (files.groups.name, files.groups.read_bytes(), "text/csv"),
        "links": (files.links.name, files.links.read_bytes(), "text/csv"),
    }
    accepted = await client.post(
        "/imports/gias", files=upload, headers=bearer(settings, Role.DATA_FEED)
    )
    report_url = accepted.json()["report_url"]
    reader = bearer(settings, Role.READER)

    async def finished() -> bool:
        return bool((await client.get(report_url, headers=reader)).json()["status"] != "running")

    await wait_until(finished, what="the import to fail")
    report = (await client.get(report_url, headers=reader)).json()
    assert report["status"] == "failed"
    assert "missing required columns" in report["error"]


def _upload(files: GiasFiles, **replaced: tuple[str, bytes]) -> dict[str, tuple[str, bytes, str]]:
    parts = {
        "establishments": (files.establishments.name, files.establishments.read_bytes()),
        "groups": (files.groups.name, files.groups.read_bytes()),
        "links": (files.links.name, files.links.read_bytes()),
        **replaced,
    }
    return {part: (name, data, "text/csv") for part, (name, data) in parts.items()}


async def _imports_started(store: EventStore) -> int:
    return int(
        await store.pool.fetchval("SELECT count(*) FROM events WHERE category = 'gias_import'")
    )


@pytest.mark.parametrize(
    ("replaced", "parts", "reason"),
    [
        # Found by probing: both were accepted, then reported only as "error": "ValueError".
        (
            {"establishments": ("establishments.csv", b"URN\r\n")},
            ["establishments"],
            "no snapshot date",
        ),
        (
            {"establishments": ("edubasealldata20261399.csv", b"URN\r\n")},
            ["establishments"],
            "no snapshot date",
        ),
        (
            {"groups": ("allgroupsdata20260901.csv", b""), "links": ("l.csv", b"")},
            ["groups", "links"],
            "is empty",
        ),
    ],
    ids=["undated", "not-a-date", "empty"],
)
async def test_files_that_cannot_be_a_snapshot_are_refused_before_anything_starts(
    client: httpx.AsyncClient,
    settings: Settings,
    store: EventStore,
    tmp_path: Path,
    replaced: dict[str, tuple[str, bytes]],
    parts: list[str],
    reason: str,
) -> None:
    before = await _imports_started(store)
    refused = await client.post(
        "/imports/gias",
        files=_upload(first_snapshot(tmp_path), **replaced),
        headers=bearer(settings, Role.DATA_FEED),
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    body = refused.json()
    assert [e["loc"] for e in body["errors"]] == [["body", part] for part in parts]
    assert all(reason in e["msg"] for e in body["errors"])
    assert all(part in body["detail"] for part in parts)
    assert await _imports_started(store) == before


async def test_an_import_that_fails_unexpectedly_says_so_in_a_sentence(
    client: httpx.AsyncClient,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(*_: object, **__: object) -> None:
        raise ValueError("internal detail that stays in the log")

    monkeypatch.setattr(imports_api, "import_gias", broken)
    accepted = await client.post(
        "/imports/gias",
        files=_upload(first_snapshot(tmp_path)),
        headers=bearer(settings, Role.DATA_FEED),
    )
    assert accepted.status_code == 202, accepted.text
    import_id = accepted.json()["import_id"]
    reader = bearer(settings, Role.READER)

    async def failed() -> bool:
        report = await client.get(f"/imports/{import_id}", headers=reader)
        return bool(report.json()["status"] == "failed")

    await wait_until(failed, what="the import to fail")
    error = (await client.get(f"/imports/{import_id}", headers=reader)).json()["error"]
    assert error.startswith("An unexpected error (ValueError) stopped the import")
    assert import_id in error
    assert "internal detail" not in error


async def test_a_misnamed_part_is_refused_and_nothing_is_started(
    client: httpx.AsyncClient, settings: Settings, store: EventStore, tmp_path: Path
) -> None:
    files = first_snapshot(tmp_path)
    upload = {
        "establishments": (
            files.establishments.name,
            files.establishments.read_bytes(),
            "text/csv",
        ),
        "groups": (files.groups.name, files.groups.read_bytes(), "text/csv"),
        "links": (files.links.name, files.links.read_bytes(), "text/csv"),
        "establishment_links": ("links.csv", b"URN\r\n", "text/csv"),
    }
    before = await store.pool.fetchval("SELECT count(*) FROM events WHERE category = 'gias_import'")
    refused = await client.post(
        "/imports/gias", files=upload, headers=bearer(settings, Role.DATA_FEED)
    )
    assert refused.status_code == 422
    assert refused.json()["unknown_parts"] == ["establishment_links"]
    after = await store.pool.fetchval("SELECT count(*) FROM events WHERE category = 'gias_import'")
    assert after == before


async def test_a_caseworker_registers_an_la_established_trust(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    body = {
        "name": "Leeds Local Authority Trust",
        "trust_type": "multi_academy_trust",
        "incorporated_on": "2026-09-01",
        "established_by_la_code": "383",
    }
    assert (
        await client.post("/trusts", json=body, headers=bearer(settings, Role.READER))
    ).status_code == 403
    created = await client.post(
        "/trusts", json=body, headers=bearer(settings, Role.CASEWORKER, "carol")
    )
    assert created.status_code == 201, created.text
    uid = created.json()["uid"]
    assert created.json()["provisional"] is True and uid >= 90_000_000
    assert created.headers["Location"] == f"/trusts/{uid}"
    reader = bearer(settings, Role.READER)

    async def listed() -> bool:
        return (await client.get(f"/trusts/{uid}", headers=reader)).status_code == 200

    await wait_until(listed, what="the trust to reach the read model")
    trust = (await client.get(f"/trusts/{uid}", headers=reader)).json()
    assert trust["la_established"] is True
    again = await client.post(
        "/trusts", json={**body, "uid": uid}, headers=bearer(settings, Role.CASEWORKER)
    )
    assert again.status_code == 409
