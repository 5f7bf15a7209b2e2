"""The registry's school read models: details, versions, history, memberships, links.

One small function per event of a school's stream (``school-{urn}``), applied in memory to
the batch's rows (``rows``); the school's row is guarded by its stream version.
"""

from __future__ import annotations

from typing import Any

from services.registry.models import SCHOOL_DETAIL_FIELDS
from services.registry.projections.rows import (
    CLOSED_STATUS,
    SCHOOLS,
    RegistryBatch,
    add_history,
    add_version,
    trust_label,
    trust_name,
)
from shared.contracts.registry import (
    OfstedInspectionRecorded,
    SchoolClosed,
    SchoolDetailsChanged,
    SchoolJoinedTrust,
    SchoolLeftTrust,
    SchoolLinkedToPredecessor,
    SchoolRegistered,
    SchoolTransferred,
)
from shared.eventlog.batch import Appliers, Row
from shared.eventlog.model import RecordedEvent

APPLIERS = Appliers[RegistryBatch]()
_SCHOOL_FIELDS = frozenset(SCHOOL_DETAIL_FIELDS)


def _open_membership(
    batch: RegistryBatch, urn: int, uid: int, since: str, reason: str, decision: str | None
) -> None:
    row: Row = {
        "urn": urn,
        "trust_uid": uid,
        "from_date": since,
        "to_date": None,
        "join_reason": reason,
        "leave_reason": None,
        "decision_reference": decision,
    }
    batch.open_memberships.setdefault(urn, []).append(row)
    batch.memberships[(urn, uid, since)] = row
    school = batch.schools.get(urn)
    if school is not None:
        school.update(trust_uid=uid, joined_trust_on=since, join_reason=reason)


def _close_membership(batch: RegistryBatch, urn: int, uid: int, until: str, reason: str) -> None:
    still_open: list[Row] = []
    for row in batch.open_memberships.get(urn, ()):
        if row["trust_uid"] == uid:
            row.update(to_date=until, leave_reason=reason)
            batch.memberships[(urn, uid, row["from_date"])] = row
        else:
            still_open.append(row)
    batch.open_memberships[urn] = still_open
    school = batch.schools.get(urn)
    if school is not None and school["trust_uid"] == uid:
        school.update(trust_uid=None, joined_trust_on=None, join_reason=None)


# ------------------------------------------------------------------- schools


@APPLIERS.on(SchoolRegistered, SCHOOLS)
def _school_registered(batch: RegistryBatch, event: RecordedEvent) -> None:
    d = event.data
    urn = d["urn"]
    # Stored by the current contract (or upcast to it), so every field is there.
    details = d["details"]
    row = batch.schools.get(urn)
    if row is None:
        row = batch.schools[urn] = {
            "urn": urn,
            "registered_on": d["effective_on"],
            "predecessor_urns": [],
            "trust_uid": None,
            "joined_trust_on": None,
            "join_reason": None,
        }
    row.update(details)
    if event.schema_version == SchoolRegistered.version:
        batch.registrations.append(event.position)
    else:
        add_version(batch, event, row, d["effective_on"], details)
    add_history(
        batch,
        event,
        d["effective_on"],
        text=f"Registered as {details['name']} ({details['la_name']}), status {details['status']}",
    )


@APPLIERS.on(SchoolDetailsChanged, SCHOOLS)
def _school_details_changed(batch: RegistryBatch, event: RecordedEvent) -> None:
    d = event.data
    row = batch.schools.get(d["urn"])
    if row is not None:
        # Fields the read model does not know stay in the history entry only.
        row.update({c["field"]: c["new"] for c in d["changes"] if c["field"] in _SCHOOL_FIELDS})
        add_version(batch, event, row, d["effective_on"])
    fields = ", ".join(c["field"] for c in d["changes"])
    add_history(batch, event, d["effective_on"], text=f"Changed {fields}", changes=d["changes"])


@APPLIERS.on(SchoolClosed, SCHOOLS)
def _school_closed(batch: RegistryBatch, event: RecordedEvent) -> None:
    d = event.data
    reason = d.get("reason")
    row = batch.schools.get(d["urn"])
    if row is not None:
        row.update(status=CLOSED_STATUS, close_date=d["closed_on"])
        if reason is not None:
            row["close_reason"] = reason
        add_version(batch, event, row, d["closed_on"])
    why = f": {reason}" if reason else ""
    add_history(batch, event, d["closed_on"], text=f"Closed on {d['closed_on']}{why}")


@APPLIERS.on(SchoolLinkedToPredecessor, SCHOOLS)
def _school_linked(batch: RegistryBatch, event: RecordedEvent) -> None:
    d = event.data
    urn, predecessor_urn = d["urn"], d["predecessor_urn"]
    row = batch.schools.get(urn)
    if row is not None:
        row["predecessor_urns"] = sorted({*row["predecessor_urns"], predecessor_urn})
    batch.links[(urn, predecessor_urn)] = {
        "urn": urn,
        "predecessor_urn": predecessor_urn,
        "link_type": d["link_type"],
        "established_on": d.get("established_on"),
    }
    add_history(
        batch,
        event,
        d.get("established_on"),
        text=f"Took over from URN {predecessor_urn} ({d['link_type']})",
        predecessor_urn=predecessor_urn,
        link_type=d["link_type"],
    )


