"""Assessment: what it knows of schools and trusts from the registry's events, and each trust's indicators.

Revision ID: 0004_assessment_indicators
Revises: 0003_assessment_read_models
Create Date: 2026-11-22

A frozen copy of ``services/assessment/indicators/models.py`` as of this revision;
``tests/assessment/test_indicators_projection.py`` checks they agree.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0004_assessment_indicators"
down_revision = "0003_assessment_read_models"
branch_labels = None
depends_on = None

TABLES = ("assessment_indicator_schools", "assessment_indicator_trusts")


def upgrade() -> None:
    op.create_table(
        "assessment_indicator_schools",
        sa.Column("urn", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("trust_uid", sa.Integer()),
        sa.Column("joined_on", sa.Date()),
        sa.Column("la_code", sa.Text()),
        sa.Column("la_name", sa.Text()),
        sa.Column("region_code", sa.Text()),
        sa.Column("region_name", sa.Text()),
        sa.Column("phase", sa.Text()),
        sa.Column("pupils", sa.Integer()),
        sa.Column("easting", sa.Integer()),
        sa.Column("northing", sa.Integer()),
        sa.Column(
            "predecessor_urns", ARRAY(sa.Integer()), nullable=False, server_default=sa.text("'{}'")
        ),
        sa.Column("inspections", JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "assessment_indicator_schools_trust", "assessment_indicator_schools", ["trust_uid"]
    )
    op.create_table(
        "assessment_indicator_trusts",
        sa.Column("uid", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("dirty", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        sa.Column("as_of", sa.Date()),
        sa.Column("indicators", JSONB()),
    )
    op.create_index(
        "assessment_indicator_trusts_dirty",
        "assessment_indicator_trusts",
        ["uid"],
        postgresql_where=sa.text("dirty"),
    )

    role = "strongtrusts_app"  # the one shared role, until 0009
    if role:
        # Read models are disposable, so the app role may also empty them for a rebuild.
        op.execute(f'GRANT TRUNCATE ON {", ".join(TABLES)} TO "{role}"')


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
