"""Scheduled feeds' read models, and the publisher: an owner of its own that reads the log.

- ``registry.registry_feeds`` and ``registry.registry_feed_runs``: each feed's last pull and
  every pull, projected from the ``feed`` streams (``services/registry/feeds/models.py``);
- the ``publisher`` schema and the login role ``strongtrusts_publisher``: the consumer that
  publishes every event to NATS JetStream keeps its checkpoint there. Like the audit role it
  reads the log and appends nothing; unlike it, it writes nothing of the log's either.

Revision ID: 0011_feeds_and_publisher
Revises: 0010_idempotency_keys
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0011_feeds_and_publisher"
down_revision = "0010_idempotency_keys"
branch_labels = None
depends_on = None

ROLE = "strongtrusts_publisher"
SCHEMA = "publisher"
SEARCH_PATH = "eventlog, registry, assessment, commissioning, audit, publisher, public"
SEARCH_PATH_BEFORE = "eventlog, registry, assessment, commissioning, audit, public"


def _exec(*statements: str) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    # Frozen copies of services/registry/feeds/models.py as of this revision. The registry's
    # role gets its rights on them from 0009's default privileges on its schema.
    op.create_table(
        "registry_feeds",
        sa.Column("feed", sa.Text(), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("last_run_id", sa.Text()),
        sa.Column("last_attempt_at", sa.TIMESTAMP(timezone=True)),
        sa.Column("last_outcome", sa.Text()),
        sa.Column("last_detail", sa.Text()),
        sa.Column("newest_snapshot_date", sa.Date()),
        sa.Column("newest_files", JSONB()),
        sa.Column("applied_snapshot_date", sa.Date()),
        sa.Column("applied_run_id", sa.Text()),
        sa.Column("applied_at", sa.TIMESTAMP(timezone=True)),
        sa.Column("held_run_id", sa.Text()),
        sa.Column("updated_at", sa.TIMESTAMP(timezone=True), nullable=False),
        schema="registry",
    )
    op.create_table(
        "registry_feed_runs",
        sa.Column("run_id", sa.Text(), primary_key=True),
        sa.Column("feed", sa.Text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("snapshot_date", sa.Date()),
        sa.Column("files", JSONB()),
        sa.Column("missing", JSONB()),
        sa.Column("reasons", JSONB()),
        sa.Column("summary", JSONB()),
        sa.Column("detail", sa.Text()),
        sa.Column("import_ids", JSONB()),
        sa.Column("events_written", sa.Integer()),
        sa.Column("decided_by", sa.Text()),
        sa.Column("decision_reason", sa.Text()),
        sa.Column("started_at", sa.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("updated_at", sa.TIMESTAMP(timezone=True), nullable=False),
        schema="registry",
    )

    # The publisher, granted as 0009 grants the audit role, less the seals.
    _exec(
        f"CREATE SCHEMA {SCHEMA}",
        f"""
        CREATE TABLE {SCHEMA}.subscriptions (
            name text PRIMARY KEY,
            era integer NOT NULL DEFAULT 0,
            tx_id xid8 NOT NULL DEFAULT '0'::xid8,
            position bigint NOT NULL DEFAULT 0,
            fence bigint NOT NULL DEFAULT 0,
            owner text,
            categories text[],
            status text NOT NULL DEFAULT 'idle',
            failed_position bigint,
            failed_event_id uuid,
            failed_event_type text,
            last_error text,
            attempts integer NOT NULL DEFAULT 0,
            events_handled bigint NOT NULL DEFAULT 0,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        f"""
        DO $$
        BEGIN
            CREATE ROLE {ROLE} LOGIN;
        EXCEPTION WHEN duplicate_object THEN NULL;
        END
        $$
        """,
        f"ALTER ROLE {ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT"
        " NOREPLICATION NOBYPASSRLS",
        f"GRANT USAGE ON SCHEMA eventlog TO {ROLE}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA eventlog TO {ROLE}",
        f"GRANT EXECUTE ON FUNCTION eventlog.oldest_writer_seconds() TO {ROLE}",
        f"GRANT SELECT ON public.alembic_version TO {ROLE}",
        f"GRANT USAGE ON SCHEMA {SCHEMA} TO {ROLE}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA {SCHEMA} TO {ROLE}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {SCHEMA}"
        f" GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO {ROLE}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA eventlog GRANT SELECT ON TABLES TO {ROLE}",
        _search_path(SEARCH_PATH),
    )


def downgrade() -> None:
    _exec(
        _search_path(SEARCH_PATH_BEFORE),
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA eventlog REVOKE ALL ON TABLES FROM {ROLE}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {SCHEMA} REVOKE ALL ON TABLES FROM {ROLE}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA eventlog FROM {ROLE}",
        f"REVOKE ALL ON FUNCTION eventlog.oldest_writer_seconds() FROM {ROLE}",
        f"REVOKE ALL ON public.alembic_version FROM {ROLE}",
        f"REVOKE ALL ON SCHEMA eventlog FROM {ROLE}",
        f"DROP TABLE {SCHEMA}.subscriptions",
        f"DROP SCHEMA {SCHEMA}",
    )
    op.drop_table("registry_feed_runs", schema="registry")
    op.drop_table("registry_feeds", schema="registry")


def _search_path(path: str) -> str:
    # An administrator's session (psql, the CLI) sees every schema.
    return f"""
        DO $$
        BEGIN
            EXECUTE format('ALTER DATABASE %I SET search_path = {path}', current_database());
        END
        $$
        """
