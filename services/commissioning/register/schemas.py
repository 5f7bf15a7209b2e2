"""The open register's documented columns: each row model's fields, in order, are the CSV's
header (lists are joined with ``; `` in CSV)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from shared.http.models import ViewModel


class PublishedDecision(ViewModel):
    """A regional director's (or minister's) decision, as published."""

    decision_id: str
    region_code: str | None = Field(description="GOR region code of the case's schools")
    decision_date: date
    urns: list[int]
    school_names: list[str]
    la_codes: list[str]
    case_trigger: str = Field(description="why the case was opened (e.g. inadequate_dao)")
    outcome: str
    reason_codes: list[str] = Field(description="coded reasons from the decision_reasons policy")
    conditions: list[str] = Field(description="an approval's conditions, as worded")
    trust_uid: int | None = Field(description="the trust approved (GIAS group UID)")
    trust_name: str | None
    significant_date: date | None
    decision_maker_grade: str
    decision_maker_name: str | None = Field(
        description="given for a minister, director general or regional director only"
    )
    superseded_by: str | None = Field(description="the decision that replaced it, if any")


class PublishedNotice(ViewModel):
    """A published notice to a trust or academy."""

    intervention_id: str
    notice_kind: str
    region_code: str | None
    trust_uid: int
    trust_name: str | None
    urn: int | None
    school_name: str | None
    issued_on: date
    status: str
    response_due_on: date | None
    conditions: list[str]


class CompletedTransfer(ViewModel):
    """A transfer or conversion whose actual date is confirmed."""

    project_id: str
    project_type: str
    region_code: str | None
    urns: list[int]
    school_names: list[str]
    trust_uid: int
    trust_name: str | None
    decision_date: date
    significant_date: date
    actual_date: date


NEXT = Field(description="The cursor of the next page (`?cursor=`); null on the last.")


class DecisionRegister(ViewModel):
    """A page of the published decisions, by decision date then as recorded."""

    items: list[PublishedDecision]
    next_cursor: str | None = NEXT


class NoticeRegister(ViewModel):
    """A page of the published notices, by issue date then as issued."""

    items: list[PublishedNotice]
    next_cursor: str | None = NEXT


class TransferRegister(ViewModel):
    """A page of the completed transfers, by actual date then as decided."""

    items: list[CompletedTransfer]
    next_cursor: str | None = NEXT
