"""The append-only event log: events, streams, global seals, subscriptions, era.

Revision ID: 0001_event_log
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

from shared.settings import get_settings

revision = "0001_event_log"
down_revision = None
branch_labels = None
depends_on = None

GENESIS = r"'\x" + "00" * 32 + "'::bytea"

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
    CREATE TABLE streams (
        stream_id text PRIMARY KEY,
        category text NOT NULL,
        version bigint NOT NULL,
        head bytea NOT NULL
    )
    """,
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
    f"""
    CREATE FUNCTION eventlog_append(
        p_stream text, p_category text, p_expected bigint,
        p_ids uuid[], p_types text[], p_schema_versions integer[],
        p_data jsonb[], p_metadata jsonb[], p_digests bytea[]
    ) RETURNS TABLE (out_position bigint, out_version bigint, out_recorded_at timestamptz)
    LANGUAGE plpgsql AS $$
    -- One statement per append: the expected-version check, the per-stream hash chain and
    -- the insert all happen here, because round trips, not the server, are what an append
    -- costs. p_expected: NULL any, -1 the stream must exist, 0 no stream, n exactly n.
    DECLARE
        v_version bigint;
        v_start bigint;
        v_head bytea;
        v_heads bytea[];
        v_micros bigint := (extract(epoch FROM now()) * 1000000)::bigint;
        v_n integer := cardinality(p_ids);
    BEGIN
        SELECT s.version, s.head INTO v_version, v_head
          FROM streams s WHERE s.stream_id = p_stream FOR UPDATE;
        IF NOT FOUND THEN
            INSERT INTO streams (stream_id, category, version, head)
                 VALUES (p_stream, p_category, 0, {GENESIS})
            ON CONFLICT (stream_id) DO NOTHING;
            -- Either we created it or a concurrent append did and has now committed.
            SELECT s.version, s.head INTO v_version, v_head
              FROM streams s WHERE s.stream_id = p_stream FOR UPDATE;
        END IF;
        IF p_expected IS NOT NULL AND (
               (p_expected = -1 AND v_version = 0)
            OR (p_expected >= 0 AND v_version <> p_expected)) THEN
            RAISE EXCEPTION 'stream % is at version %, expected %', p_stream, v_version, p_expected
                USING ERRCODE = 'ST409', DETAIL = v_version::text;
        END IF;
        v_start := v_version;
        FOR i IN 1 .. v_n LOOP
            v_version := v_version + 1;
            v_head := sha256(v_head || int8send(v_version) || int8send(v_micros) || p_digests[i]);
            v_heads[i] := v_head;
        END LOOP;
        RETURN QUERY
        INSERT INTO events (era, event_id, stream_id, category, stream_version, event_type,
                            schema_version, data, metadata, recorded_at, stream_hash)
        SELECT (SELECT era FROM eventlog_era), u.id, p_stream, p_category, v_start + u.ord,
               u.t, u.sv, u.d, u.m, now(), v_heads[u.ord]
          FROM unnest(p_ids, p_types, p_schema_versions, p_data, p_metadata)
               WITH ORDINALITY AS u(id, t, sv, d, m, ord)
         ORDER BY u.ord
        RETURNING position, stream_version, recorded_at;
        UPDATE streams SET version = v_version, head = v_head WHERE stream_id = p_stream;
    END
    $$
    """,
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
    role = get_settings().database_app_role
    if role:
        for statement in _grants(role):
            op.execute(statement)


def downgrade() -> None:
    role = get_settings().database_app_role
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
    op.execute(
        "DROP FUNCTION eventlog_append(text, text, bigint, uuid[], text[], integer[],"
        " jsonb[], jsonb[], bytea[])"
    )
    for table in ("subscriptions", "event_seals", "events", "streams", "eventlog_era"):
        op.execute(f"DROP TABLE {table}")
