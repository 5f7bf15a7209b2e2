"""The assessment service's read models: tables the projection writes and the queries read.

Every table here is disposable: ``projections.rebuild`` empties them and replays the log.
Times are the log's ``recorded_at`` of the event that set them, never the projection's clock,
so a rebuild gives the same rows. ``migrations/versions/0003_assessment_read_models.py`` is a
frozen copy of these tables; ``tests/assessment/test_read_models.py`` checks they agree.
"""

from __future__ import annotations

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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TIMESTAMP

metadata = MetaData()
_TIMESTAMPTZ = TIMESTAMP(timezone=True)

frameworks = Table(
    "assessment_frameworks",
    metadata,
    Column("framework_id", Text, nullable=False),
    Column("framework_version", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("publisher", Text, nullable=False),
    Column("published_on", Date, nullable=False),
    Column("source", Text),
    Column("pillars", JSONB, nullable=False),
    Column("recorded_at", _TIMESTAMPTZ, nullable=False),
    PrimaryKeyConstraint("framework_id", "framework_version"),
)

assessments = Table(
    "assessment_assessments",
    metadata,
    Column("assessment_id", Text, primary_key=True),
    # The log position of AssessmentStarted: a stable order for lists and their cursors.
    Column("seq", BigInteger, nullable=False, unique=True),
    Column("trust_uid", Integer, nullable=False),
    Column("framework_id", Text, nullable=False),
    Column("framework_version", Integer, nullable=False),
    Column("status", Text, nullable=False),
    Column("assessor", Text, nullable=False),
    Column("purpose", Text),
    Column("authors", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("evidence_count", Integer, nullable=False, server_default=text("0")),
    Column("judged_pillars", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("moderator", Text),
    Column("published_on", Date),
    Column("supersedes", Text),
    Column("version", BigInteger, nullable=False),
    Column("started_at", _TIMESTAMPTZ, nullable=False),
    Column("updated_at", _TIMESTAMPTZ, nullable=False),
    Index("assessment_assessments_trust_seq", "trust_uid", "seq"),
    Index("assessment_assessments_status_seq", "status", "seq"),
)

evidence = Table(
    "assessment_evidence",
    metadata,
    Column("evidence_id", Text, primary_key=True),
    Column("assessment_id", Text, nullable=False),
    Column("stream_version", BigInteger, nullable=False),
    Column("pillar", Text, nullable=False),
    Column("theme", Text),
    Column("kind", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("source_reference", Text, nullable=False),
    Column("observed_on", Date, nullable=False),
    Column("metric_name", Text),
    Column("metric_value", Float),
    Column("metric_unit", Text),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", _TIMESTAMPTZ, nullable=False),
    Index("assessment_evidence_assessment", "assessment_id", "stream_version"),
)

judgements = Table(
    "assessment_judgements",
    metadata,
    Column("assessment_id", Text, nullable=False),
    Column("pillar", Text, nullable=False),
    Column("descriptor", Text, nullable=False),
    Column("rationale", Text, nullable=False),
    Column("evidence_ids", ARRAY(Text), nullable=False),
    Column("judged_by", Text, nullable=False),
    Column("stream_version", BigInteger, nullable=False),
    Column("judged_at", _TIMESTAMPTZ, nullable=False),
    PrimaryKeyConstraint("assessment_id", "pillar"),
)

publications = Table(
    "assessment_publications",
    metadata,
    Column("assessment_id", Text, primary_key=True),
    Column("trust_uid", Integer, nullable=False),
    # The log position of AssessmentPublished: the latest standing one is the trust's profile.
    Column("position", BigInteger, nullable=False),
    Column("framework_id", Text, nullable=False),
    Column("framework_version", Integer, nullable=False),
    Column("framework_name", Text),
    Column("published_on", Date, nullable=False),
    Column("supersedes", Text),
    Column("withdrawn", Boolean, nullable=False, server_default=text("false")),
    Column("judgements", JSONB, nullable=False),
    Index("assessment_publications_trust", "trust_uid", "position"),
)

READ_MODEL_TABLES: tuple[str, ...] = tuple(t.name for t in metadata.sorted_tables)
