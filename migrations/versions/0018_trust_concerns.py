"""Concerns about trusts: the read model behind their lists, warnings and reviews.

``commissioning.commissioning_trust_concerns``: one row per concern about a trust (stream
``concern-{id}``), as its consumer (``commissioning-concerns``) projects it: its type, how
it was referred, its current RAG rating and status, its next review. The RAG history and
the actions stay in the log, read from the concern's stream.
Grants come from 0009's default privileges in the schema.

Revision ID: 0018_trust_concerns
Revises: 0017_case_referee_lookup
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0018_trust_concerns"
down_revision = "0017_case_referee_lookup"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE commissioning.commissioning_trust_concerns (
            concern_id text PRIMARY KEY,
            trust_uid integer NOT NULL,
            concern_type text NOT NULL,
            referral text NOT NULL,
            rag text NOT NULL,
            status text NOT NULL,
            opened_on date NOT NULL,
            -- None once closed.
            review_on date,
            closed_on date,
            -- The global log position of its opening: the list's order and cursor.
            opened_position bigint NOT NULL,
            version bigint NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """
    )
    op.execute(
        "CREATE INDEX commissioning_trust_concerns_trust"
        " ON commissioning.commissioning_trust_concerns (trust_uid)"
    )
    op.execute(
        "CREATE INDEX commissioning_trust_concerns_opened"
        " ON commissioning.commissioning_trust_concerns (opened_position)"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS commissioning.commissioning_trust_concerns")
