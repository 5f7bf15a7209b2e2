"""Faster feeds: GIAS row fingerprints, and a session table for batch appends by COPY.

- ``registry.registry_gias_fingerprints``: for each school and trust stream, hashes of the
  GIAS rows that last fed it and the stream version they left it at. A re-import compares
  its rows with these instead of folding every stream; whatever differs, or whose stream
  has moved since, is folded and decided as before. The importer writes them in the same
  transaction as the events they describe; a missing row only means the slow way.
- Appends of many events copy them into a temporary table of the session and move them into
  the log with one INSERT (row-level security refuses COPY into the log itself). The
  service roles are given TEMPORARY on the database explicitly, rather than relying on what
  PUBLIC holds by default.

Revision ID: 0014_import_paths
Revises: 0013_authority_lookups
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0014_import_paths"
down_revision = "0013_authority_lookups"
branch_labels = None
depends_on = None

SERVICE_ROLES = ("strongtrusts_registry", "strongtrusts_assessment", "strongtrusts_commissioning")


def _on_database(statement: str) -> str:
    # GRANT ... ON DATABASE takes a name, not an expression.
    return f"""
    DO $$
    BEGIN
        EXECUTE format('{statement}', current_database());
    END
    $$
    """


def upgrade() -> None:
    # Grants come from 0009's default privileges in the schema.
    op.execute(
        """
        CREATE TABLE registry.registry_gias_fingerprints (
            stream_id text PRIMARY KEY,
            -- The code that parsed and compared the rows (a digest of its source): rows
            -- fingerprinted by other code are compared the slow way.
            code text NOT NULL,
            -- The establishment's or group's row as read, before any parsing.
            row_digest bytea NOT NULL,
            -- The row with everything else that decides the stream's events (a school's
            -- trust link and predecessors).
            inputs_digest bytea NOT NULL,
            stream_version bigint NOT NULL
        )
        """
    )
    for role in SERVICE_ROLES:
        op.execute(_on_database(f"GRANT TEMPORARY ON DATABASE %I TO {role}"))


def downgrade() -> None:
    for role in SERVICE_ROLES:
        op.execute(_on_database(f"REVOKE TEMPORARY ON DATABASE %I FROM {role}"))
    op.execute("DROP TABLE registry.registry_gias_fingerprints")
