"""Applying a pull's files with the registry's own importers, once however often it is tried.

A pull interrupted after its import completed must not import again: the import's own
stream says whether it completed, and under which id, so a retry reads that instead.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TypeVar

from services.registry.feeds.domain import Snapshot
from services.registry.feeds.stream import ACTOR
from services.registry.gias.snapshot import GiasFiles
from services.registry.importer import import_gias
from services.registry.ofsted.importer import import_ofsted
from shared.contracts.feeds import GiasImportCompleted, OfstedImportCompleted
from shared.eventlog.store import EventStore

_C = TypeVar("_C", GiasImportCompleted, OfstedImportCompleted)


def ofsted_import_id(run_id: str, role: str) -> str:
    """The import id of one Ofsted file of a pull: the same on every attempt at it."""
    return uuid.uuid5(uuid.UUID(run_id), role).hex


def gias_files(paths: dict[str, Path]) -> GiasFiles:
    """A pull's GIAS files by their role in the set."""
    return GiasFiles(
        paths["establishments"], paths["groups"], paths["links"], paths.get("predecessor_links")
    )


async def apply_gias(
    store: EventStore, snapshot: Snapshot, paths: dict[str, Path]
) -> tuple[list[str], int, int]:
    """Import a GIAS set under the pull's id, unless done: its import ids, events written
    and rows rejected."""
    done = await completed(store, f"gias_import-{snapshot.run_id}", GiasImportCompleted)
    if done is not None:
        return [snapshot.run_id], done.events_written, len(done.rejected)
    report = await import_gias(
        store,
        gias_files(paths),
        actor=ACTOR,
        import_id=snapshot.run_id,
        snapshot=snapshot.snapshot_date,
    )
    return [snapshot.run_id], report.events_written, len(report.rejected)


async def apply_ofsted(
    store: EventStore, snapshot: Snapshot, paths: dict[str, Path]
) -> tuple[list[str], int, int]:
    """Import each Ofsted file of a pull under its own id, skipping those done."""
    ids: list[str] = []
    written = rejected = 0
    for role, path in paths.items():
        import_id = ofsted_import_id(snapshot.run_id, role)
        ids.append(import_id)
        done = await completed(store, f"ofsted_import-{import_id}", OfstedImportCompleted)
        if done is not None:
            written += done.events_written
            rejected += len(done.rejected)
            continue
        report = await import_ofsted(store, path, actor=ACTOR, import_id=import_id)
        written += report.events_written
        rejected += len(report.rejected)
    return ids, written, rejected


async def completed(store: EventStore, stream: str, contract: type[_C]) -> _C | None:
    """The import's completion, if its stream records one."""
    for event in await store.read_stream(stream):
        if event.type == contract.type_name:
            decoded = event.decode(store.registry)
            assert isinstance(decoded, contract)
            return decoded
    return None
