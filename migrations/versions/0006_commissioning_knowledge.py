"""Commissioning: what it knows of schools, trusts and published judgements, for shortlists and area plans.

Revision ID: 0006_commissioning_knowledge
Revises: 0005_commissioning_cases
Create Date: 2026-11-22

A frozen copy of ``services/commissioning/knowledge/models.py`` as of this revision;
``tests/commissioning/test_knowledge_projection.py`` checks they agree.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0006_commissioning_knowledge"
down_revision = "0005_commissioning_cases"
branch_labels = None
depends_on = None

TABLES = (
    "commissioning_school_facts",
    "commissioning_trust_facts",
    "commissioning_memberships",
    "commissioning_inspections",
    "commissioning_published_assessments",
    "commissioning_trust_profiles",
)


def upgrade() -> None:
    op.create_table(
        "commissioning_school_facts",
        sa.Column("urn", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("la_code", sa.Text(), nullable=False),
        sa.Column("la_name", sa.Text(), nullable=False),
        sa.Column("region_code", sa.Text()),
        sa.Column("region_name", sa.Text()),
        sa.Column("district_code", sa.Text()),
        sa.Column("district_name", sa.Text()),
        sa.Column("phase", sa.Text()),
        sa.Column("type_group_name", sa.Text()),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("religious_character", sa.Text()),
        sa.Column("diocese", sa.Text()),
        sa.Column("pupils", sa.Integer()),
        sa.Column("capacity", sa.Integer()),
        sa.Column("easting", sa.Integer()),
        sa.Column("northing", sa.Integer()),
        sa.Column("open_date", sa.Date()),
        sa.Column("close_date", sa.Date()),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("trust_uid", sa.Integer()),
        sa.Column(
            "predecessor_urns", ARRAY(sa.Integer()), nullable=False, server_default=sa.text("'{}'")
        ),
        sa.Column("ofsted_grade", sa.Text()),
        sa.Column("ofsted_date", sa.Date()),
        sa.Column("ofsted_good_or_better", sa.Boolean()),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "commissioning_school_facts_la", "commissioning_school_facts", ["la_code", "urn"]
    )
    op.create_index("commissioning_school_facts_trust", "commissioning_school_facts", ["trust_uid"])
    op.create_table(
        "commissioning_trust_facts",
        sa.Column("uid", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("trust_type", sa.Text()),
        sa.Column("status", sa.Text()),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("closed_on", sa.Date()),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "commissioning_memberships",
        sa.Column("urn", sa.Integer(), nullable=False),
        sa.Column("trust_uid", sa.Integer(), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date()),
        sa.Column("join_reason", sa.Text()),
        sa.PrimaryKeyConstraint("urn", "trust_uid", "from_date"),
    )
    op.create_index(
        "commissioning_memberships_trust",
        "commissioning_memberships",
        ["trust_uid", "from_date"],
    )
    op.create_table(
        "commissioning_inspections",
        sa.Column("urn", sa.Integer(), nullable=False),
        sa.Column("inspection_start", sa.Date(), nullable=False),
        sa.Column("grade", sa.Text(), nullable=False),
        sa.Column("good_or_better", sa.Boolean()),
        sa.PrimaryKeyConstraint("urn", "inspection_start"),
    )
    op.create_table(
        "commissioning_published_assessments",
        sa.Column("assessment_id", sa.Text(), primary_key=True),
        sa.Column("trust_uid", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Text(), nullable=False),
        sa.Column("framework_version", sa.Integer(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("judgements", JSONB(), nullable=False),
        sa.Column("supersedes", sa.Text()),
        sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("position", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "commissioning_published_assessments_trust",
        "commissioning_published_assessments",
        ["trust_uid", "published_on"],
    )
    # Each profile write takes the next revision, so a process keeping profiles in memory
    # reloads only those written since it last looked (one consumer writes them, in order).
    op.execute("CREATE SEQUENCE commissioning_profile_revisions")
    op.create_table(
        "commissioning_trust_profiles",
        sa.Column("uid", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("trust_type", sa.Text()),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("schools", JSONB(), nullable=False),
        sa.Column("joined_below_good", sa.Integer(), nullable=False),
        sa.Column("improved", sa.Integer(), nullable=False),
        sa.Column("assessment", JSONB()),
        sa.Column(
            "revision",
            sa.BigInteger(),
            nullable=False,
            server_default=sa.text("nextval('commissioning_profile_revisions')"),
        ),
    )
    op.create_index(
        "commissioning_trust_profiles_by_revision", "commissioning_trust_profiles", ["revision"]
    )
    role = "strongtrusts_app"  # the one shared role, until 0009
    if role:
        # Read models are disposable, so the app role may also empty them for a rebuild.
        op.execute(f'GRANT TRUNCATE ON {", ".join(TABLES)} TO "{role}"')
        op.execute(f'GRANT USAGE, SELECT ON SEQUENCE commissioning_profile_revisions TO "{role}"')


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
    op.execute("DROP SEQUENCE commissioning_profile_revisions")
