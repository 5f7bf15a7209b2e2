"""Assessment: what it knows of schools and trusts from the registry's events, and each trust's indicators.

Revision ID: 0004_assessment_indicators
Revises: 0003_assessment_read_models
Create Date: 2026-11-22
"""

from __future__ import annotations

revision = "0004_assessment_indicators"
down_revision = "0003_assessment_read_models"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
