"""The synthetic world before it is written: schools, groups, links and inspections.

Mutable while the generator builds it, then only read by the writers. Identity matters (a
school is one object however many lists hold it), so these compare by identity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services.registry.sample.geography import District, LaGeo


@dataclass(slots=True, eq=False)
class School:
    """One establishment row: a live school, a genuinely closed one, or a history record."""

    geo: LaGeo
    district: District
    category: str
    phase: int
    status: int
    type_code: int
    religion: int
    diocese: str | None
    place: str
    name: str
    low_age: int
    high_age: int
    nursery_classes: bool
    sixth_form: bool
    gender: int
    admissions: int
    capacity: int | None
    pupils: int | None
    fsm_pct: float | None
    easting: int
    northing: int
    urban: str
    town: str
    postcode: str
    quality: float
    open_date: date | None = None
    open_reason: int = 0
    close_date: date | None = None
    close_reason: int = 0
    #: True for the closed record a school left behind when it got a new URN.
    history: bool = False
    urn: int = 0
    estab_no: int = 0
    ukprn: str = ""
    #: The closed record(s) this school replaced (two for an infant/junior amalgamation).
    predecessors: list[School] = field(default_factory=list)
    successor: School | None = None
    trust: Group | None = None
    sponsor: Group | None = None
    federation: Group | None = None

    @property
    def faith(self) -> str | None:
        """ "CE", "RC" or None: the church a faith trust would recruit from."""
        return {2: "CE", 6: "CE", 3: "RC"}.get(self.religion)

    @property
    def live(self) -> bool:
        """Open, proposed to close, or proposed to open (anything but closed)."""
        return self.status != 2


@dataclass(slots=True, eq=False)
class Group:
    """A trust, federation, sponsor or foundation trust (one allgroupsdata row)."""

    type_code: str
    name: str
    home: LaGeo
    status: str = "OPEN"
    open_date: date | None = None
    incorporated: date | None = None
    closed_date: date | None = None
    la_established: bool = False
    #: The name in ordinary case when ``name`` is the Companies House capitals.
    plain_name: str = ""
    uid: int = 0
    group_id: str = ""
    companies_house: str = ""
    ukprn: str = ""
    links: list[Link] = field(default_factory=list)

    def link(self, school: School, joined: date | None) -> None:
        """Record that ``school`` belongs (or belonged) to this group from ``joined``."""
        self.links.append(Link(school, self, joined))


@dataclass(slots=True, eq=False)
class Link:
    """One establishment–group link (one alllinksdata row)."""

    school: School
    group: Group
    joined: date | None


@dataclass(slots=True, eq=False)
class Inspection:
    """One Ofsted inspection row, in either format."""

    school: School
    number: str
    start: date
    end: date
    published: date
    report_card: bool
    inspection_type: str
    #: Report card: area → grade name or ""; legacy: judgement → "1".."4" or "".
    grades: dict[str, str]
    safeguarding: str
    overall: str = ""
    concern: str = ""


@dataclass(slots=True)
class World:
    """Everything the writers need."""

    snapshot: date
    schools: list[School]
    groups: list[Group]
    inspections: list[Inspection]
