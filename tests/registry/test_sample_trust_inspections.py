"""``make run``'s sample holds one trust inspected by Ofsted, in the shipped format."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from services.registry.cli import first_run
from services.registry.gias.csvfile import read_table
from services.registry.policy_book import SEEDS
from services.registry.sample import write_sample
from services.registry.sample.trust_inspections import (
    COLUMNS,
    trust_inspections_path,
    write_trust_inspections,
)
from services.registry.trust_inspections.format import FORMAT_POLICY, TrustInspectionFormat
from services.registry.trust_inspections.rows import Header, parse_row
from shared.db import create_pool
from shared.settings import Settings

SNAPSHOT = date(2026, 11, 1)  # write_sample's own default


def v1() -> TrustInspectionFormat:
    text = SEEDS.joinpath(FORMAT_POLICY, "v1.json").read_text("utf-8")
    return TrustInspectionFormat.model_validate(json.loads(text)["document"])


def test_the_sample_file_reads_cleanly_by_the_shipped_format(tmp_path: Path) -> None:
    files = write_sample(tmp_path, schools=400, seed=2030, snapshot=SNAPSHOT)
    out = trust_inspections_path(files.groups)
    uid = write_trust_inspections(files.groups, files.group_links, out, SNAPSHOT)
    assert uid is not None and out.name.startswith("trust_inspections_")
    # Every column the format names, nothing more: the sample shows the whole shape.
    assert sorted(COLUMNS) == sorted([*v1().columns(), "Trust name"])
    table = read_table(out, [])
    header = Header.read(table.columns, v1(), 1)
    assert header.shape_problem() is None
    inspections = [parse_row(r, header) for r in table.rows()]
    assert [(i.uid, i.inspection_id) for i in inspections] == [
        (uid, f"TI{uid}-1"),
        (uid, f"TI{uid}-2"),
    ]
    groups = {r.fields["Group UID"]: r.fields for r in read_table(files.groups, []).rows()}
    assert groups[str(uid)]["Group Type"] == "Multi-academy trust"


async def test_the_first_run_records_the_sample_trust_inspections_once(
    settings: Settings, fresh_database: Callable[..., Awaitable[str]]
) -> None:
    url = await fresh_database()
    await first_run(url)
    await first_run(url)
    pool = await create_pool(url, settings)
    try:
        rows = await pool.fetch(
            "SELECT stream_id, count(*) AS n FROM events"
            " WHERE event_type = 'registry.TrustInspectionRecorded' GROUP BY 1"
        )
    finally:
        await pool.close()
    assert [r["n"] for r in rows] == [2]
