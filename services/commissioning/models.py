"""Commissioning's read models for cases, decisions and interventions. Never events.

Disposable: the ``commissioning_cases`` projection rebuilds them from the log. Other parts
of the service read ``commissioning_cases`` (urns, status, area, criteria) and
``commissioning_interventions`` (trust_uid, active) by these column names; keep them.
``criteria`` is always the case's effective criteria, the ones set or the trigger's defaults.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TIMESTAMP

metadata = MetaData()

cases = Table(
    "commissioning_cases",
    metadata,
    Column("case_id", Text, primary_key=True),
    Column("urns", ARRAY(Integer), nullable=False),
    Column("trigger", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("region_code", Text),
    Column("area", Text),
    Column("la_codes", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("criteria", JSONB, nullable=False),
    Column("criteria_set", Boolean, nullable=False, server_default=text("false")),
    # What the case asks of every candidate, once it sets its own (null: the defaults).
    Column("constraints", JSONB),
    Column("opened_on", Date, nullable=False),
    Column("opened_by", Text, nullable=False),
    Column("intervention_id", Text),
    Column("shortlist", ARRAY(Integer), nullable=False, server_default=text("'{}'")),
    Column("board_date", Date),
    # The latest decision; earlier ones (a deferral) stay in commissioning_decisions.
    Column("decision_id", Text),
    Column("outcome", Text),
    Column("decided_on", Date),
    Column("trust_uid", Integer),
    Column("significant_date", Date),
    Column("transfer_kind", Text),
    # The registry's side: schools it has moved under the decision, and those it refused.
    Column("applied_urns", ARRAY(Integer), nullable=False, server_default=text("'{}'")),
    Column("rejections", JSONB, nullable=False, server_default=text("'[]'")),
    Column("completed_on", Date),
    Column("closed_on", Date),
    Column("close_reason", Text),
    Column("opened_position", BigInteger, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("updated_at", TIMESTAMP(timezone=True), nullable=False),
    Index("commissioning_cases_status", "status", "opened_position"),
    Index("commissioning_cases_region", "region_code", "opened_position"),
    Index("commissioning_cases_area", "area", "opened_position"),
    Index("commissioning_cases_opened", "opened_position"),
    Index("commissioning_cases_decision", "decision_id"),
    Index("commissioning_cases_urns", "urns", postgresql_using="gin"),
)

decisions = Table(
    "commissioning_decisions",
    metadata,
    Column("decision_id", Text, primary_key=True),
    Column("case_id", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("conditions", JSONB, nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("decision_maker_name", Text, nullable=False),
    Column("decision_maker_capacity", Text, nullable=False),
    Column("trust_uid", Integer),
    Column("rationale", Text, nullable=False),
    Column("significant_date", Date),
    Column("reason_category", Text),
    # Each change of significant date: previous, new, reason, actor.
    Column("date_changes", JSONB, nullable=False, server_default=text("'[]'")),
    # Coded reasons, grade, policy versions, equality duty record, what it supersedes.
    Column("record", JSONB, nullable=False, server_default=text("'{}'")),
    # Per condition: number, text, status (open, met, waived), evidence or reason, who, when.
    Column("condition_status", JSONB, nullable=False, server_default=text("'[]'")),
    # Each escalation or challenge of it, and the decision that replaced it.
    Column("challenges", JSONB, nullable=False, server_default=text("'[]'")),
    Column("superseded_by", Text),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", TIMESTAMP(timezone=True), nullable=False),
    Column("position", BigInteger, nullable=False),
    Index("commissioning_decisions_case", "case_id", "position"),
)

interventions = Table(
    "commissioning_interventions",
    metadata,
    Column("intervention_id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("trust_uid", Integer, nullable=False),
    Column("urn", Integer),
    Column("status", Text, nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("response_due_on", Date),
    Column("active", Boolean, nullable=False),
    Column("grounds", Text, nullable=False),
    Column("conditions", JSONB, nullable=False),
    Column("escalated_from", Text),
    Column("published", Boolean, nullable=False),
    # The rebrokerage case a termination notice opened.
    Column("case_id", Text),
    # Each status it has had: status, effective_on, actor, reason.
    Column("history", JSONB, nullable=False),
    Column("issued_by", Text, nullable=False),
    Column("issued_position", BigInteger, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("updated_at", TIMESTAMP(timezone=True), nullable=False),
    # The intervention policy version it follows (null: the rules fixed before versions).
    Column("policy_version", Integer),
    # A notice to improve's next review while it is active.
    Column("review_due_on", Date),
    # Who decided to issue it and their grade, where given.
    Column("decided_by", Text),
    Column("decider_grade", Text),
    Index("commissioning_interventions_trust", "trust_uid", "active"),
    Index("commissioning_interventions_issued", "issued_position"),
)

projects = Table(
    "commissioning_projects",
    metadata,
    Column("project_id", Text, primary_key=True),
    Column("case_id", Text, nullable=False),
    Column("decision_id", Text, nullable=False),
    Column("project_type", Text, nullable=False),
    Column("urns", ARRAY(Integer), nullable=False),
    Column("to_trust_uid", Integer, nullable=False),
    Column("significant_date", Date, nullable=False),
    Column("date_confirmed", Boolean, nullable=False, server_default=text("false")),
    Column("date_changes", JSONB, nullable=False, server_default=text("'[]'")),
    Column("template_version", Integer, nullable=False),
    # Each task: key, title, mandatory, done, completed_by, completed_on, document_reference.
    Column("tasks", JSONB, nullable=False),
    Column("authority_to_proceed_on", Date),
    Column("authority_to_proceed_by", Text),
    Column("handed_over_to", Text),
    Column("handed_over_on", Date),
    Column("actual_date", Date),
    Column("opened_on", Date, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("updated_at", TIMESTAMP(timezone=True), nullable=False),
    Index("commissioning_projects_case", "case_id"),
)

READ_MODEL_TABLES: tuple[str, ...] = (
    "commissioning_cases",
    "commissioning_decisions",
    "commissioning_interventions",
    "commissioning_projects",
)
