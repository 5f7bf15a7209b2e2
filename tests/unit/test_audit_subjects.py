"""Which subjects an event is about: a rule on field names that must cover every contract."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from shared.audit.subjects import subjects_of
from shared.audit.timeline import intervention_href, links_of
from shared.contracts import all_contracts
from shared.contracts.commissioning import CaseShortlisted
from shared.contracts.registry import SchoolTransferred, TrustClosed

# Identifier fields that name no auditable subject, on purpose.
NOT_SUBJECTS = {
    "import_id",
    "import_ids",
    # A feed pull: its imports' events carry it as their correlation id.
    "run_id",
    "superseded_run_id",
    "evidence_id",
    "evidence_ids",  # linked from its entry, not a subject of its own
    "source_reference",
    "diocese_agreement_reference",  # where the diocese's agreement is filed
    "document_reference",  # where a condition's evidence is filed, not a subject
    "framework_id",
    "companies_house_number",
    "action_id",  # an action on a concern: part of the concern's history
    "request_id",  # an assessment request: its events name its case and trust
    "inspection_id",  # Ofsted's reference for a trust inspection: part of the trust's history
    "trust_inspection_id",  # the same reference, named by a whole-trust intervention
}
IDENTIFIER = re.compile(r"(^|_)(urn|urns|uid|uids|id|ids|reference)$")


def test_a_transfer_is_about_its_school_both_trusts_and_its_decision() -> None:
    moved = SchoolTransferred(
        urn=123456,
        from_trust_uid=1,
        to_trust_uid=2,
        effective_on=date(2026, 12, 1),
        decision_reference="a" * 32,
        reason="commissioning_decision",
    )
    assert list(subjects_of(moved.type_name, moved.model_dump(mode="json"))) == [
        ("school", "123456"),
        ("trust", "1"),
        ("trust", "2"),
        ("decision", "a" * 32),
    ]


def test_a_registry_trust_event_names_its_trust_by_uid() -> None:
    closed = TrustClosed(uid=7, closed_on=date(2026, 1, 1))
    assert list(subjects_of(closed.type_name, closed.model_dump(mode="json"))) == [("trust", "7")]
    # Elsewhere "uid" means nothing in particular.
    assert list(subjects_of("somewhere.Else", {"uid": 7})) == []


def test_lists_name_each_member_once_and_odd_values_are_ignored() -> None:
    shortlisted = CaseShortlisted(case_id="b" * 32, trust_uids=[5, 6, 5])
    assert list(subjects_of(shortlisted.type_name, shortlisted.model_dump(mode="json"))) == [
        ("case", "b" * 32),
        ("trust", "5"),
        ("trust", "6"),
    ]
    assert list(subjects_of("x.Y", {"urn": None, "trust_uid": True, "case_id": {"a": 1}})) == []


def test_every_identifier_field_of_every_contract_is_indexed_or_deliberately_not() -> None:
    # A new contract naming a school, trust or case under a new field name would otherwise
    # drop out of every audit timeline without anyone noticing.
    contracts = all_contracts()
    unindexed = []
    for type_name in sorted(contracts.type_names):
        for field in contracts.contract(type_name).model_fields:
            if not IDENTIFIER.search(field) or field in NOT_SUBJECTS:
                continue
            if not list(subjects_of(type_name, {field: 1})):
                unindexed.append(f"{type_name}.{field}")
    assert unindexed == []


def test_an_intervention_links_to_the_page_of_its_own_kind() -> None:
    iid = "a" * 32

    def hrefs(stream_id: str, data: dict[str, Any], known: dict[str, str]) -> list[str]:
        links = links_of(
            "commissioning.Anything",
            data,
            {},
            stream_id=stream_id,
            intervention_categories=known,
        )
        return [link.href for link in links if link.rel == "intervention"]

    named = {"intervention_id": iid}
    # On an intervention's own stream, its category says which kind it is.
    assert hrefs(f"intervention-{iid}", named, {}) == [f"/interventions/{iid}"]
    assert hrefs(f"school_intervention-{iid}", named, {}) == [f"/school-interventions/{iid}"]
    assert hrefs(f"trust_intervention-{iid}", named, {}) == [f"/trust-interventions/{iid}"]
    # A notice escalated from another names a notice too.
    escalated = {"intervention_id": iid, "escalated_from": "b" * 32}
    assert hrefs(f"intervention-{iid}", escalated, {}) == [
        f"/interventions/{iid}",
        f"/interventions/{'b' * 32}",
    ]
    # A case opened by one names it by id: the category found for the id says where it is.
    opened = {"case_id": "c" * 32, "intervention_id": iid}
    case = f"case-{'c' * 32}"
    assert hrefs(case, opened, {iid: "school_intervention"}) == [f"/school-interventions/{iid}"]
    assert hrefs(case, opened, {iid: "trust_intervention"}) == [f"/trust-interventions/{iid}"]
    assert hrefs(case, opened, {}) == [f"/interventions/{iid}"]
    assert intervention_href(f"school_intervention-{iid}", iid, {iid: "intervention"}) == (
        f"/school-interventions/{iid}"
    )
