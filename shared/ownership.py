"""Who owns what in the database: each owner's schema, login role and stream categories.

Declared once, here and in the contract modules (each lists the categories its service
appends to), and enforced by PostgreSQL itself: every owner logs in as its own role, which
may write only its own schema and append only to its own categories (row-level security on
the log, see migration 0009), and may read the log but no other service's schema. The
``EventStore`` checks the same declaration first, so a mistake is refused with a clear
error before it reaches the database; ``log verify`` checks every stored event against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Literal

from shared.contracts import assessment, commissioning, registry

OwnerName = Literal["registry", "assessment", "commissioning", "audit", "publisher"]

# The log itself, its seals and the stream-ownership table.
LOG_SCHEMA = "eventlog"
ROLE_PREFIX = "strongtrusts_"
# The columns of ``eventlog.events`` a writer may give; position, tx_id and appended_by are
# the database's to set (migration 0009 grants INSERT on these alone).
APPEND_COLUMNS = (
    "era, event_id, stream_id, category, stream_version, event_type, schema_version, data,"
    " metadata, recorded_at, stream_hash"
)
# Any category not declared below: granted only in test databases, never by a migration.
ANY_CATEGORY = "*"
# The role the log's own test suite appends as (to categories like ``note``). Nothing
# production runs grants it anything; ``log verify`` accepts its events only where the
# database itself grants it ANY_CATEGORY, which only the test suite does.
TEST_WRITER_ROLE = ROLE_PREFIX + "test"


@dataclass(frozen=True)
class Owner:
    """One owner of data: a service, the audit worker (the sealer and the audit index), or
    the publisher."""

    name: OwnerName
    # The stream categories it alone may append to.
    categories: frozenset[str]
    # Other owners' schemas it may read (beside the log); the audit API lives in commissioning.
    reads: tuple[OwnerName, ...] = ()

    @property
    def schema(self) -> str:
        """The schema holding its read models and consumer checkpoints."""
        return self.name

    @property
    def role(self) -> str:
        """The login role it connects as."""
        return ROLE_PREFIX + self.name

    @property
    def search_path(self) -> str:
        """Its own schema first, then the log, then what it may read."""
        return ", ".join((self.schema, LOG_SCHEMA, *self.reads))


OWNERS: Mapping[OwnerName, Owner] = {
    "registry": Owner("registry", registry.STREAM_CATEGORIES),
    "assessment": Owner("assessment", assessment.STREAM_CATEGORIES),
    "commissioning": Owner("commissioning", commissioning.STREAM_CATEGORIES, reads=("audit",)),
    "audit": Owner("audit", frozenset()),
    # Publishes every event to NATS (shared/publisher): reads the log, appends nothing.
    "publisher": Owner("publisher", frozenset()),
}


def owner(name: str) -> Owner:
    """The owner called ``name``; ValueError for anything else."""
    try:
        return OWNERS[name]  # type: ignore[index]
    except KeyError:
        raise ValueError(f"{name!r} owns nothing in the database") from None


@cache
def stream_owners() -> Mapping[str, OwnerName]:
    """Each declared stream category and the owner that alone may append to it."""
    out: dict[str, OwnerName] = {}
    for o in OWNERS.values():
        for category in o.categories:
            if category in out:
                raise ValueError(
                    f"category {category!r} is declared by {out[category]} and {o.name}"
                )
            out[category] = o.name
    return out


def owner_of_category(category: str) -> OwnerName | None:
    """Who may append to ``category``, or None when no owner declares it."""
    return stream_owners().get(category)
