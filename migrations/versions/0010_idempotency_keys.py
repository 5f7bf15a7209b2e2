"""Idempotency keys: a retried write answers as it first did, and does nothing twice.

One table in each service's schema (its role's own, like every read model), holding the key
a caller sent, what the request was, and the answer given, written in the same transaction
as the write's events.

Revision ID: 0010_idempotency_keys
Revises: 0009_service_boundaries
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0010_idempotency_keys"
down_revision = "0009_service_boundaries"
branch_labels = None
depends_on = None

SERVICES = ("registry", "assessment", "commissioning")


def upgrade() -> None:
    for schema in SERVICES:
        # Grants come from 0009's default privileges in the schema.
        op.execute(
            f"""
            CREATE TABLE {schema}.idempotency_keys (
                subject text NOT NULL,
                key text NOT NULL,
                fingerprint text NOT NULL,
                status_code integer,
                body text,
                headers text,
                created_at timestamptz NOT NULL,
                PRIMARY KEY (subject, key)
            )
            """
        )
        op.execute(
            f"CREATE INDEX idempotency_keys_created ON {schema}.idempotency_keys (created_at)"
        )


def downgrade() -> None:
    for schema in SERVICES:
        op.execute(f"DROP TABLE {schema}.idempotency_keys")
