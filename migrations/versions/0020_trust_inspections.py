"""Trust inspections: ``registry.registry_trust_inspections``, one row per Ofsted inspection
of an academy trust (``TrustInspectionRecorded`` on ``trust-{uid}``), behind the trust view's
latest inspection and history; and ``assessment.assessment_indicator_trusts.trust_inspections``,
the same inspections as facts beside the trust's indicators (evidence, never a pillar grade).

Revision ID: 0020_trust_inspections
Revises: 0019_boards
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0020_trust_inspections"
# Other branches add migrations at the same time: whoever merges them relinks this.
down_revision = "0019_boards"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Grants come from 0009's default privileges in the schema.
    op.execute(
        """
        CREATE TABLE registry.registry_trust_inspections (
            uid integer NOT NULL,
            inspection_id text NOT NULL,
            stream_version bigint NOT NULL,
            inspection_start date NOT NULL,
            publication_date date,
            inspection_type text,
            outcomes jsonb NOT NULL,
            report_url text,
            source_file text NOT NULL,
            format_version integer NOT NULL,
            recorded_at timestamptz NOT NULL,
            PRIMARY KEY (uid, inspection_id)
        )
        """
    )
    op.execute(
        "CREATE INDEX registry_trust_inspections_latest"
        " ON registry.registry_trust_inspections (uid, inspection_start)"
    )
    op.execute(
        "ALTER TABLE assessment.assessment_indicator_trusts"
        " ADD COLUMN trust_inspections jsonb NOT NULL DEFAULT '[]'::jsonb"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE assessment.assessment_indicator_trusts DROP COLUMN trust_inspections")
    op.execute("DROP TABLE IF EXISTS registry.registry_trust_inspections")
