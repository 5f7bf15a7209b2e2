"""Registry: approved transfers waiting for their significant date.

Revision ID: 0007_registry_transfers
Revises: 0006_commissioning_knowledge
Create Date: 2026-11-22

A frozen copy of ``registry_pending_transfers`` in ``services/registry/models.py`` as of
this revision; ``tests/integration/test_registry_projections.py`` checks they agree.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0007_registry_transfers"
down_revision = "0006_commissioning_knowledge"
branch_labels = None
depends_on = None

TABLE = "registry_pending_transfers"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("decision_id", sa.Text(), nullable=False),
        sa.Column("urn", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("to_trust_uid", sa.Integer(), nullable=False),
        sa.Column("significant_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("approved_event_id", UUID(as_uuid=True), nullable=False),
        sa.Column("correlation_id", sa.Text()),
        sa.Column("outcome_event_id", UUID(as_uuid=True)),
        sa.Column("outcome", sa.Text()),
        sa.Column("updated_at", sa.TIMESTAMP(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("decision_id", "urn"),
    )
    op.create_index(
        "registry_pending_transfers_due",
        TABLE,
        ["significant_date"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("registry_pending_transfers_case", TABLE, ["case_id"])
    role = "strongtrusts_app"  # the one shared role, until 0009
    if role:
        # SELECT, INSERT, UPDATE and DELETE come from 0001's default privileges; TRUNCATE
        # too, like the read models, for a replay of the registry-transfers consumer.
        op.execute(f'GRANT TRUNCATE ON {TABLE} TO "{role}"')


def downgrade() -> None:
    op.drop_table(TABLE)
