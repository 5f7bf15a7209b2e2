"""Assessment read models: frameworks, assessments, evidence, judgements, publications.

Revision ID: 0003_assessment_read_models
Revises: 0002_registry_read_models
Create Date: 2026-11-22

A frozen copy of ``services/assessment/models.py`` as of this revision (a later change to the
models is a new revision); ``tests/assessment/test_read_models.py`` checks they agree.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0003_assessment_read_models"
down_revision = "0002_registry_read_models"
branch_labels = None
depends_on = None

TABLES = (
    "assessment_frameworks",
    "assessment_assessments",
    "assessment_evidence",
    "assessment_judgements",
    "assessment_publications",
)

_TIMESTAMPTZ = sa.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.create_table(
        "assessment_frameworks",
        sa.Column("framework_id", sa.Text(), nullable=False),
        sa.Column("framework_version", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("publisher", sa.Text(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("source", sa.Text()),
        sa.Column("pillars", JSONB(), nullable=False),
        sa.Column("recorded_at", _TIMESTAMPTZ, nullable=False),
        sa.PrimaryKeyConstraint("framework_id", "framework_version"),
    )

    op.create_table(
        "assessment_assessments",
        sa.Column("assessment_id", sa.Text(), primary_key=True),
        sa.Column("seq", sa.BigInteger(), nullable=False, unique=True),
        sa.Column("trust_uid", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Text(), nullable=False),
        sa.Column("framework_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("assessor", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text()),
        sa.Column("authors", ARRAY(sa.Text()), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("evidence_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column(
            "judged_pillars", ARRAY(sa.Text()), nullable=False, server_default=sa.text("'{}'")
        ),
        sa.Column("moderator", sa.Text()),
        sa.Column("published_on", sa.Date()),
        sa.Column("supersedes", sa.Text()),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("started_at", _TIMESTAMPTZ, nullable=False),
        sa.Column("updated_at", _TIMESTAMPTZ, nullable=False),
    )
    op.create_index(
        "assessment_assessments_trust_seq", "assessment_assessments", ["trust_uid", "seq"]
    )
    op.create_index(
        "assessment_assessments_status_seq", "assessment_assessments", ["status", "seq"]
    )

    op.create_table(
        "assessment_evidence",
        sa.Column("evidence_id", sa.Text(), primary_key=True),
        sa.Column("assessment_id", sa.Text(), nullable=False),
        sa.Column("stream_version", sa.BigInteger(), nullable=False),
        sa.Column("pillar", sa.Text(), nullable=False),
        sa.Column("theme", sa.Text()),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("source_reference", sa.Text(), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("metric_name", sa.Text()),
        sa.Column("metric_value", sa.Float()),
        sa.Column("metric_unit", sa.Text()),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", _TIMESTAMPTZ, nullable=False),
    )
    op.create_index(
        "assessment_evidence_assessment",
        "assessment_evidence",
        ["assessment_id", "stream_version"],
    )

    op.create_table(
        "assessment_judgements",
        sa.Column("assessment_id", sa.Text(), nullable=False),
        sa.Column("pillar", sa.Text(), nullable=False),
        sa.Column("descriptor", sa.Text(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("evidence_ids", ARRAY(sa.Text()), nullable=False),
        sa.Column("judged_by", sa.Text(), nullable=False),
        sa.Column("stream_version", sa.BigInteger(), nullable=False),
        sa.Column("judged_at", _TIMESTAMPTZ, nullable=False),
        sa.PrimaryKeyConstraint("assessment_id", "pillar"),
    )

    op.create_table(
        "assessment_publications",
        sa.Column("assessment_id", sa.Text(), primary_key=True),
        sa.Column("trust_uid", sa.Integer(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("framework_id", sa.Text(), nullable=False),
        sa.Column("framework_version", sa.Integer(), nullable=False),
        sa.Column("framework_name", sa.Text()),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("supersedes", sa.Text()),
        sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("judgements", JSONB(), nullable=False),
    )
    op.create_index(
        "assessment_publications_trust", "assessment_publications", ["trust_uid", "position"]
    )

    role = "strongtrusts_app"  # the one shared role, until 0009
    if role:
        # Read models are disposable, so the app role may also empty them for a rebuild.
        op.execute(f'GRANT TRUNCATE ON {", ".join(TABLES)} TO "{role}"')


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
