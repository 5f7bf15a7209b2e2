"""Ratios against the raw baselines, pass/fail per target, results.json and the table."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The console's pages the console benchmark renders (``bench/console.py``), and the floor.
CONSOLE_PAGES = (
    "floor",
    "schools_search",
    "school",
    "trusts",
    "trust",
    "cases",
    "case",
    "assessments",
    "interventions",
    "intervention",
    "deadlines",
    "areas",
    "area_plan",
    "audit_school",
)
CONSOLE_TARGET_P95_MS = 300.0

HEADLINES: tuple[tuple[str, str], ...] = (
    ("raw_insert_8c_rows_per_s", "rows/s"),
    ("raw_copy_rows_per_s", "rows/s"),
    ("raw_read_rows_per_s", "rows/s"),
    ("append_8w_events_per_s", "events/s"),
    ("append_8w_unchecked_events_per_s", "events/s"),
    ("append_batch_events_per_s", "events/s"),
    ("raw_insert_indexed_8c_rows_per_s", "rows/s"),
    ("raw_insert_triggered_8c_rows_per_s", "rows/s"),
    ("raw_copy_indexed_rows_per_s", "rows/s"),
    ("copy_triggered_rows_per_s", "rows/s"),
    ("insert_unnest_rows_per_s", "rows/s"),
    ("insert_staged_rows_per_s", "rows/s"),
    ("read_all_events_per_s", "events/s"),
    ("subscription_lag_p50_ms", "ms"),
    ("subscription_lag_p99_ms", "ms"),
    ("gias_import_national_s", "s"),
    ("gias_reimport_unchanged_s", "s"),
    ("gias_import_peak_rss_mb", "MB"),
    ("rebuild_events_per_s", "events/s"),
    ("rebuild_peak_rss_mb", "MB"),
    ("get_school_p99_ms", "ms"),
    ("get_school_rps", "req/s"),
    ("get_school_floor_rps", "req/s"),
    ("get_school_open_p50_ms", "ms"),
    ("get_school_open_p99_ms", "ms"),
    ("list_schools_filtered_p99_ms", "ms"),
    ("list_schools_filtered_rps", "req/s"),
    ("indicators_national_s", "s"),
    ("get_trust_profile_p99_ms", "ms"),
    ("get_trust_profile_open_p50_ms", "ms"),
    ("get_trust_profile_open_p99_ms", "ms"),
    ("candidates_first_ms", "ms"),
    ("candidates_unwarmed_ms", "ms"),
    ("candidates_p99_ms", "ms"),
    ("candidates_open_p50_ms", "ms"),
    ("candidates_open_p99_ms", "ms"),
    ("decision_to_transfer_p99_ms", "ms"),
    ("mixed_load_rps", "req/s"),
    ("mixed_load_p99_ms", "ms"),
    ("lost_acknowledged_writes", "writes"),
    ("raw_nats_publish_events_per_s", "events/s"),
    ("publish_events_per_s", "events/s"),
    ("feed_pull_unchanged_s", "s"),
    ("feed_pull_unchanged_full_download_s", "s"),
)
HEADLINES += tuple((f"console_{page}_p95_ms", "ms") for page in CONSOLE_PAGES)

# Absolute targets from the issues: key -> (most, least) allowed. Issue 16's where it set one.
LIMITS: dict[str, tuple[float | None, float | None]] = {
    "gias_import_national_s": (6.0, None),
    "gias_reimport_unchanged_s": (2.0, None),
    "gias_import_peak_rss_mb": (600.0, None),
    "rebuild_events_per_s": (None, 25_000.0),
    "rebuild_peak_rss_mb": (600.0, None),
    "candidates_first_ms": (100.0, None),
    "get_school_p99_ms": (25.0, None),
    "indicators_national_s": (30.0, None),
    "get_trust_profile_p99_ms": (25.0, None),
    "candidates_p99_ms": (100.0, None),
    "decision_to_transfer_p99_ms": (1_000.0, None),
    "lost_acknowledged_writes": (0.0, None),
}
LIMITS.update(
    {
        f"console_{page}_p95_ms": (CONSOLE_TARGET_P95_MS, None)
        for page in CONSOLE_PAGES
        if page != "floor"
    }
)


@dataclass(frozen=True)
class Ratio:
    """Our figure over a baseline of the same run, and the share it should reach (None: a
    figure to read, not a target)."""

    name: str
    ours: str
    raw: str
    minimum: float | None = None


RATIOS = (
    Ratio("append_8w_vs_raw_insert_8c", "append_8w_events_per_s", "raw_insert_8c_rows_per_s", 0.7),
    Ratio("append_batch_vs_raw_copy", "append_batch_events_per_s", "raw_copy_rows_per_s", 0.4),
    Ratio("read_all_vs_raw_read", "read_all_events_per_s", "raw_read_rows_per_s", 0.25),
    Ratio("publish_vs_raw_nats", "publish_events_per_s", "raw_nats_publish_events_per_s", 0.7),
    # Issue 16: GET /schools/{urn} against a bare FastAPI route running the same query.
    Ratio("get_school_vs_floor", "get_school_rps", "get_school_floor_rps", 0.85),
    # Issue 10: the ownership policy (row-level security) costs at most 5% of an append.
    Ratio(
        "append_8w_policy_vs_unchecked",
        "append_8w_events_per_s",
        "append_8w_unchecked_events_per_s",
        0.95,
    ),
    # What the log's seven indexes leave of the raw baselines, and what each way of checking
    # ownership leaves of that.
    Ratio(
        "raw_insert_indexed_vs_raw_insert",
        "raw_insert_indexed_8c_rows_per_s",
        "raw_insert_8c_rows_per_s",
    ),
    Ratio(
        "append_8w_vs_raw_insert_indexed",
        "append_8w_events_per_s",
        "raw_insert_indexed_8c_rows_per_s",
    ),
    Ratio(
        "trigger_insert_vs_raw_insert_indexed",
        "raw_insert_triggered_8c_rows_per_s",
        "raw_insert_indexed_8c_rows_per_s",
    ),
    Ratio("raw_copy_indexed_vs_raw_copy", "raw_copy_indexed_rows_per_s", "raw_copy_rows_per_s"),
    Ratio(
        "append_batch_vs_raw_copy_indexed",
        "append_batch_events_per_s",
        "raw_copy_indexed_rows_per_s",
    ),
    Ratio(
        "trigger_copy_vs_raw_copy_indexed",
        "copy_triggered_rows_per_s",
        "raw_copy_indexed_rows_per_s",
    ),
    Ratio(
        "policy_unnest_vs_raw_copy_indexed",
        "insert_unnest_rows_per_s",
        "raw_copy_indexed_rows_per_s",
    ),
    Ratio(
        "policy_staged_vs_raw_copy_indexed",
        "insert_staged_rows_per_s",
        "raw_copy_indexed_rows_per_s",
    ),
)
LAG_P99_MAX_MS = 50.0


def build_results(
    medians: Mapping[str, float],
    samples: Mapping[str, list[float]],
    machine: Mapping[str, Any],
    config: Mapping[str, Any],
    details: Mapping[str, Any],
) -> dict[str, Any]:
    """The results.json document: headline medians, ratios, targets, machine and the rest."""
    results: dict[str, Any] = {
        key: round(medians[key], 3) for key, _ in HEADLINES if key in medians
    }
    ratios = {
        r.name: round(medians[r.ours] / medians[r.raw], 3)
        for r in RATIOS
        if r.ours in medians and r.raw in medians
    }
    targets: dict[str, dict[str, Any]] = {
        r.name: {
            "value": ratios[r.name],
            "target": f">= {r.minimum}",
            "pass": ratios[r.name] >= r.minimum,
        }
        for r in RATIOS
        if r.name in ratios and r.minimum is not None
    }
    limits = {**LIMITS, "subscription_lag_p99_ms": (LAG_P99_MAX_MS, None)}
    for key, (most, least) in limits.items():
        if key not in medians:
            continue
        value = medians[key]
        targets[key] = {
            "value": round(value, 3),
            "target": f"<= {most:g}" if most is not None else f">= {least:g}",
            "pass": (most is None or value <= most) and (least is None or value >= least),
        }
    results["ratios"] = ratios
    results["targets"] = targets
    results["machine"] = dict(machine)
    results["config"] = dict(config)
    results["samples"] = {k: [round(v, 3) for v in vs] for k, vs in samples.items()}
    results["details"] = dict(details)
    return results


def write_results(results: Mapping[str, Any], path: Path) -> None:
    """Write results.json (pretty, stable key order as built)."""
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _fmt(value: float, unit: str) -> str:
    return f"{value:,.1f} {unit}" if unit in ("ms", "s", "MB") else f"{value:,.0f} {unit}"


def render_table(results: Mapping[str, Any]) -> str:
    """A plain-text table of medians, per-repetition samples, ratios and targets."""
    samples: Mapping[str, list[float]] = results["samples"]
    lines = [f"{'scenario':<36} {'median':>18}   repetitions", "-" * 86]
    for key, unit in HEADLINES:
        if key not in results:
            continue
        reps = ", ".join(
            f"{v:,.1f}" if unit in ("ms", "s", "MB") else f"{v:,.0f}" for v in samples.get(key, [])
        )
        lines.append(f"{key:<36} {_fmt(results[key], unit):>18}   [{reps}]")
    lines += ["", f"{'target':<36} {'value':>10} {'wanted':>10}   result", "-" * 70]
    for name, t in results["targets"].items():
        verdict = "PASS" if t["pass"] else "FAIL"
        lines.append(f"{name:<36} {t['value']:>10,.3f} {t['target']:>10}   {verdict}")
    m = results["machine"]
    lines += [
        "",
        f"{m['cpu_count']} CPUs ({m['cpu_model']}), PostgreSQL {m['postgres_version']}, "
        f"Python {m['python_version']}, asyncpg {m['asyncpg_version']}, {m['date']}",
    ]
    return "\n".join(lines)
