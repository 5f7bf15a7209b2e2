"""Shared pieces: progress lines, timing, percentiles and a throwaway migrated database."""

from __future__ import annotations

import math
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from shared.db import start_embedded_postgres
from tests import dbutil

_T0 = time.perf_counter()


def progress(message: str) -> None:
    """One progress line on stderr, with the seconds since the run started."""
    print(f"[{time.perf_counter() - _T0:6.1f}s] {message}", file=sys.stderr, flush=True)


def quiet_platformdirs() -> None:
    """pgserver's platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI)."""
    warnings.filterwarnings("ignore", category=UserWarning, module="platformdirs.*")


def median(samples: Sequence[float]) -> float:
    """The median of the repetitions (what every headline figure reports)."""
    return float(statistics.median(samples))


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class BenchDatabase:
    """A fresh migrated database, and the admin URL of its server."""

    admin_url: str
    url: str
    source: str


def admin_server_url() -> tuple[str, str]:
    """BENCH_DATABASE_URL's server, or a throwaway embedded PostgreSQL; and which it is."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        return url, "BENCH_DATABASE_URL"
    # A short path: the server's Unix socket lives in the data directory.
    data_dir = Path(tempfile.mkdtemp(prefix="st-bench-"))
    return start_embedded_postgres(data_dir, throwaway=True), "embedded pgserver (throwaway)"


@asynccontextmanager
async def bench_database() -> AsyncIterator[BenchDatabase]:
    """Create a uniquely named, migrated database for one run, and drop it afterwards."""
    admin_url, source = admin_server_url()
    url = await dbutil.create_database(admin_url)
    try:
        yield BenchDatabase(admin_url, url, source)
    finally:
        await dbutil.drop_database(admin_url, url)
