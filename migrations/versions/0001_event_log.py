"""The append-only event log: events, global seals, subscriptions, era.

Revision ID: 0001_event_log
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0001_event_log"
down_revision = None
branch_labels = None
depends_on = None

TABLES = [
    # Transaction ids restart from small numbers after a logical dump and restore into a
    # new cluster; the era, bumped when that is detected, keeps the log order monotonic.
    """
    CREATE TABLE eventlog_era (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        era integer NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "INSERT INTO eventlog_era (era) VALUES (1)",
    """
    CREATE TABLE events (
        position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        era integer NOT NULL,
        tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        event_id uuid NOT NULL UNIQUE,
        stream_id text NOT NULL,
        category text NOT NULL,
        stream_version bigint NOT NULL,
        event_type text NOT NULL,
        schema_version integer NOT NULL,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL,
        recorded_at timestamptz NOT NULL,
        stream_hash bytea NOT NULL,
        -- Optimistic concurrency: two writers of the same stream version cannot both commit.
        CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)
    )
    """,
    # The log order that every reader and the sealer agree on.
    "CREATE INDEX events_log_order ON events (era, tx_id, position)",
    "CREATE INDEX events_category_order ON events (category, era, tx_id, position)",
    """
    CREATE TABLE event_seals (
        seq bigint PRIMARY KEY,
        position bigint NOT NULL UNIQUE,
        chain_hash bytea NOT NULL,
        sealed_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE subscriptions (
        name text PRIMARY KEY,
        era integer NOT NULL DEFAULT 0,
        tx_id xid8 NOT NULL DEFAULT '0'::xid8,
        position bigint NOT NULL DEFAULT 0,
        -- Bumped by each instance that becomes active; a checkpoint write with a stale
        -- fence is refused, so a paused former leader cannot move the checkpoint.
        fence bigint NOT NULL DEFAULT 0,
        owner text,
        -- What it reads (NULL: the whole log), so its lag counts only events it will handle.
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
]

FUNCTIONS = [
    """
    CREATE FUNCTION eventlog_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'ST403';
    END
    $$
    """,
]

TRIGGERS = [
    f"""
    CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION eventlog_refuse_change()
    """
    for table in ("events", "event_seals")
] + [
    f"""
    CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION eventlog_refuse_change()
    """
    for table in ("events", "event_seals")
]


def _grants(role: str) -> list[str]:
    return [
        f"""
        DO $$
        BEGIN
            CREATE ROLE "{role}" NOLOGIN;
        EXCEPTION WHEN duplicate_object THEN NULL;
        END
        $$
        """,
        # Membership lets the migrating user's connections SET ROLE to it.
        f'GRANT "{role}" TO CURRENT_USER',
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"',
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "{role}"',
        # The log itself: read and append, never rewrite.
        f'REVOKE UPDATE, DELETE, TRUNCATE ON events, event_seals FROM "{role}"',
        f'REVOKE UPDATE, DELETE, TRUNCATE ON eventlog_era FROM "{role}"',
    ]


def upgrade() -> None:
    for statement in TABLES + FUNCTIONS + TRIGGERS:
        op.execute(statement)
    role = "strongtrusts_app"  # the one shared role, until 0009
    if role:
        for statement in _grants(role):
            op.execute(statement)


def downgrade() -> None:
    role = "strongtrusts_app"  # the one shared role, until 0009
    if role:
        op.execute(f'ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM "{role}"')
        op.execute(
            f'ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM "{role}"'
        )
        op.execute(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"')
        op.execute(f'REVOKE USAGE ON SCHEMA public FROM "{role}"')
        # The role is cluster-wide and other databases may still use it; it is left in place.
    for table in ("events", "event_seals"):
        op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
    op.execute("DROP FUNCTION eventlog_refuse_change()")
    for table in ("subscriptions", "event_seals", "events", "eventlog_era"):
        op.execute(f"DROP TABLE {table}")
