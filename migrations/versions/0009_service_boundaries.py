"""Boundaries the database enforces: a schema and a login role per owner, stream ownership.

Until now every service connected through one role set as a session setting, so any code
could append to any stream or rewrite any read model. From here:

- the log, its seals and the ownership table live in ``eventlog``; each service's read
  models and consumer checkpoints move, with their data, into a schema of its own
  (``registry``, ``assessment``, ``commissioning``), and the audit index into ``audit``;
- each owner logs in as its own role (``strongtrusts_<owner>``), which is neither owner nor
  superuser and is a member of no other role, so ``SET ROLE`` cannot lift it. It may read
  the log, write only its own schema and read no other service's (commissioning reads
  ``audit``, whose API it serves);
- appends are checked by row-level security: a role may insert only events of the stream
  categories ``eventlog.stream_owners`` gives it, with types of its own service, and each
  row records the role that appended it (``appended_by``), a column no role may set;
- the audit role alone may extend the global chain (``event_seals``).

The ownership rows themselves are written from the code's one declaration
(``shared/ownership.py``) by ``shared.migrate.upgrade`` after every migration run.

Revision ID: 0009_service_boundaries
Revises: 0008_audit_index
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0009_service_boundaries"
down_revision = "0008_audit_index"
branch_labels = None
depends_on = None

# Frozen here as they were when this ran; shared/ownership.py holds today's declaration.
SERVICES = ("registry", "assessment", "commissioning")
OWNERS = (*SERVICES, "audit")
LOG_TABLES = ("events", "event_seals", "eventlog_era")
LEGACY_ROLE = "strongtrusts_app"
# The columns a service may give when it appends; position, tx_id and appended_by are the
# database's to set.
APPEND_COLUMNS = (
    "era, event_id, stream_id, category, stream_version, event_type, schema_version, data,"
    " metadata, recorded_at, stream_hash"
)


def _role(owner: str) -> str:
    return f"strongtrusts_{owner}"


SUBSCRIPTIONS = """
CREATE TABLE {schema}.subscriptions (
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
"""

# Which schema each existing consumer's checkpoint moves to, by its name.
CHECKPOINT_HOMES = {
    "registry": "name LIKE 'registry-%'",
    "assessment": "name LIKE 'assessment-%'",
    "commissioning": "name LIKE 'commissioning-%'",
    "audit": "name LIKE 'audit-%' OR name = 'eventlog-sealer'",
}


def _exec(*statements: str) -> None:
    for statement in statements:
        op.execute(statement)


def _role_exists_guard(role: str, body: str) -> str:
    return f"""
    DO $$
    BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
            {body}
        END IF;
    END
    $$
    """


def upgrade() -> None:
    _exec(*(f"CREATE SCHEMA {schema}" for schema in ("eventlog", *OWNERS)))

    # The log moves with its indexes, triggers and data.
    _exec(*(f"ALTER TABLE public.{t} SET SCHEMA eventlog" for t in LOG_TABLES))
    _exec("ALTER FUNCTION public.eventlog_refuse_change() SET SCHEMA eventlog")

    # Read models move to their owner's schema, found by their name's prefix.
    _exec(
        """
        DO $$
        DECLARE t record;
        BEGIN
            FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public'
                      AND split_part(tablename, '_', 1) IN
                          ('registry', 'assessment', 'commissioning', 'audit')
            LOOP
                EXECUTE format('ALTER TABLE public.%I SET SCHEMA %I',
                               t.tablename, split_part(t.tablename, '_', 1));
            END LOOP;
        END
        $$
        """,
        "ALTER SEQUENCE public.commissioning_profile_revisions SET SCHEMA commissioning",
    )

    # Each owner keeps its consumers' checkpoints in its own schema.
    for owner in OWNERS:
        _exec(
            SUBSCRIPTIONS.format(schema=owner),
            f"INSERT INTO {owner}.subscriptions SELECT * FROM public.subscriptions"
            f" WHERE {CHECKPOINT_HOMES[owner]}",
        )
    _exec("DROP TABLE public.subscriptions")

    # Who appended each event, set by the database. Events from before this migration were
    # appended by the one shared role; the epoch says up to where that is expected.
    _exec(
        "ALTER TABLE eventlog.events ADD COLUMN appended_by name",
        "ALTER TABLE eventlog.events ALTER COLUMN appended_by SET DEFAULT current_user",
        """
        CREATE TABLE eventlog.ownership_epoch (
            singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
            position bigint NOT NULL
        )
        """,
        "INSERT INTO eventlog.ownership_epoch (position)"
        " SELECT coalesce(max(position), 0) FROM eventlog.events",
        """
        CREATE TABLE eventlog.stream_owners (
            category text PRIMARY KEY,
            service text NOT NULL,
            role name NOT NULL
        )
        """,
        # Row-level security checks every append against the ownership table. A policy on
        # INSERT costs about 1% of a one-row append (EVENTLOG.md); reads stay open to all.
        "ALTER TABLE eventlog.events ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY events_readable ON eventlog.events FOR SELECT USING (true)",
        """
        CREATE POLICY events_appended_by_owner ON eventlog.events FOR INSERT
        WITH CHECK (
            appended_by = current_user
            AND EXISTS (
                SELECT 1 FROM eventlog.stream_owners o
                 WHERE o.category IN (events.category, '*')
                   AND o.role = current_user
                   AND (o.category = '*' OR o.service = split_part(events.event_type, '.', 1))
            )
        )
        """,
        # How long the oldest open writer has held the horizon back. pg_stat_activity shows
        # other roles' transactions only to privileged roles, so the owner answers.
        """
        CREATE FUNCTION eventlog.oldest_writer_seconds() RETURNS double precision
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
            SELECT coalesce(extract(epoch FROM max(now() - xact_start)), 0)::float8
              FROM pg_stat_activity WHERE backend_xid IS NOT NULL
        $$
        """,
        "REVOKE ALL ON FUNCTION eventlog.oldest_writer_seconds() FROM PUBLIC",
    )

    # The one shared role of before keeps nothing here.
    _exec(
        _role_exists_guard(
            LEGACY_ROLE,
            " ".join(
                f"EXECUTE 'REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {LEGACY_ROLE}';"
                f" EXECUTE 'REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {LEGACY_ROLE}';"
                for s in ("eventlog", *OWNERS)
            )
            + f" EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {LEGACY_ROLE}';"
            + f" EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {LEGACY_ROLE}';"
            + f" EXECUTE 'REVOKE USAGE ON SCHEMA public FROM {LEGACY_ROLE}';",
        )
    )

    for owner in OWNERS:
        _grant(owner)
    # An administrator's session (psql, the CLI) sees every schema, as before. The services
    # set their own search path on connecting.
    _exec(
        """
        DO $$
        BEGIN
            EXECUTE format('ALTER DATABASE %I SET search_path = eventlog, registry, assessment,'
                           ' commissioning, audit, public', current_database());
        END
        $$
        """
    )


def _grant(owner: str) -> None:
    role = _role(owner)
    _exec(
        f"""
        DO $$
        BEGIN
            CREATE ROLE {role} LOGIN;
        EXCEPTION WHEN duplicate_object THEN NULL;
        END
        $$
        """,
        # Roles are the cluster's: whatever an earlier database made of it, it is no more.
        f"ALTER ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT"
        " NOREPLICATION NOBYPASSRLS",
        f"GRANT USAGE ON SCHEMA eventlog TO {role}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA eventlog TO {role}",
        f"GRANT EXECUTE ON FUNCTION eventlog.oldest_writer_seconds() TO {role}",
        f"GRANT SELECT ON public.alembic_version TO {role}",
        f"GRANT USAGE ON SCHEMA {owner} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA {owner} TO {role}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {owner} TO {role}",
        # Tables later migrations add to the schema come with the same rights.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {owner}"
        f" GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {owner}"
        f" GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA eventlog GRANT SELECT ON TABLES TO {role}",
    )
    if owner in SERVICES:
        _exec(f"GRANT INSERT ({APPEND_COLUMNS}) ON eventlog.events TO {role}")
    if owner == "audit":
        _exec(f"GRANT INSERT ON eventlog.event_seals TO {role}")
    if owner == "commissioning":
        # It serves the audit API over the audit index.
        _exec(
            f"GRANT USAGE ON SCHEMA audit TO {role}",
            f"GRANT SELECT ON ALL TABLES IN SCHEMA audit TO {role}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA audit GRANT SELECT ON TABLES TO {role}",
        )


def _revoke(owner: str) -> None:
    role = _role(owner)
    _exec(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {owner} REVOKE ALL ON TABLES FROM {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {owner} REVOKE ALL ON SEQUENCES FROM {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA eventlog REVOKE ALL ON TABLES FROM {role}",
        f"REVOKE ALL ON public.alembic_version FROM {role}",
    )
    if owner == "commissioning":
        _exec(f"ALTER DEFAULT PRIVILEGES IN SCHEMA audit REVOKE ALL ON TABLES FROM {role}")


def downgrade() -> None:
    _exec(
        """
        DO $$
        BEGIN
            EXECUTE format('ALTER DATABASE %I RESET search_path', current_database());
        END
        $$
        """
    )
    for owner in OWNERS:
        _revoke(owner)
    _exec(
        "DROP POLICY events_appended_by_owner ON eventlog.events",
        "DROP POLICY events_readable ON eventlog.events",
        "ALTER TABLE eventlog.events DISABLE ROW LEVEL SECURITY",
        "DROP FUNCTION eventlog.oldest_writer_seconds()",
        "DROP TABLE eventlog.stream_owners",
        "DROP TABLE eventlog.ownership_epoch",
        "ALTER TABLE eventlog.events DROP COLUMN appended_by",
        SUBSCRIPTIONS.format(schema="public"),
    )
    for owner in OWNERS:
        _exec(
            f"INSERT INTO public.subscriptions SELECT * FROM {owner}.subscriptions",
            f"DROP TABLE {owner}.subscriptions",
        )
    _exec(
        """
        DO $$
        DECLARE t record;
        BEGIN
            FOR t IN SELECT schemaname, tablename FROM pg_tables
                      WHERE schemaname IN ('registry', 'assessment', 'commissioning', 'audit')
            LOOP
                EXECUTE format('ALTER TABLE %I.%I SET SCHEMA public', t.schemaname, t.tablename);
            END LOOP;
        END
        $$
        """,
        "ALTER SEQUENCE commissioning.commissioning_profile_revisions SET SCHEMA public",
        "ALTER FUNCTION eventlog.eventlog_refuse_change() SET SCHEMA public",
        *(f"ALTER TABLE eventlog.{t} SET SCHEMA public" for t in LOG_TABLES),
    )
    # Privileges move with the tables; what remains is emptied so the schemas can go.
    for owner in OWNERS:
        role = _role(owner)
        _exec(
            f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
            f"REVOKE ALL ON SCHEMA {owner} FROM {role}",
            f"REVOKE ALL ON SCHEMA eventlog FROM {role}",
        )
    _exec("REVOKE ALL ON SCHEMA audit FROM strongtrusts_commissioning")
    _exec(*(f"DROP SCHEMA {schema}" for schema in ("eventlog", *OWNERS)))
    # The shared role of before gets back what 0001-0008 gave it.
    _exec(
        _role_exists_guard(
            LEGACY_ROLE,
            f"EXECUTE 'GRANT USAGE ON SCHEMA public TO {LEGACY_ROLE}';"
            f" EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {LEGACY_ROLE}';"
            f" EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {LEGACY_ROLE}';"
            f" EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {LEGACY_ROLE}';"
            f" EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {LEGACY_ROLE}';"
            f" EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON events, event_seals, eventlog_era FROM {LEGACY_ROLE}';"
            " EXECUTE 'GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO "
            + LEGACY_ROLE
            + "'; EXECUTE 'REVOKE TRUNCATE ON events, event_seals, eventlog_era, subscriptions FROM "
            + LEGACY_ROLE
            + "';",
        )
    )
