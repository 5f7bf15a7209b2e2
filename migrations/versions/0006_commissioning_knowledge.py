"""Commissioning: what it knows of schools, trusts and published judgements, for shortlists and area plans.

Revision ID: 0006_commissioning_knowledge
Revises: 0005_commissioning_cases
Create Date: 2026-11-22
"""

from __future__ import annotations

revision = "0006_commissioning_knowledge"
down_revision = "0005_commissioning_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
