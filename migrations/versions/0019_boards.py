"""Advisory boards: ``commissioning.commissioning_boards``, one row per board.

Its region and date, members (name, subject, kind), declared interests, the agenda (case
ids) and when it was published, the notes and when they were published. Projected from
the ``board`` streams by the ``commissioning-boards`` consumer. Grants come from 0009's
default privileges in the schema.

Revision ID: 0019_boards
Revises: 0018_trust_concerns
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0019_boards"
# 0017 is being added on another branch at the same time: whoever merges both relinks this.
down_revision = "0018_trust_concerns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE commissioning.commissioning_boards (
            board_id text PRIMARY KEY,
            region_code text NOT NULL,
            board_date date NOT NULL,
            title text NOT NULL,
            members jsonb NOT NULL DEFAULT '[]',
            interests jsonb NOT NULL DEFAULT '[]',
            agenda text[] NOT NULL DEFAULT '{}',
            agenda_published_on date,
            notes text,
            notes_published_on date,
            version bigint NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """
    )
    op.execute(
        "CREATE INDEX commissioning_boards_agenda"
        " ON commissioning.commissioning_boards USING gin (agenda)"
    )


def downgrade() -> None:
    op.execute("DROP TABLE commissioning.commissioning_boards")
