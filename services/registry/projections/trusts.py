"""The registry's trust read model: details, closure, local-authority establishment, and
Ofsted's inspections of the trust.

One small function per event of a trust's stream (``trust-{uid}``); the trust's row is
guarded by its stream version.
"""

from __future__ import annotations

from services.registry.models import TRUST_DETAIL_FIELDS
from services.registry.projections.rows import CLOSED_STATUS, TRUSTS, RegistryBatch
from shared.contracts.registry import (
    LocalAuthorityTrustEstablished,
    TrustClosed,
    TrustDetailsChanged,
    TrustIncorporated,
)
from shared.contracts.trust_inspections import TrustInspectionRecorded
from shared.eventlog.batch import Appliers
from shared.eventlog.model import RecordedEvent

APPLIERS = Appliers[RegistryBatch]()
_TRUST_FIELDS = frozenset(TRUST_DETAIL_FIELDS)


@APPLIERS.on(TrustIncorporated, TRUSTS)
def _trust_incorporated(batch: RegistryBatch, event: RecordedEvent) -> None:
    d = event.data
    row = batch.trusts.setdefault(
        d["uid"], {"uid": d["uid"], "la_established": False, "founding_la_code": None}
    )
    given = d["details"]
    row.update({name: given.get(name) for name in TRUST_DETAIL_FIELDS})


@APPLIERS.on(TrustDetailsChanged, TRUSTS)
def _trust_details_changed(batch: RegistryBatch, event: RecordedEvent) -> None:
    d = event.data
    row = batch.trusts.get(d["uid"])
    if row is not None:
        row.update({c["field"]: c["new"] for c in d["changes"] if c["field"] in _TRUST_FIELDS})


@APPLIERS.on(TrustClosed, TRUSTS)
def _trust_closed(batch: RegistryBatch, event: RecordedEvent) -> None:
    # Its schools' memberships end through the SchoolLeftTrust events the importer writes.
    row = batch.trusts.get(event.data["uid"])
    if row is not None:
        row.update(status=CLOSED_STATUS, closed_on=event.data["closed_on"])


@APPLIERS.on(LocalAuthorityTrustEstablished, TRUSTS)
def _la_trust_established(batch: RegistryBatch, event: RecordedEvent) -> None:
    d = event.data
    row = batch.trusts.get(d["uid"])
    if row is not None:
        row.update(
            la_established=True,
            founding_la_code=d["la_code"],
            la_established_on=d["established_on"],
        )


@APPLIERS.on(TrustInspectionRecorded, TRUSTS)
def _trust_inspected(batch: RegistryBatch, event: RecordedEvent) -> None:
    # One row per inspection: the importer records each reference once per trust.
    d = event.data
    batch.trust_inspections.append(
        {
            "uid": d["uid"],
            "inspection_id": d["inspection_id"],
            "stream_version": event.stream_version,
            "inspection_start": d["inspection_start"],
            "publication_date": d.get("publication_date"),
            "inspection_type": d.get("inspection_type"),
            "outcomes": d["outcomes"],
            "report_url": d.get("report_url"),
            "source_file": d["source_file"],
            "format_version": d["format_version"],
            "recorded_at": event.recorded_at,
        }
    )