@APPLIERS.on(SchoolJoinedTrust, SCHOOLS)
def _school_joined(batch: RegistryBatch, event: RecordedEvent) -> None:
    d = event.data
    uid, on, reason = d["trust_uid"], d["joined_on"], d["reason"]
    decision = d.get("decision_reference")
    _open_membership(batch, d["urn"], uid, on, reason, decision)
    add_history(
        batch,
        event,
        on,
        text=f"Joined {trust_label(batch, uid)} on {on}: {reason}",
        trust_uid=uid,
        trust_name=trust_name(batch, uid),
        reason=reason,
        decision_reference=decision,
    )


@APPLIERS.on(SchoolLeftTrust, SCHOOLS)
def _school_left(batch: RegistryBatch, event: RecordedEvent) -> None:
    d = event.data
    uid, on, reason = d["trust_uid"], d["left_on"], d["reason"]
    _close_membership(batch, d["urn"], uid, on, reason)
    add_history(
        batch,
        event,
        on,
        text=f"Left {trust_label(batch, uid)} on {on}: {reason}",
        trust_uid=uid,
        trust_name=trust_name(batch, uid),
        reason=reason,
    )


@APPLIERS.on(SchoolTransferred, SCHOOLS)
def _school_transferred(batch: RegistryBatch, event: RecordedEvent) -> None:
    d = event.data
    urn, old, new, on = d["urn"], d["from_trust_uid"], d["to_trust_uid"], d["effective_on"]
    decision = d.get("decision_reference")
    _close_membership(batch, urn, old, on, "transfer")
    _open_membership(batch, urn, new, on, "transfer", decision)
    because = f", decision {decision}" if decision else ""
    add_history(
        batch,
        event,
        on,
        text=(
            f"Transferred from {trust_label(batch, old)} to {trust_label(batch, new)}"
            f" on {on}: {d['reason']}{because}"
        ),
        from_trust_uid=old,
        from_trust_name=trust_name(batch, old),
        to_trust_uid=new,
        to_trust_name=trust_name(batch, new),
        reason=d["reason"],
        decision_reference=decision,
    )


_INSPECTION_FIELDS = (
    "framework",
    "inspection_start",
    "publication_date",
    "inspection_type",
    "overall_effectiveness",
    "key_judgements",
    "report_card",
    "safeguarding_effective",
    "ungraded_outcome",
    "category_of_concern",
    "category_as_published",
    "category_basis",
    "category_rule_version",
)
# What the schools row keeps of the latest graded inspection (the rest is in its history).
_ROW_FIELDS = (
    "framework",
    "inspection_start",
    "publication_date",
    "overall_effectiveness",
    "category_of_concern",
    "safeguarding_effective",
    "report_card",
)


def inspection_label(inspection: dict[str, Any]) -> str:
    """An inspection's outcome in its own era's words."""
    framework = inspection["framework"]
    if framework == "ungraded":
        return f"ungraded: {inspection.get('ungraded_outcome') or 'no outcome given'}"
    if framework == "report_card":
        card = inspection["report_card"]
        label = "report card " + ", ".join(f"{k}: {v}" for k, v in sorted(card.items()))
    elif framework == "key_judgements":
        judged = inspection["key_judgements"]
        label = "key judgements " + ", ".join(f"{k}: {v}" for k, v in sorted(judged.items()))
    else:
        label = inspection["overall_effectiveness"] or "no grade"
    concern = inspection.get("category_of_concern")
    return f"{label}; {concern.replace('_', ' ')}" if concern else label


@APPLIERS.on(OfstedInspectionRecorded, SCHOOLS)
def _ofsted_recorded(batch: RegistryBatch, event: RecordedEvent) -> None:
    d = event.data
    inspection = {name: d.get(name) for name in _INSPECTION_FIELDS}
    inspection["report_card"] = inspection["report_card"] or {}
    inspection["key_judgements"] = inspection["key_judgements"] or {}
    row = batch.schools.get(d["urn"])
    latest = None if row is None else row.get("ofsted_inspection_start")
    # The latest graded inspection wins, whatever order the feeds delivered them in; an
    # ungraded one is history only.
    graded = d["framework"] != "ungraded"
    if row is not None and graded and (latest is None or d["inspection_start"] >= latest):
        row.update({f"ofsted_{name}": inspection[name] for name in _ROW_FIELDS})
    add_history(
        batch,
        event,
        d["inspection_start"],
        text=f"Ofsted inspection from {d['inspection_start']}: {inspection_label(inspection)}",
        inspection=inspection,
    )
