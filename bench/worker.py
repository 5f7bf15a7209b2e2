"""Registry work the benchmarks run in a process of its own, as an operator would run it.

``python -m bench.worker import --dir DIR`` imports the GIAS snapshot in DIR and then imports
it again (nothing changed), as the registry's own role; ``python -m bench.worker rebuild``
rebuilds the registry's read models from the log. ``DATABASE_URL`` names the database.
Each prints one JSON object: its timings and its peak resident memory, which is why each
has a process to itself (the benchmark's own process holds much else).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from services.registry.gias.snapshot import GiasFiles
from services.registry.importer import import_gias
from shared.contracts import all_contracts
from shared.eventlog.runtime import owner_store
from shared.settings import Settings


def peak_rss_mb() -> float:
    """This process's peak resident set size, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def gias_files(folder: Path) -> GiasFiles:
    """The four GIAS files of the one snapshot in ``folder`` (as ``write_sample`` writes it)."""
    snapshot = next(folder.glob("edubasealldata*.csv")).name.removeprefix("edubasealldata")
    return GiasFiles(
        folder / f"edubasealldata{snapshot}",
        folder / f"allgroupsdata{snapshot}",
        folder / f"alllinksdata{snapshot}",
        folder / f"links_edubasealldata{snapshot}",
    )


async def _import(url: str, settings: Settings, files: GiasFiles) -> dict[str, Any]:
    async with owner_store(url, settings, all_contracts(), "registry", max_size=4) as store:
        started = time.perf_counter()
        report = await import_gias(store, files, actor="bench")
        imported = time.perf_counter() - started
        started = time.perf_counter()
        again = await import_gias(store, files, actor="bench")
        reimported = time.perf_counter() - started
    return {
        "import_s": imported,
        "reimport_s": reimported,
        "events_written": report.events_written,
        "rows_read": report.rows_read,
        "reimport_events_written": again.events_written,
        "peak_rss_mb": peak_rss_mb(),
    }


async def _rebuild(url: str, settings: Settings) -> dict[str, Any]:
    from services.registry.projections import rebuild

    report = await rebuild(url, settings)
    return {
        "events": report.events,
        "events_per_s": report.events_per_s,
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> int:
    """Entry point of ``python -m bench.worker``."""
    parser = argparse.ArgumentParser(prog="python -m bench.worker", description=__doc__)
    parser.add_argument("job", choices=["import", "rebuild"])
    parser.add_argument("--dir", type=Path)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    settings = Settings(environment="test", database_url=url, log_level="WARNING")
    if args.job == "import":
        result = asyncio.run(_import(url, settings, gias_files(args.dir)))
    else:
        result = asyncio.run(_rebuild(url, settings))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
