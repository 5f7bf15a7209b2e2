"""The feeds' read models: each feed's last pull, and every pull. Projected from ``feed-*``."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Integer, MetaData, Table, Text
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP

metadata = MetaData()

feeds = Table(
    "registry_feeds",
    metadata,
    Column("feed", Text, primary_key=True),
    # The last version of the feed's stream applied, so a replay never moves it back.
    Column("version", BigInteger, nullable=False),
    Column("last_run_id", Text),
    Column("last_attempt_at", TIMESTAMP(timezone=True)),
    Column("last_outcome", Text),
    Column("last_detail", Text),
    # The newest set a pull decided something about, and its files as fetched.
    Column("newest_snapshot_date", Date),
    Column("newest_files", JSONB),
    Column("applied_snapshot_date", Date),
    Column("applied_run_id", Text),
    Column("applied_at", TIMESTAMP(timezone=True)),
    Column("held_run_id", Text),
    Column("updated_at", TIMESTAMP(timezone=True), nullable=False),
)

feed_runs = Table(
    "registry_feed_runs",
    metadata,
    Column("run_id", Text, primary_key=True),
    Column("feed", Text, nullable=False),
    Column("version", BigInteger, nullable=False),
    # unchanged, nothing_published, fetch_failed, held, unusable, accepted, released,
    # discarded, superseded, applied or failed.
    Column("status", Text, nullable=False),
    Column("snapshot_date", Date),
    Column("files", JSONB),
    Column("missing", JSONB),
    Column("reasons", JSONB),
    Column("summary", JSONB),
    Column("detail", Text),
    Column("import_ids", JSONB),
    Column("events_written", Integer),
    Column("decided_by", Text),
    Column("decision_reason", Text),
    Column("started_at", TIMESTAMP(timezone=True), nullable=False),
    Column("updated_at", TIMESTAMP(timezone=True), nullable=False),
)

FEED_TABLES: tuple[str, ...] = tuple(t.name for t in metadata.sorted_tables)
