"""Authority lookups on the log: a person's delegations, and the cases referred to them.

Who may act where is read from the log itself, in the transaction that acts, so that a
revocation or a referral is seen the moment it commits. Two partial expression indexes
keep those reads to the few events they need: the grants of delegations by delegate, and
the referrals of cases by the person referred to.

Revision ID: 0013_authority_lookups
Revises: 0012_drop_registry_imports
Create Date: 2026-12-20
"""

from __future__ import annotations

from alembic import op

revision = "0013_authority_lookups"
down_revision = "0012_drop_registry_imports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX events_delegates ON eventlog.events ((data->>'delegate'))"
        " WHERE event_type = 'commissioning.DelegationGranted'"
    )
    op.execute(
        "CREATE INDEX events_case_referrals ON eventlog.events ((data->>'referred_to'))"
        " WHERE event_type = 'commissioning.CaseReferred'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS eventlog.events_case_referrals")
    op.execute("DROP INDEX IF EXISTS eventlog.events_delegates")
