"""Commissioning read models: cases, decisions, interventions, and the audit index.

Revision ID: 0005_commissioning_cases
Revises: 0004_assessment_indicators
Create Date: 2026-11-22

A frozen copy of ``services/commissioning/models.py`` as of this revision, plus two
expression indexes on the log's metadata so a case's audit trail can follow causation and
correlation ids without scanning the whole log.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0005_commissioning_cases"
down_revision = "0004_assessment_indicators"
branch_labels = None
depends_on = None

TABLES = ("commissioning_cases", "commissioning_decisions", "commissioning_interventions")
_TIMESTAMPTZ = sa.TIMESTAMP(timezone=True)

AUDIT_INDEXES = (
    # Partial, so events without the id (most feed events have no causation) cost nothing.
    "CREATE INDEX events_causation_id ON events ((metadata->>'causation_id'))"
    " WHERE (metadata->>'causation_id') IS NOT NULL",
    "CREATE INDEX events_correlation_id ON events ((metadata->>'correlation_id'))"
    " WHERE (metadata->>'correlation_id') IS NOT NULL",
)


def upgrade() -> None:
    op.create_table(
        "commissioning_cases",
        sa.Column("case_id", sa.Text(), primary_key=True),
        sa.Column("urns", ARRAY(sa.Integer()), nullable=False),
        sa.Column("trigger", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("region_code", sa.Text()),
        sa.Column("area", sa.Text()),
        sa.Column("la_codes", ARRAY(sa.Text()), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("criteria", JSONB(), nullable=False),
        sa.Column("criteria_set", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("opened_by", sa.Text(), nullable=False),
        sa.Column("intervention_id", sa.Text()),
        sa.Column("shortlist", ARRAY(sa.Integer()), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("board_date", sa.Date()),
        sa.Column("decision_id", sa.Text()),
        sa.Column("outcome", sa.Text()),
        sa.Column("decided_on", sa.Date()),
        sa.Column("trust_uid", sa.Integer()),
        sa.Column("significant_date", sa.Date()),
        sa.Column("transfer_kind", sa.Text()),
        sa.Column(
            "applied_urns", ARRAY(sa.Integer()), nullable=False, server_default=sa.text("'{}'")
        ),
        sa.Column("rejections", JSONB(), nullable=False, server_default=sa.text("'[]'")),
        sa.Column("completed_on", sa.Date()),
        sa.Column("closed_on", sa.Date()),
        sa.Column("close_reason", sa.Text()),
        sa.Column("opened_position", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", _TIMESTAMPTZ, nullable=False),
    )
    op.create_index(
        "commissioning_cases_status", "commissioning_cases", ["status", "opened_position"]
    )
    op.create_index(
        "commissioning_cases_region", "commissioning_cases", ["region_code", "opened_position"]
    )
    op.create_index("commissioning_cases_area", "commissioning_cases", ["area", "opened_position"])
    op.create_index("commissioning_cases_opened", "commissioning_cases", ["opened_position"])
    op.create_index("commissioning_cases_decision", "commissioning_cases", ["decision_id"])
    op.create_index(
        "commissioning_cases_urns", "commissioning_cases", ["urns"], postgresql_using="gin"
    )

    op.create_table(
        "commissioning_decisions",
        sa.Column("decision_id", sa.Text(), primary_key=True),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("conditions", JSONB(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decision_maker_name", sa.Text(), nullable=False),
        sa.Column("decision_maker_capacity", sa.Text(), nullable=False),
        sa.Column("trust_uid", sa.Integer()),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("significant_date", sa.Date()),
        sa.Column("reason_category", sa.Text()),
        sa.Column("date_changes", JSONB(), nullable=False, server_default=sa.text("'[]'")),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", _TIMESTAMPTZ, nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "commissioning_decisions_case", "commissioning_decisions", ["case_id", "position"]
    )

    op.create_table(
        "commissioning_interventions",
        sa.Column("intervention_id", sa.Text(), primary_key=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("trust_uid", sa.Integer(), nullable=False),
        sa.Column("urn", sa.Integer()),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("response_due_on", sa.Date()),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("conditions", JSONB(), nullable=False),
        sa.Column("escalated_from", sa.Text()),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("case_id", sa.Text()),
        sa.Column("history", JSONB(), nullable=False),
        sa.Column("issued_by", sa.Text(), nullable=False),
        sa.Column("issued_position", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", _TIMESTAMPTZ, nullable=False),
    )
    op.create_index(
        "commissioning_interventions_trust", "commissioning_interventions", ["trust_uid", "active"]
    )
    op.create_index(
        "commissioning_interventions_issued", "commissioning_interventions", ["issued_position"]
    )

    for statement in AUDIT_INDEXES:
        op.execute(statement)

    role = "strongtrusts_app"  # the one shared role, until 0009
    if role:
        # Read models are disposable, so the app role may also empty them for a rebuild.
        op.execute(f'GRANT TRUNCATE ON {", ".join(TABLES)} TO "{role}"')


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS events_correlation_id")
    op.execute("DROP INDEX IF EXISTS events_causation_id")
    for table in reversed(TABLES):
        op.drop_table(table)
