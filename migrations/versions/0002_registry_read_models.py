"""Registry read models: schools, their versions, links, memberships, history, trusts, imports.

Revision ID: 0002_registry_read_models
Revises: 0001_event_log
Create Date: 2026-11-22

A frozen copy of ``services/registry/models.py`` as of this revision (a later change to the
models is a new revision); ``tests/integration/test_registry_projections.py`` checks they agree.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0002_registry_read_models"
down_revision = "0001_event_log"
branch_labels = None
depends_on = None

TABLES = (
    "registry_schools",
    "registry_school_versions",
    "registry_school_links",
    "registry_memberships",
    "registry_school_history",
    "registry_trusts",
    "registry_imports",
)

_TIMESTAMPTZ = sa.TIMESTAMP(timezone=True)


def _school_details() -> list[sa.Column[Any]]:
    text_columns = {"name", "la_code", "la_name", "status"}
    spec: list[tuple[str, sa.types.TypeEngine[Any]]] = [
        ("name", sa.Text()),
        ("la_code", sa.Text()),
        ("la_name", sa.Text()),
        ("laestab", sa.Text()),
        ("type_code", sa.Text()),
        ("type_name", sa.Text()),
        ("type_group_code", sa.Text()),
        ("type_group_name", sa.Text()),
        ("status", sa.Text()),
        ("phase", sa.Text()),
        ("statutory_low_age", sa.Integer()),
        ("statutory_high_age", sa.Integer()),
        ("religious_character", sa.Text()),
        ("diocese", sa.Text()),
        ("pupils", sa.Integer()),
        ("capacity", sa.Integer()),
        ("fsm_percent", sa.Float()),
        ("street", sa.Text()),
        ("locality", sa.Text()),
        ("address3", sa.Text()),
        ("town", sa.Text()),
        ("county", sa.Text()),
        ("postcode", sa.Text()),
        ("easting", sa.Integer()),
        ("northing", sa.Integer()),
        ("region_code", sa.Text()),
        ("region_name", sa.Text()),
        ("district_code", sa.Text()),
        ("district_name", sa.Text()),
        ("constituency_code", sa.Text()),
        ("constituency_name", sa.Text()),
        ("open_date", sa.Date()),
        ("open_reason", sa.Text()),
        ("close_date", sa.Date()),
        ("close_reason", sa.Text()),
        ("ukprn", sa.Text()),
    ]
    return [sa.Column(name, type_, nullable=name not in text_columns) for name, type_ in spec]


def _trust_details() -> list[sa.Column[Any]]:
    required = {"name", "trust_type", "status"}
    spec: list[tuple[str, sa.types.TypeEngine[Any]]] = [
        ("trn", sa.Text()),
        ("name", sa.Text()),
        ("companies_house_number", sa.Text()),
        ("trust_type", sa.Text()),
        ("status", sa.Text()),
        ("incorporated_on", sa.Date()),
        ("closed_on", sa.Date()),
        ("street", sa.Text()),
        ("locality", sa.Text()),
        ("address3", sa.Text()),
        ("town", sa.Text()),
        ("county", sa.Text()),
        ("postcode", sa.Text()),
        ("ukprn", sa.Text()),
    ]
    return [sa.Column(name, type_, nullable=name not in required) for name, type_ in spec]


def upgrade() -> None:
    op.create_table(
        "registry_schools",
        sa.Column("urn", sa.Integer(), primary_key=True, autoincrement=False),
        *_school_details(),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column(
            "predecessor_urns", ARRAY(sa.Integer()), nullable=False, server_default=sa.text("'{}'")
        ),
        sa.Column("trust_uid", sa.Integer()),
        sa.Column("joined_trust_on", sa.Date()),
        sa.Column("join_reason", sa.Text()),
        sa.Column("ofsted_framework", sa.Text()),
        sa.Column("ofsted_inspection_start", sa.Date()),
        sa.Column("ofsted_publication_date", sa.Date()),
        sa.Column("ofsted_overall_effectiveness", sa.Text()),
        sa.Column("ofsted_category_of_concern", sa.Text()),
        sa.Column("ofsted_safeguarding_effective", sa.Boolean()),
        sa.Column("ofsted_report_card", JSONB()),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", _TIMESTAMPTZ, nullable=False),
    )
    for column in ("la_code", "region_code", "type_code", "trust_uid"):
        op.create_index(f"registry_schools_{column}_urn", "registry_schools", [column, "urn"])

    op.create_table(
        "registry_school_versions",
        sa.Column("urn", sa.Integer(), nullable=False),
        sa.Column("stream_version", sa.BigInteger(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("details", JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("urn", "stream_version"),
    )
    op.create_index(
        "registry_school_versions_as_of", "registry_school_versions", ["urn", "valid_from"]
    )

    op.create_table(
        "registry_school_links",
        sa.Column("urn", sa.Integer(), nullable=False),
        sa.Column("predecessor_urn", sa.Integer(), nullable=False),
        sa.Column("link_type", sa.Text(), nullable=False),
        sa.Column("established_on", sa.Date()),
        sa.PrimaryKeyConstraint("urn", "predecessor_urn"),
    )
    op.create_index(
        "registry_school_links_predecessor", "registry_school_links", ["predecessor_urn"]
    )

    op.create_table(
        "registry_memberships",
        sa.Column("urn", sa.Integer(), nullable=False),
        sa.Column("trust_uid", sa.Integer(), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date()),
        sa.Column("join_reason", sa.Text(), nullable=False),
        sa.Column("leave_reason", sa.Text()),
        sa.Column("decision_reference", sa.Text()),
        sa.PrimaryKeyConstraint("urn", "trust_uid", "from_date"),
    )
    op.create_index(
        "registry_memberships_trust", "registry_memberships", ["trust_uid", "from_date"]
    )

    op.create_table(
        "registry_school_history",
        sa.Column("urn", sa.Integer(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("stream_version", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("effective_on", sa.Date()),
        sa.Column("recorded_at", _TIMESTAMPTZ, nullable=False),
        sa.Column("summary", JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("urn", "position"),
    )

    op.create_table(
        "registry_trusts",
        sa.Column("uid", sa.Integer(), primary_key=True, autoincrement=False),
        *_trust_details(),
        sa.Column("la_established", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("founding_la_code", sa.Text()),
        sa.Column("la_established_on", sa.Date()),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", _TIMESTAMPTZ, nullable=False),
    )

    op.create_table(
        "registry_imports",
        sa.Column("import_id", sa.Text(), primary_key=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("report", JSONB(), nullable=False),
        sa.Column("recorded_at", _TIMESTAMPTZ, nullable=False),
    )

    role = "strongtrusts_app"  # the one shared role, until 0009
    if role:
        # SELECT, INSERT, UPDATE and DELETE come from 0001's default privileges. Read models
        # are disposable, so the app role may also empty them for a rebuild.
        op.execute(f'GRANT TRUNCATE ON {", ".join(TABLES)} TO "{role}"')


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
