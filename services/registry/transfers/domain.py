"""What one school's approved transfer becomes on its significant date: pure, no I/O.

The registry decides from its own state on the day, school by school: the decision said
which trust, the register says whether the school and the trust can still take part and
where the school is now.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Literal

from shared.contracts.registry import SchoolJoinedTrust, SchoolTransferred, TransferRejected

CLOSED_STATUS = "Closed"  # as the registry projection records a closure
# Ids of what the registry writes for a decision are derived, never random: a second
# attempt after a crash or a replay writes the same id, which the log refuses to store twice.
_IDS = uuid.UUID("5d0c8f1e-7f4b-4b8e-9a43-2f7f5f0c1a11")

TransferKind = Literal["transfer", "conversion"]
RejectionCode = Literal[
    "school_closed", "school_unknown", "trust_closed", "trust_unknown", "already_in_trust"
]
Outcome = SchoolTransferred | SchoolJoinedTrust | TransferRejected


@dataclass(frozen=True)
class PendingTransfer:
    """One school of an approved decision, waiting for its significant date."""

    decision_id: str
    case_id: str
    urn: int
    to_trust_uid: int
    significant_date: date
    kind: TransferKind


@dataclass(frozen=True)
class SchoolOnTheDay:
    """What the register says about a school: its status and the trust running it, if any."""

    status: str
    close_date: date | None
    trust_uid: int | None


@dataclass(frozen=True)
class TrustOnTheDay:
    """What the register says about a trust."""

    name: str
    status: str
    closed_on: date | None

    @property
    def closed(self) -> bool:
        """Closed by status or by a close date."""
        return self.status == CLOSED_STATUS or self.closed_on is not None


def scheduled_event_id(cause_event_id: uuid.UUID) -> uuid.UUID:
    """The TransferScheduled written for an approval or a date change."""
    return uuid.uuid5(_IDS, f"scheduled:{cause_event_id}")


def applied_event_id(decision_id: str, urn: int) -> uuid.UUID:
    """The SchoolTransferred or SchoolJoinedTrust that carries out a decision for a school."""
    return uuid.uuid5(_IDS, f"applied:{decision_id}:{urn}")


def rejected_event_id(decision_id: str, urn: int) -> uuid.UUID:
    """The TransferRejected for a decision and a school."""
    return uuid.uuid5(_IDS, f"rejected:{decision_id}:{urn}")


def decide(
    transfer: PendingTransfer, school: SchoolOnTheDay | None, trust: TrustOnTheDay | None
) -> Outcome:
    """The event that settles ``transfer``, given the school and target trust as registered.

    A school already run by the target trust is refused with ``already_in_trust``: nothing
    changes on the register, and the reason says so, so commissioning can treat it as done.
    """
    t = transfer

    def rejected(code: RejectionCode, reason: str) -> TransferRejected:
        return TransferRejected(
            decision_id=t.decision_id,
            case_id=t.case_id,
            urn=t.urn,
            to_trust_uid=t.to_trust_uid,
            significant_date=t.significant_date,
            reason_code=code,
            reason=reason,
        )

    if school is None:
        return rejected("school_unknown", f"No school with URN {t.urn} is on the register.")
    if school.status == CLOSED_STATUS or (
        school.close_date is not None and school.close_date <= t.significant_date
    ):
        when = f" on {school.close_date}" if school.close_date else ""
        return rejected("school_closed", f"School {t.urn} closed{when}.")
    if trust is None:
        return rejected("trust_unknown", f"No trust with UID {t.to_trust_uid} is on the register.")
    if trust.closed:
        when = f" on {trust.closed_on}" if trust.closed_on else ""
        return rejected("trust_closed", f"{trust.name} (UID {t.to_trust_uid}) closed{when}.")
    if school.trust_uid == t.to_trust_uid:
        return rejected(
            "already_in_trust",
            f"School {t.urn} is already run by {trust.name} (UID {t.to_trust_uid});"
            " the register is unchanged.",
        )
    if school.trust_uid is not None:
        return SchoolTransferred(
            urn=t.urn,
            from_trust_uid=school.trust_uid,
            to_trust_uid=t.to_trust_uid,
            effective_on=t.significant_date,
            decision_reference=t.decision_id,
            reason="commissioning_decision",
        )
    return SchoolJoinedTrust(
        urn=t.urn,
        trust_uid=t.to_trust_uid,
        joined_on=t.significant_date,
        # A school in no trust joins as a conversion; one approved as a transfer had a
        # trust before (it closed, say) and joins its new one by transfer.
        reason="conversion" if t.kind == "conversion" else "transfer",
        decision_reference=t.decision_id,
    )
