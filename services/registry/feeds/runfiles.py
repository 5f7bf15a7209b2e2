"""A pull's files on disk: one folder per run, kept until the run is done with.

Held and unfinished pulls keep their files, so a release or a restart applies exactly the
bytes the snapshot was decided on; another replica that finishes the pull fetches them
again and checks they are still the same.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import httpx

from services.registry.feeds.domain import FeedState, Snapshot
from services.registry.feeds.fetch import FetchPolicy, Sleep, fetch_file, file_digest


class FileChanged(Exception):
    """A file fetched again is not the one the snapshot was decided on."""


@dataclass(frozen=True)
class RunFiles:
    """Where each feed's runs keep their files: ``folder/<feed>/<run id>/<file name>``."""

    folder: Path

    def run_dir(self, feed: str, run_id: str) -> Path:
        """The folder of one run's files."""
        return self.folder / feed / run_id

    def paths(self, feed: str, snapshot: Snapshot) -> dict[str, Path]:
        """Where each of a snapshot's files is, by its role in the set."""
        run_dir = self.run_dir(feed, snapshot.run_id)
        return {f.role: run_dir / f.name for f in snapshot.files}

    def tidy(self, feed: str, state: FeedState) -> None:
        """Remove the files of pulls that are done with (kept: held and unfinished ones)."""
        keep = {s.run_id for s in (state.pending, state.held.snapshot if state.held else None) if s}
        feed_dir = self.folder / feed
        if not feed_dir.is_dir():
            return
        for run_dir in feed_dir.iterdir():
            if run_dir.name not in keep:
                shutil.rmtree(run_dir, ignore_errors=True)

    async def on_disk(
        self,
        client: httpx.AsyncClient,
        feed: str,
        snapshot: Snapshot,
        policy: FetchPolicy,
        sleep: Sleep,
    ) -> dict[str, Path]:
        """The snapshot's files as fetched: kept from the pull, or fetched again (another
        replica pulled it) and checked to be the same bytes."""
        run_dir = self.run_dir(feed, snapshot.run_id)
        paths: dict[str, Path] = {}
        for file in snapshot.files:
            path = run_dir / file.name
            if file_digest(path) != file.sha256:
                got = await fetch_file(
                    client, file.url, path, role=file.role, policy=policy, sleep=sleep
                )
                if got.file is None or got.file.sha256 != file.sha256:
                    raise FileChanged(f"{file.name} is no longer the file that was fetched")
            paths[file.role] = path
        return paths
