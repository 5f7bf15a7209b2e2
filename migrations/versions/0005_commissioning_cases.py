"""Commissioning read models: cases, decisions, interventions, and the audit index.

Revision ID: 0005_commissioning_cases
Revises: 0004_assessment_indicators
Create Date: 2026-11-22
"""

from __future__ import annotations

revision = "0005_commissioning_cases"
down_revision = "0004_assessment_indicators"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
