"""Who a case is referred to includes whoever a decision was escalated or challenged to.

A challenge sends a decided case to another region's director or a minister, as a referral
does, and that person alone may decide it; they must also find it in their list of cases.
The partial index by the person referred to now covers both events.

Revision ID: 0017_case_referee_lookup
Revises: 0016_boards_projects_decisions
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0017_case_referee_lookup"
down_revision = "0016_boards_projects_decisions"
branch_labels = None
depends_on = None

REFEREE_EVENTS = "('commissioning.CaseReferred', 'commissioning.DecisionChallenged')"


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS eventlog.events_case_referrals")
    op.execute(
        "CREATE INDEX events_case_referrals ON eventlog.events ((data->>'referred_to'))"
        f" WHERE event_type IN {REFEREE_EVENTS}"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS eventlog.events_case_referrals")
    op.execute(
        "CREATE INDEX events_case_referrals ON eventlog.events ((data->>'referred_to'))"
        " WHERE event_type = 'commissioning.CaseReferred'"
    )
