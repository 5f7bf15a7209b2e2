"""The console's pages: p95 render time of each main page on the ``make run`` sample.

A fresh database gets what a first ``make run`` loads (2,000 synthetic schools, frameworks
and sample assessments, a sample case with criteria), plus one termination warning notice
so the intervention pages have something to show. The three services and the console then
run as processes of their own, as ``make run`` serves them, and one signed-in client asks
for each page in turn, one request at a time (a person's latency, not a throughput test).

The floor is ``GET /``, the start page: the console's own request stack, session and the
GOV.UK layout with no API call behind it. A page's time beyond the floor is its API calls and its view model.

``python -m bench --only console`` runs it with the rest of the machinery;
``python -m bench.console`` runs it alone and prints the table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench.common import (
    bench_database,
    console_server,
    median,
    percentile,
    progress,
    service_server,
)
from bench.report import CONSOLE_PAGES, CONSOLE_TARGET_P95_MS
from shared import migrate
from shared.db import set_role_passwords
from shared.http.auth import Role, issue_token
from shared.settings import Settings, get_settings
from tests import dbutil

# Everyone's roles, so no page is hidden (the APIs still check each one).
ROLES = ("reader", "assessor", "moderator", "caseworker", "decision_maker", "auditor", "data_feed")


@dataclass(frozen=True)
class ConsoleSizes:
    """How much each repetition does."""

    repeats: int = 3
    requests_per_page: int = 40
    warmup: int = 3

    @classmethod
    def quick(cls, repeats: int) -> ConsoleSizes:
        """A smoke test: few requests a page."""
        return cls(repeats=repeats, requests_per_page=8, warmup=1)


async def _seed(url: str, data_dir: Path, jwt_secret: str) -> None:
    """What a first ``make run`` loads, as ``shared.serve.run_everything`` loads it."""
    # The services' first_run functions read the process's settings (the registry writes its
    # sample under data_dir): point them at this run's folder and secret. The console runs
    # last of the scenarios, so nothing after it reads these.
    os.environ["STRONGTRUSTS_DATA_DIR"] = str(data_dir)
    os.environ["STRONGTRUSTS_JWT_SECRET"] = jwt_secret
    get_settings.cache_clear()
    settings = get_settings()
    await migrate.ensure_era(url)
    await set_role_passwords(url, settings)
    from services.assessment.cli import first_run as assessment_first_run
    from services.commissioning.cli import first_run as commissioning_first_run
    from services.registry.cli import first_run as registry_first_run

    await registry_first_run(url)
    await assessment_first_run(url)
    await commissioning_first_run(url)


async def _pages(
    registry: httpx.AsyncClient, commissioning: httpx.AsyncClient, settings: Settings
) -> dict[str, str]:
    """The main pages, with ids from the sample as the APIs give them."""

    def as_(role: Role, who: str = "bench") -> dict[str, str]:
        token = issue_token(settings, roles=[role], subject=who)
        return {"Authorization": f"Bearer {token}", "X-Reason": "console benchmark"}

    # The services have started; commissioning catches up with the log in a moment.
    deadline = time.monotonic() + 120
    while not (
        cases := (await commissioning.get("/cases", headers=as_(Role.READER))).json()["items"]
    ):
        if time.monotonic() > deadline:
            raise RuntimeError("commissioning did not list the sample case")
        await asyncio.sleep(0.5)
    case = cases[0]
    urn = case["urns"][0]
    school = (await registry.get(f"/schools/{urn}", headers=as_(Role.READER))).json()
    trusts = (
        await registry.get("/trusts", params={"limit": 200}, headers=as_(Role.READER))
    ).json()["items"]
    trust = max(trusts, key=lambda t: t["school_count"])
    issued = await commissioning.post(
        "/interventions",
        json={
            "kind": "termination_warning_notice",
            "trust_uid": trust["uid"],
            "grounds": "Benchmark notice",
            "decided_by": "Bench Director",
            "decider_grade": "regional_director",
        },
        headers=as_(Role.CASEWORKER, "bench.caseworker"),
    )
    issued.raise_for_status()
    areas = (await registry.get("/areas", headers=as_(Role.READER))).json()["items"]
    area = max(areas, key=lambda a: a["schools_not_in_trust"])
    name = school["details"]["name"]
    pages = {
        "schools_search": f"/schools?q={quote(name[:6])}",
        "school": f"/schools/{urn}",
        "trusts": "/trusts",
        "trust": f"/trusts/{trust['uid']}",
        "cases": "/cases",
        "case": f"/cases/{case['case_id']}",
        "assessments": "/assessments",
        "interventions": "/interventions",
        "intervention": f"/interventions/{issued.json()['intervention_id']}",
        "deadlines": "/interventions/deadlines",
        "areas": "/areas",
        "area_plan": f"/areas/{quote(area['name'], safe='')}",
        "audit_school": f"/audit/schools/{urn}",
    }
    assert set(pages) == set(CONSOLE_PAGES) - {"floor"}, "bench.report.CONSOLE_PAGES is stale"
    return pages


async def _signed_in(base: str) -> httpx.AsyncClient:
    """A console client signed in (development sign-in) with every role."""
    client = httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False)
    page = await client.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None, "no CSRF token on the sign-in page"
    done = await client.post(
        "/sign-in",
        data={"name": "Bench Everyone", "roles": list(ROLES), "csrf_token": token.group(1)},
    )
    if done.status_code != 303:
        raise RuntimeError(f"sign-in answered {done.status_code}")
    return client


async def _time_page(
    client: httpx.AsyncClient, path: str, sizes: ConsoleSizes
) -> tuple[float, list[float]]:
    """The first GET of ``path`` (the warm-up's first), and milliseconds for each of
    ``requests_per_page`` GETs after the warm-up."""
    first = 0.0
    for i in range(sizes.warmup):
        started = time.perf_counter()
        (await client.get(path)).raise_for_status()
        if i == 0:
            first = (time.perf_counter() - started) * 1000
    out = []
    for _ in range(sizes.requests_per_page):
        started = time.perf_counter()
        answer = await client.get(path)
        out.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"{path} answered {answer.status_code}")
    return first, out


async def run_console(
    admin_url: str, sizes: ConsoleSizes, add: Callable[[str, float, str, int, int], None]
) -> dict[str, Any]:
    """Every page's p95 per repetition (headline samples to ``add``); details returned."""
    url = await dbutil.create_database(admin_url)
    data_dir = Path(tempfile.mkdtemp(prefix="st-bench-console-"))
    jwt_secret = "c" * 40
    settings = Settings(environment="test", database_url=url, jwt_secret=jwt_secret)
    details: dict[str, Any] = {
        "target_p95_ms": CONSOLE_TARGET_P95_MS,
        "pages": {},
        "p50_ms": {},
        "first_ms": {},
    }
    try:
        progress("console: loading the make-run sample (2,000 schools)")
        await _seed(url, data_dir, jwt_secret)
        async with (
            service_server("registry", url, settings) as registry_port,
            service_server("assessment", url, settings) as assessment_port,
            service_server("commissioning", url, settings) as commissioning_port,
        ):
            urls = {
                "registry": f"http://127.0.0.1:{registry_port}",
                "assessment": f"http://127.0.0.1:{assessment_port}",
                "commissioning": f"http://127.0.0.1:{commissioning_port}",
            }
            async with (
                httpx.AsyncClient(base_url=urls["registry"], timeout=60) as registry,
                httpx.AsyncClient(base_url=urls["commissioning"], timeout=60) as commissioning,
            ):
                pages = await _pages(registry, commissioning, settings)
            details["pages"] = pages
            async with console_server(urls, settings, data_dir) as console_port:
                client = await _signed_in(f"http://127.0.0.1:{console_port}")
                try:
                    n = sizes.repeats
                    for rep in range(1, n + 1):
                        _, floor = await _time_page(client, "/", sizes)
                        add("console_floor_p95_ms", percentile(floor, 95), "ms", rep, n)
                        for name, path in pages.items():
                            first, took = await _time_page(client, path, sizes)
                            details["first_ms"].setdefault(name, []).append(round(first, 1))
                            add(f"console_{name}_p95_ms", percentile(took, 95), "ms", rep, n)
                            details["p50_ms"].setdefault(name, []).append(
                                round(percentile(took, 50), 1)
                            )
                finally:
                    await client.aclose()
    finally:
        await dbutil.drop_database(admin_url, url)
    return details


def render(medians: dict[str, float]) -> str:
    """The console's figures as a Markdown table: each page's p95 beside the floor."""
    floor = medians.get("console_floor_p95_ms", 0.0)
    lines = [
        "| page | p95 ms (median of repetitions) | over the floor | ≤ 300 ms |",
        "|---|---:|---:|---|",
        f"| floor: `GET /` (no API call) | {floor:.1f} | | |",
    ]
    for page in CONSOLE_PAGES[1:]:
        if f"console_{page}_p95_ms" not in medians:
            continue
        value = medians[f"console_{page}_p95_ms"]
        ok = "yes" if value <= CONSOLE_TARGET_P95_MS else "**no**"
        lines.append(f"| {page} | {value:.1f} | {value - floor:+.1f} | {ok} |")
    return "\n".join(lines)


def main() -> int:
    """``python -m bench.console [--quick] [--repeats N]``: the console's pages alone."""
    parser = argparse.ArgumentParser(prog="python -m bench.console")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=ConsoleSizes.repeats)
    args = parser.parse_args()
    sizes = ConsoleSizes.quick(args.repeats) if args.quick else ConsoleSizes(repeats=args.repeats)
    samples: dict[str, list[float]] = {}

    def add(key: str, value: float, unit: str, rep: int, total: int) -> None:
        samples.setdefault(key, []).append(value)
        progress(f"{key} {rep}/{total}: {value:,.1f} {unit}")

    async def go() -> dict[str, Any]:
        async with bench_database() as db:
            return await run_console(db.admin_url, sizes, add)

    details = asyncio.run(go())
    medians = {k: median(v) for k, v in samples.items()}
    print(render(medians))
    print(json.dumps({"medians": medians, "samples": samples, "details": details}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
