"""Assessment read models: frameworks, assessments, evidence, judgements, profiles, trust indicators.

Revision ID: 0003_assessment_read_models
Revises: 0002_registry_read_models
Create Date: 2026-11-22
"""

from __future__ import annotations

revision = "0003_assessment_read_models"
down_revision = "0002_registry_read_models"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
