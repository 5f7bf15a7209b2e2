"""A realistic small event contract, and ready-made events and rows of it."""

from __future__ import annotations

import datetime as dt
import os
from typing import Literal

from pydantic import Field

from shared.eventlog.canonical import canonical_json
from shared.eventlog.contracts import EventContract, EventMetadata, EventRegistry
from shared.eventlog.model import NewEvent

bench_registry = EventRegistry()

CATEGORY = "benchtrust"


@bench_registry.register
class TrustRegistered(EventContract):
    """About the size of a real registry event: a URN, a name, a date and a few codes."""

    type_name = "bench.TrustRegistered"
    urn: int = Field(ge=100000, le=999999)
    name: str = Field(min_length=1, max_length=200)
    opened_on: dt.date
    la_code: str = Field(pattern=r"^[0-9]{3}$")
    phase: Literal["primary", "secondary", "all_through", "special"]
    companies_house_number: str = Field(pattern=r"^[0-9A-Z]{8}$")


_PHASES: tuple[Literal["primary", "secondary", "all_through", "special"], ...] = (
    "primary",
    "secondary",
    "all_through",
    "special",
)


def trust_data(i: int) -> TrustRegistered:
    """The i-th trust (deterministic, with a non-ASCII character in every name)."""
    return TrustRegistered(
        urn=100000 + i % 900000,
        name=f"Ærdington Learning Trust No. {i}",
        opened_on=dt.date(2010, 1, 1) + dt.timedelta(days=i % 5000),
        la_code=f"{300 + i % 600:03d}",
        phase=_PHASES[i % len(_PHASES)],
        companies_house_number=f"{i % 100_000_000:08d}",
    )


def metadata(i: int) -> EventMetadata:
    """Who and why, as a real command handler would record it."""
    return EventMetadata(
        actor="user:bench-operator@example.org",
        reason="bulk registration from the academies register",
        correlation_id=f"bench-{i // 100}",
    )


def new_events(start: int, count: int) -> list[NewEvent]:
    """``count`` ready-built events (built before timing: the caller's cost, not the store's)."""
    return [NewEvent(trust_data(i), metadata(i)) for i in range(start, start + count)]


def stored_texts(i: int) -> tuple[str, str]:
    """The canonical data and metadata JSON the store would write for event i."""
    data = canonical_json(trust_data(i).model_dump(mode="json"))
    meta = canonical_json(metadata(i).model_dump(mode="json", exclude_none=True))
    return data, meta


def random_digest() -> bytes:
    """32 bytes standing in for a stream hash in the raw table."""
    return os.urandom(32)
