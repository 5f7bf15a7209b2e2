"""The registry's read models: tables the projection writes and the queries read. Never events.

Every table here is disposable: ``projections.rebuild`` empties them all and replays the log.
Dates are the dates things happened in the world; ``version`` columns hold the last stream
version applied, so a read model can say how fresh it is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, BYTEA, JSONB, TIMESTAMP, UUID

metadata = MetaData()


def _school_detail_columns() -> list[Column[Any]]:
    # The fields of the contract's SchoolDetails, in its order.
    return [
        Column("name", Text, nullable=False),
        Column("la_code", Text, nullable=False),
        Column("la_name", Text, nullable=False),
        Column("laestab", Text),
        Column("type_code", Text),
        Column("type_name", Text),
        Column("type_group_code", Text),
        Column("type_group_name", Text),
        Column("status", Text, nullable=False),
        Column("phase", Text),
        Column("statutory_low_age", Integer),
        Column("statutory_high_age", Integer),
        Column("religious_character", Text),
        Column("diocese", Text),
        Column("pupils", Integer),
        Column("capacity", Integer),
        Column("fsm_percent", Float),
        Column("street", Text),
        Column("locality", Text),
        Column("address3", Text),
        Column("town", Text),
        Column("county", Text),
        Column("postcode", Text),
        Column("easting", Integer),
        Column("northing", Integer),
        Column("region_code", Text),
        Column("region_name", Text),
        Column("district_code", Text),
        Column("district_name", Text),
        Column("constituency_code", Text),
        Column("constituency_name", Text),
        Column("open_date", Date),
        Column("open_reason", Text),
        Column("close_date", Date),
        Column("close_reason", Text),
        Column("ukprn", Text),
    ]


def _trust_detail_columns() -> list[Column[Any]]:
    # The fields of the contract's TrustDetails, in its order.
    return [
        Column("trn", Text),
        Column("name", Text, nullable=False),
        Column("companies_house_number", Text),
        Column("trust_type", Text, nullable=False),
        Column("status", Text, nullable=False),
        Column("incorporated_on", Date),
        Column("closed_on", Date),
        Column("street", Text),
        Column("locality", Text),
        Column("address3", Text),
        Column("town", Text),
        Column("county", Text),
        Column("postcode", Text),
        Column("ukprn", Text),
    ]


schools = Table(
    "registry_schools",
    metadata,
    Column("urn", Integer, primary_key=True, autoincrement=False),
    *_school_detail_columns(),
    Column("registered_on", Date, nullable=False),
    # From its own stream's links; successors come from other schools' streams, in any
    # order, so they are read from registry_school_links rather than kept here.
    Column("predecessor_urns", ARRAY(Integer), nullable=False, server_default=text("'{}'")),
    # The trust running the school now; the whole timeline is in registry_memberships.
    Column("trust_uid", Integer),
    Column("joined_trust_on", Date),
    Column("join_reason", Text),
    # The latest inspection by start date; earlier ones are in registry_school_history.
    Column("ofsted_framework", Text),
    Column("ofsted_inspection_start", Date),
    Column("ofsted_publication_date", Date),
    Column("ofsted_overall_effectiveness", Text),
    Column("ofsted_category_of_concern", Text),
    Column("ofsted_safeguarding_effective", Boolean),
    Column("ofsted_report_card", JSONB),
    Column("version", BigInteger, nullable=False),
    Column("updated_at", TIMESTAMP(timezone=True), nullable=False),
)
# (column, urn): a filtered list is read in urn order straight from the index. Phase and
# status have a handful of values each: a scan in urn order finds a page of them as fast,
# and every index slows the writes of a replay.
for _column in ("la_code", "region_code", "type_code", "trust_uid"):
    Index(f"registry_schools_{_column}_urn", schools.c[_column], schools.c.urn)

school_versions = Table(
    "registry_school_versions",
    metadata,
    Column("urn", Integer, nullable=False),
    Column("stream_version", BigInteger, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("details", JSONB, nullable=False),
    PrimaryKeyConstraint("urn", "stream_version"),
)
Index("registry_school_versions_as_of", school_versions.c.urn, school_versions.c.valid_from)

school_links = Table(
    "registry_school_links",
    metadata,
    Column("urn", Integer, nullable=False),
    Column("predecessor_urn", Integer, nullable=False),
    Column("link_type", Text, nullable=False),
    Column("established_on", Date),
    PrimaryKeyConstraint("urn", "predecessor_urn"),
)
Index("registry_school_links_predecessor", school_links.c.predecessor_urn)

memberships = Table(
    "registry_memberships",
    metadata,
    Column("urn", Integer, nullable=False),
    Column("trust_uid", Integer, nullable=False),
    # Half-open: the trust ran the school from from_date up to, not including, to_date.
    Column("from_date", Date, nullable=False),
    Column("to_date", Date),
    Column("join_reason", Text, nullable=False),
    Column("leave_reason", Text),
    Column("decision_reference", Text),
    PrimaryKeyConstraint("urn", "trust_uid", "from_date"),
)
Index("registry_memberships_trust", memberships.c.trust_uid, memberships.c.from_date)

school_history = Table(
    "registry_school_history",
    metadata,
    Column("urn", Integer, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("stream_version", BigInteger, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("effective_on", Date),
    Column("recorded_at", TIMESTAMP(timezone=True), nullable=False),
    Column("summary", JSONB, nullable=False),
    PrimaryKeyConstraint("urn", "position"),
)

trusts = Table(
    "registry_trusts",
    metadata,
    Column("uid", Integer, primary_key=True, autoincrement=False),
    *_trust_detail_columns(),
    Column("la_established", Boolean, nullable=False, server_default=text("false")),
    Column("founding_la_code", Text),
    Column("la_established_on", Date),
    Column("version", BigInteger, nullable=False),
    Column("updated_at", TIMESTAMP(timezone=True), nullable=False),
)

# Ofsted's inspections of each trust, one row each (trust-{uid} streams): written once, so the
# trust view reads its latest and its history from here.
trust_inspections = Table(
    "registry_trust_inspections",
    metadata,
    Column("uid", Integer, nullable=False),
    Column("inspection_id", Text, nullable=False),
    Column("stream_version", BigInteger, nullable=False),
    Column("inspection_start", Date, nullable=False),
    Column("publication_date", Date),
    Column("inspection_type", Text),
    # [{area, heading, outcome}], the outcomes in the file's own words.
    Column("outcomes", JSONB, nullable=False),
    Column("report_url", Text),
    Column("source_file", Text, nullable=False),
    Column("format_version", Integer, nullable=False),
    Column("recorded_at", TIMESTAMP(timezone=True), nullable=False),
    PrimaryKeyConstraint("uid", "inspection_id"),
)
Index(
    "registry_trust_inspections_latest",
    trust_inspections.c.uid,
    trust_inspections.c.inspection_start,
)

# Approved transfers, one row per school of a decision: the registry-transfers consumer
# writes them from commissioning's events and the scheduler applies them on the day. Not a
# read model: its rows are the scheduler's work list, in step with that consumer's
# checkpoint, so a rebuild of the read models leaves it alone.
pending_transfers = Table(
    "registry_pending_transfers",
    metadata,
    Column("decision_id", Text, nullable=False),
    Column("urn", Integer, nullable=False),
    Column("case_id", Text, nullable=False),
    Column("to_trust_uid", Integer, nullable=False),
    Column("significant_date", Date, nullable=False),
    Column("kind", Text, nullable=False),
    # pending, applied, rejected or cancelled.
    Column("status", Text, nullable=False),
    # The TransferApproved event: the causation of whatever the registry writes for it.
    Column("approved_event_id", UUID(as_uuid=True), nullable=False),
    Column("correlation_id", Text),
    # What settled it: the event written (or the CaseClosed read), and the written event's
    # type, the rejection's reason code, or case_closed.
    Column("outcome_event_id", UUID(as_uuid=True)),
    Column("outcome", Text),
    Column("updated_at", TIMESTAMP(timezone=True), nullable=False),
    PrimaryKeyConstraint("decision_id", "urn"),
)
Index(
    "registry_pending_transfers_due",
    pending_transfers.c.significant_date,
    postgresql_where=text("status = 'pending'"),
)
Index("registry_pending_transfers_case", pending_transfers.c.case_id)

# What the GIAS importer last compared each school and trust stream with (importer.py): not
# a read model but the importer's own, checked against the log's stream versions, so a
# rebuild of the read models has no reason to empty it (an empty table only means the next
# import compares every row the slow way, and writes it again).
gias_fingerprints = Table(
    "registry_gias_fingerprints",
    metadata,
    Column("stream_id", Text, primary_key=True),
    Column("code", Text, nullable=False),
    Column("row_digest", BYTEA, nullable=False),
    Column("inputs_digest", BYTEA, nullable=False),
    Column("stream_version", BigInteger, nullable=False),
)


# Plain strings, not SQLAlchemy's quoted_name: they key the rows the projection encodes, and
# orjson takes only str itself as a key unless told otherwise, at a cost to every row.
SCHOOL_DETAIL_FIELDS: tuple[str, ...] = tuple(str(c.name) for c in _school_detail_columns())
TRUST_DETAIL_FIELDS: tuple[str, ...] = tuple(str(c.name) for c in _trust_detail_columns())
# Tables of the registry's own state that a read-model rebuild must not empty.
STATE_TABLES: tuple[str, ...] = (pending_transfers.name, gias_fingerprints.name)
# Dependency order does not matter (no foreign keys: events may arrive in any stream order).
READ_MODEL_TABLES: tuple[str, ...] = tuple(
    t.name for t in metadata.sorted_tables if t.name not in STATE_TABLES
)
