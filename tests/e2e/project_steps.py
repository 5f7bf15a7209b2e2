"""A transfer project worked through over HTTP, as a case team does: every open condition
met, every mandatory task completed, the date confirmed, authority to proceed recorded."""

from __future__ import annotations

from typing import Any

import httpx


def _at(headers: dict[str, str], version: int) -> dict[str, str]:
    return {**headers, "If-Match": f'"{version}"'}


async def _json(response: httpx.Response, *expected: int) -> Any:
    assert response.status_code in (expected or (200,)), (response.request.url, response.text)
    return response.json()


async def project_of(
    client: httpx.AsyncClient, headers: dict[str, str], case_id: str
) -> dict[str, Any]:
    """The project the case's standing approval opened."""
    case = await _json(await client.get(f"/cases/{case_id}", headers=headers))
    project_id = case["decision"]["decision_id"]
    project: dict[str, Any] = await _json(
        await client.get(f"/projects/{project_id}", headers=headers)
    )
    return project


async def meet_conditions(
    client: httpx.AsyncClient, caseworker: dict[str, str], case_id: str
) -> None:
    """Each open condition of the approval met, with its evidence."""
    case = await _json(await client.get(f"/cases/{case_id}", headers=caseworker))
    version = case["version"]
    for condition in case["decision"]["condition_status"]:
        if condition["status"] != "open":
            continue
        written = await _json(
            await client.post(
                f"/cases/{case_id}/decision/conditions/{condition['number']}/met",
                json={"evidence": f"Evidence for: {condition['text']}"},
                headers=_at(caseworker, version),
            )
        )
        version = written["version"]


async def work_through(
    client: httpx.AsyncClient, caseworker: dict[str, str], project: dict[str, Any]
) -> int:
    """Every mandatory task done and the date confirmed; the project's version after."""
    base = f"/projects/{project['project_id']}"
    version = int(project["version"])
    for task in project["tasks"]:
        if task["mandatory"] and not task["done"]:
            written = await _json(
                await client.post(
                    f"{base}/tasks/{task['key']}/complete",
                    json={"document_reference": f"{task['key']} signed"},
                    headers=_at(caseworker, version),
                )
            )
            version = written["version"]
    confirmed = await _json(
        await client.post(f"{base}/significant-date/confirm", headers=_at(caseworker, version))
    )
    return int(confirmed["version"])


async def authorise(
    client: httpx.AsyncClient, caseworker: dict[str, str], case_id: str
) -> dict[str, Any]:
    """The whole way to authority to proceed; the project after it."""
    await meet_conditions(client, caseworker, case_id)
    project = await project_of(client, caseworker, case_id)
    version = await work_through(client, caseworker, project)
    await _json(
        await client.post(
            f"/projects/{project['project_id']}/authority-to-proceed",
            headers=_at(caseworker, version),
        )
    )
    return await project_of(client, caseworker, case_id)


# The sample puts the story's assessed trusts wherever it likes: the story lifts the case's
# constraints (religious character, distance, region) so that they are candidates.
NO_CONSTRAINTS = {
    "same_religious_character": False,
    "max_distance_km": None,
    "same_region": False,
}


async def lift_constraints(
    client: httpx.AsyncClient, caseworker: dict[str, str], case_id: str, version: int
) -> int:
    """The case's constraints lifted; the case's version after."""
    lifted = await _json(
        await client.put(
            f"/cases/{case_id}/constraints",
            json=NO_CONSTRAINTS,
            headers=_at(caseworker, version),
        )
    )
    return int(lifted["version"])
