"""The registry's read models, projected from its events in log order.

A batched projection (``shared/eventlog/batch.py``): each batch of events is applied in the
consumer's transaction, so the rows and its checkpoint commit together, in three steps:

1. load, in one round trip, the rows the batch touches (schools, trusts, open memberships)
   as JSON (``rows``);
2. apply each event, in log order, with one small function per event type that changes
   those rows in memory (``schools``, ``trusts``), so a batch gives exactly what one event
   at a time would;
3. write each table with one set-based statement per chunk of events, the server writing
   one chunk while the next is applied here.

Per-event SQL would cost several round trips per event; this costs a handful per batch,
which is what lets a rebuild replay the log at tens of thousands of events a second. For
the same reason the functions read the event's JSON rather than a pydantic model: the log
validated it against the contract when it was appended, and data stored under an older
contract version is upcast and validated before it is used.

Replays are harmless: a school's or trust's row remembers the last version of its stream
applied and older events of that stream are skipped; history, versions and links are keyed
by position or stream version and written once.
"""

from __future__ import annotations

import asyncpg

from services.registry.models import READ_MODEL_TABLES
from services.registry.projections import schools, trusts
from services.registry.projections.rows import RegistryBatch, load, writes
from shared.contracts import all_contracts
from shared.eventlog.batch import Appliers, BatchProjection
from shared.eventlog.rebuild import RebuildReport, rebuild_projection, reset_projection
from shared.settings import Settings

PROJECTION_NAME = "registry-read-models"
# Only the registry's own streams of schools and trusts: the store merges per-category index
# walks, so a replay never reads the other services' events. Feed runs are read from their
# own streams (GET /imports/{id}), never from a read model.
CATEGORIES: frozenset[str] = frozenset({"school", "trust"})
# Events applied between two rounds of writes.
_CHUNK = 500


def registry_projection() -> BatchProjection[RegistryBatch]:
    """The registry's read-model consumer, named ``registry-read-models``."""
    return BatchProjection(
        name=PROJECTION_NAME,
        categories=CATEGORIES,
        appliers=Appliers(schools.APPLIERS, trusts.APPLIERS),
        load=load,
        writes=writes,
        chunk=_CHUNK,
    )


# ------------------------------------------------------------------- rebuild


async def reset(conn: asyncpg.Connection) -> None:
    """Empty every registry read model and rewind its consumer (the service must be stopped)."""
    await reset_projection(conn, PROJECTION_NAME, READ_MODEL_TABLES, service="registry")


async def rebuild(
    url: str,
    settings: Settings,
    *,
    batch_size: int = 2000,
    timeout_s: float | None = None,
) -> RebuildReport:
    """Rebuild the registry read models from the log: reset, then replay until caught up.

    For ``strongtrusts projections rebuild registry``; the registry service must be stopped.
    """
    return await rebuild_projection(
        url,
        settings,
        registry_projection(),
        READ_MODEL_TABLES,
        all_contracts(),
        service="registry",
        batch_size=batch_size,
        timeout_s=timeout_s,
    )
