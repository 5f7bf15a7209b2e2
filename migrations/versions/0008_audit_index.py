"""The audit index: which school, trust, case, decision, assessment or intervention each event names.

Revision ID: 0008_audit_index
Revises: 0007_registry_transfers
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_audit_index"
down_revision = "0007_registry_transfers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_subjects",
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", "position"),
    )
    # A timeline also takes in what its events name (a school's cases, a trust's assessments).
    op.create_index("audit_subjects_by_position", "audit_subjects", ["position"])
    role = "strongtrusts_app"  # the one shared role, until 0009
    if role:
        # Like every read model, the index is disposable: the app role may empty it to rebuild.
        op.execute(f'GRANT TRUNCATE ON audit_subjects TO "{role}"')


def downgrade() -> None:
    op.drop_table("audit_subjects")
