"""The registry's events about Ofsted's inspections of academy trusts (stream ``trust-{uid}``).

Trust inspection by Ofsted is planned (expected from 2027-28) and its reports' format is not
yet published, so the file these events come from follows the registry's own versioned
``trust_inspection_format`` policy, whose version each event records. They are the
registry's events (its ``contracts`` take these in, and it alone appends to trust streams).
Outcomes are kept in the words the file gave, area by area: evidence about a trust, never
mapped onto an assessment's pillars or any other scale.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from shared.contracts.identifiers import GroupUid, Key
from shared.contracts.values import Value
from shared.eventlog.contracts import EventContract, EventRegistry

contracts = EventRegistry()


class TrustInspectionOutcome(Value):
    """One judgement area of a trust inspection and its outcome, in the file's words."""

    area: Key = Field(description="The format's key for the area, e.g. leadership_and_governance.")
    heading: str = Field(min_length=1, max_length=200, description="The area's column heading.")
    outcome: str = Field(min_length=1, max_length=200, description="The outcome as published.")


@contracts.register
class TrustInspectionRecorded(EventContract):
    """Ofsted inspected an academy trust; its outcomes as the imported file gave them.

    ``inspection_id`` is the file's own reference for the inspection: a trust's stream holds
    each at most once. ``format_version`` is the ``trust_inspection_format`` version the row
    was read by; ``source_file`` the file it came from.
    """

    type_name = "registry.TrustInspectionRecorded"
    uid: GroupUid
    inspection_id: str = Field(min_length=1, max_length=100)
    inspection_start: date
    publication_date: date | None = None
    inspection_type: str | None = Field(default=None, max_length=200)
    outcomes: list[TrustInspectionOutcome] = Field(min_length=1, max_length=20)
    report_url: str | None = Field(default=None, max_length=500)
    source_file: str = Field(min_length=1, max_length=300)
    format_version: int = Field(ge=1)


CATEGORY_EVENTS: dict[str, tuple[type[EventContract], ...]] = {
    "trust": (TrustInspectionRecorded,),
}
