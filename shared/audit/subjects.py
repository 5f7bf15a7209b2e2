"""Which schools, trusts, cases, assessments, decisions and interventions an event is about.

A rule on field names rather than a list of event types: every contract names what it is
about with the same few fields (``urn``, ``trust_uid``, ``case_id``...), so a new event type
is indexed the day it is published, with no change here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

SubjectKind = Literal[
    "school",
    "trust",
    "case",
    "decision",
    "assessment",
    "intervention",
    "delegation",
    "concern",
    "board",
    "significant_change",
]
SUBJECT_KINDS: tuple[SubjectKind, ...] = (
    "school",
    "trust",
    "case",
    "decision",
    "assessment",
    "intervention",
    "delegation",
    "concern",
    "board",
    "significant_change",
)

_FIELDS: dict[str, SubjectKind] = {
    "urn": "school",
    "urns": "school",
    "predecessor_urn": "school",
    "trust_uid": "trust",
    "trust_uids": "trust",
    "from_trust_uid": "trust",
    "to_trust_uid": "trust",
    "case_id": "case",
    "decision_id": "decision",
    "decision_reference": "decision",
    "supersedes_decision": "decision",
    # A transfer project is its approving decision's: its id is the decision id.
    "project_id": "decision",
    "assessment_id": "assessment",
    "supersedes": "assessment",
    "intervention_id": "intervention",
    "escalated_from": "intervention",
    "delegation_id": "delegation",
    "concern_id": "concern",
    "board_id": "board",
    "significant_change_id": "significant_change",
}

# Registry trust events name their trust ``uid``, as GIAS does.
_TRUST_UID_TYPES = frozenset(
    {
        "registry.TrustIncorporated",
        "registry.TrustDetailsChanged",
        "registry.TrustClosed",
        "registry.LocalAuthorityTrustEstablished",
        "registry.TrustInspectionRecorded",
    }
)

# What a timeline of one subject takes in besides the events naming it: a trust's timeline
# holds its assessments' and interventions' whole histories (evidence events name only the
# assessment), a school's its cases and interventions, a case's its decisions (the registry
# names a transfer's decision, not its case) and the delegations it was decided under (a
# delegation's use names the case; its grant and revocation name only the delegation).
RELATED: Mapping[SubjectKind, tuple[SubjectKind, ...]] = {
    "school": ("case", "intervention", "significant_change"),
    "trust": ("assessment", "intervention", "significant_change"),
    "case": ("decision", "delegation"),
    "decision": (),
    "assessment": (),
    "intervention": (),
    "delegation": (),
    "concern": (),
    "board": (),
    "significant_change": (),
}


def subjects_of(event_type: str, data: Mapping[str, Any]) -> Iterator[tuple[SubjectKind, str]]:
    """Each (kind, key) the event is about, once each."""
    seen: set[tuple[SubjectKind, str]] = set()
    for name, value in data.items():
        kind = _FIELDS.get(name)
        if kind is None and name == "uid" and event_type in _TRUST_UID_TYPES:
            kind = "trust"
        if kind is None or value is None:
            continue
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, bool) or not isinstance(item, int | str):
                continue
            subject = (kind, str(item))
            if subject not in seen:
                seen.add(subject)
                yield subject
