"""The registry's imports read model goes: nothing read it.

``GET /imports/{id}`` folds the import's own stream so its answer is never behind the log;
``registry_imports``, written by the registry projection from the same events, was read by
tests alone. The projection no longer reads the feed-run streams at all.

A downgrade builds the table again with the rows that projection would have written: for
each import, its last event in log order.

Revision ID: 0012_drop_registry_imports
Revises: 0011_feeds_and_publisher
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0012_drop_registry_imports"
down_revision = "0011_feeds_and_publisher"
branch_labels = None
depends_on = None

# Frozen as they were: the event types the projection wrote a row for, each as (kind, status).
_IMPORT_EVENTS = {
    "registry.GiasImportStarted": ("gias", "started"),
    "registry.GiasImportFailed": ("gias", "failed"),
    "registry.GiasImportCompleted": ("gias", "completed"),
    "registry.OfstedImportCompleted": ("ofsted", "completed"),
}


def upgrade() -> None:
    op.execute("DROP TABLE registry.registry_imports")


def downgrade() -> None:
    # Grants come from 0009's default privileges in the schema.
    op.execute(
        """
        CREATE TABLE registry.registry_imports (
            import_id text PRIMARY KEY,
            kind text NOT NULL,
            status text NOT NULL,
            report jsonb NOT NULL,
            recorded_at timestamptz NOT NULL
        )
        """
    )
    kinds = " ".join(f"WHEN '{t}' THEN '{kind}'" for t, (kind, _) in _IMPORT_EVENTS.items())
    statuses = " ".join(f"WHEN '{t}' THEN '{st}'" for t, (_, st) in _IMPORT_EVENTS.items())
    op.execute(
        f"""
        INSERT INTO registry.registry_imports (import_id, kind, status, report, recorded_at)
        SELECT DISTINCT ON (data ->> 'import_id')
               data ->> 'import_id', CASE event_type {kinds} END,
               CASE event_type {statuses} END, data, recorded_at
          FROM eventlog.events
         WHERE event_type IN ({", ".join(f"'{t}'" for t in _IMPORT_EVENTS)})
         ORDER BY data ->> 'import_id', era DESC, tx_id DESC, position DESC
        """
    )
