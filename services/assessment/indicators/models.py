"""The indicators' read models: compact facts from the registry's events, and each trust's figures.

Disposable like every read model: ``rebuild_indicators`` empties them and replays the log.
Migrations 0004 and 0020 are a frozen copy; ``tests/assessment/test_indicators_projection.py`` checks
they agree.
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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = MetaData()

# One row per school ever registered: only what the indicators use.
indicator_schools = Table(
    "assessment_indicator_schools",
    metadata,
    Column("urn", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("trust_uid", Integer),
    Column("joined_on", Date),
    Column("la_code", Text),
    Column("la_name", Text),
    Column("region_code", Text),
    Column("region_name", Text),
    Column("phase", Text),
    Column("pupils", Integer),
    Column("easting", Integer),
    Column("northing", Integer),
    Column("predecessor_urns", ARRAY(Integer), nullable=False, server_default=text("'{}'")),
    # Every inspection, oldest first, with the event's own field names.
    Column("inspections", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    # The last version of the school's stream applied, so a replay skips what it has.
    Column("version", BigInteger, nullable=False),
    Index("assessment_indicator_schools_trust", "trust_uid"),
)

# One row per trust: its details, and its indicators as last computed.
indicator_trusts = Table(
    "assessment_indicator_trusts",
    metadata,
    Column("uid", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("version", BigInteger, nullable=False),
    # Something the indicators count has changed since they were computed.
    Column("dirty", Boolean, nullable=False, server_default=text("true")),
    Column("as_of", Date),
    Column("indicators", JSONB),
    # Ofsted's inspections of the trust itself, oldest first, with the event's field names:
    # shown beside the indicators as evidence, never counted into a figure or a pillar.
    Column("trust_inspections", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Index("assessment_indicator_trusts_dirty", "uid", postgresql_where=text("dirty")),
)

READ_MODEL_TABLES: tuple[str, ...] = (indicator_schools.name, indicator_trusts.name)
