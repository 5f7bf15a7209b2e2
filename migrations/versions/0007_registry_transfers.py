"""Registry: approved transfers waiting for their significant date.

Revision ID: 0007_registry_transfers
Revises: 0006_commissioning_knowledge
Create Date: 2026-11-22
"""

from __future__ import annotations

revision = "0007_registry_transfers"
down_revision = "0006_commissioning_knowledge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
