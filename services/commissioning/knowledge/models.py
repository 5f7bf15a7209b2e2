"""What commissioning knows of schools, trusts and published judgements: read-model tables.

Every table here is projected from the registry's and assessment's events by
``knowledge.projection`` and is disposable (the projection can replay the log into them).
``commissioning_trust_profiles`` is a per-trust summary kept precomputed so a shortlist over
every trust in England is one query; the others are its sources and the area plan's.
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
    PrimaryKeyConstraint,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = MetaData()

# One row per school the registry has registered; its current trust is ``trust_uid``.
school_facts = Table(
    "commissioning_school_facts",
    metadata,
    Column("urn", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("la_code", Text, nullable=False),
    Column("la_name", Text, nullable=False),
    Column("region_code", Text),
    Column("region_name", Text),
    Column("district_code", Text),
    Column("district_name", Text),
    Column("phase", Text),
    Column("type_group_name", Text),
    Column("status", Text, nullable=False),
    Column("religious_character", Text),
    Column("diocese", Text),
    Column("pupils", Integer),
    Column("capacity", Integer),
    Column("easting", Integer),
    Column("northing", Integer),
    Column("open_date", Date),
    Column("close_date", Date),
    Column("closed", Boolean, nullable=False),
    Column("trust_uid", Integer),
    Column("predecessor_urns", ARRAY(Integer), nullable=False, server_default=text("'{}'")),
    # The latest Ofsted inspection: a single grade, or "report card" with the worst area.
    Column("ofsted_grade", Text),
    Column("ofsted_date", Date),
    Column("ofsted_good_or_better", Boolean),
    Column("version", BigInteger, nullable=False),
)
Index("commissioning_school_facts_la", school_facts.c.la_code, school_facts.c.urn)
Index("commissioning_school_facts_trust", school_facts.c.trust_uid)

trust_facts = Table(
    "commissioning_trust_facts",
    metadata,
    Column("uid", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("trust_type", Text),
    Column("status", Text),
    Column("closed", Boolean, nullable=False),
    Column("closed_on", Date),
    Column("version", BigInteger, nullable=False),
)

# Every membership with its dates, so coverage at any past date comes from the events.
memberships = Table(
    "commissioning_memberships",
    metadata,
    Column("urn", Integer, nullable=False),
    Column("trust_uid", Integer, nullable=False),
    Column("from_date", Date, nullable=False),
    Column("to_date", Date),
    Column("join_reason", Text),
    PrimaryKeyConstraint("urn", "trust_uid", "from_date"),
)
Index("commissioning_memberships_trust", memberships.c.trust_uid, memberships.c.from_date)

inspections = Table(
    "commissioning_inspections",
    metadata,
    Column("urn", Integer, nullable=False),
    Column("inspection_start", Date, nullable=False),
    Column("grade", Text, nullable=False),
    Column("good_or_better", Boolean),
    PrimaryKeyConstraint("urn", "inspection_start"),
)

# Ofsted's inspections of trusts, outcomes in the file's words: evidence a whole-trust
# intervention names, never a grade of anything else.
trust_inspections = Table(
    "commissioning_trust_inspections",
    metadata,
    Column("trust_uid", Integer, nullable=False),
    Column("inspection_id", Text, nullable=False),
    Column("inspection_start", Date, nullable=False),
    Column("publication_date", Date),
    Column("inspection_type", Text),
    Column("outcomes", JSONB, nullable=False),
    Column("report_url", Text),
    Column("format_version", Integer, nullable=False),
    PrimaryKeyConstraint("trust_uid", "inspection_id"),
)

published_assessments = Table(
    "commissioning_published_assessments",
    metadata,
    Column("assessment_id", Text, primary_key=True),
    Column("trust_uid", Integer, nullable=False),
    Column("framework_id", Text, nullable=False),
    Column("framework_version", Integer, nullable=False),
    Column("published_on", Date, nullable=False),
    Column("judgements", JSONB, nullable=False),
    Column("supersedes", Text),
    Column("withdrawn", Boolean, nullable=False, server_default=text("false")),
    Column("position", BigInteger, nullable=False),
)
Index(
    "commissioning_published_assessments_trust",
    published_assessments.c.trust_uid,
    published_assessments.c.published_on,
)

# The shortlist's input, one row per trust: its open schools (as JSON), its track record and
# its latest standing published assessment, recomputed for the trusts each batch touches.
trust_profiles = Table(
    "commissioning_trust_profiles",
    metadata,
    Column("uid", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("trust_type", Text),
    Column("closed", Boolean, nullable=False),
    Column("schools", JSONB, nullable=False),
    Column("joined_below_good", Integer, nullable=False),
    Column("improved", Integer, nullable=False),
    Column("assessment", JSONB),
    # The next of a sequence on every write: see services/commissioning/candidates/service.py.
    Column(
        "revision",
        BigInteger,
        nullable=False,
        server_default=text("nextval('commissioning_profile_revisions')"),
    ),
)

TABLES: tuple[str, ...] = (
    school_facts.name,
    trust_facts.name,
    memberships.name,
    inspections.name,
    trust_inspections.name,
    published_assessments.name,
    trust_profiles.name,
)
