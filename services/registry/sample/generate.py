"""Build a whole synthetic world from a seed: schools with their history, groups, inspections.

``schools`` counts the schools with a life of their own (open, closed, proposed); each
academy that replaced a maintained school, each fresh start and each amalgamation also leaves
the closed record(s) it replaced, so the establishments file has more rows than ``schools``.

Only ``random.Random`` instances seeded from ``seed`` are used, and only lists and
insertion-ordered dicts are iterated, so the same arguments give the same world.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import accumulate
from random import Random

from services.registry.sample import gias_format as g
from services.registry.sample import groups as grp
from services.registry.sample.geography import LaGeo, geography
from services.registry.sample.inspections import inspect_all
from services.registry.sample.model import Group, School, World
from services.registry.sample.schools import (
    closed_copy,
    first_of_month,
    maintained_predecessor,
    new_school,
    rand_date,
    school_name,
)

MAX_SCHOOLS = 100_000
CONVERTER_YEARS = {
    2011: 6, 2012: 10, 2013: 8, 2014: 7, 2015: 6, 2016: 7, 2017: 8, 2018: 7, 2019: 6,
    2020: 4, 2021: 4, 2022: 4, 2023: 5, 2024: 5, 2025: 5, 2026: 4, 2027: 4,
}  # fmt: skip
SPONSORED_YEARS = {
    2003: 1, 2005: 1, 2007: 2, 2008: 3, 2009: 4, 2010: 5, 2011: 6, 2012: 9, 2013: 10,
    2014: 9, 2015: 8, 2016: 7, 2017: 7, 2018: 6, 2019: 5, 2020: 4, 2021: 4, 2022: 4,
    2023: 4, 2024: 4, 2025: 4, 2026: 3, 2027: 3,
}  # fmt: skip
CONVERTER_OF = {"special": 44, "ap": 42, "sixteen": 45}
FRESH_START_SHARE = 0.05
#: About 8% of schools closed, 1% open but proposed to close, 0.7% proposed to open.
STATUS_CUTS = ((g.CLOSED, 0.08), (g.PROPOSED_TO_CLOSE, 0.09), (g.PROPOSED_TO_OPEN, 0.097))


def build(schools: int, seed: int, snapshot: date) -> World:
    """The whole world for ``schools`` schools, determined by ``seed`` and ``snapshot``."""
    if not 1 <= schools <= MAX_SCHOOLS:
        raise ValueError(f"schools must be between 1 and {MAX_SCHOOLS}")
    rng = Random(seed)
    geo = geography()
    cum = list(accumulate(la.schools for la in geo))
    world: list[School] = []
    for _ in range(schools):
        la = rng.choices(geo, cum_weights=cum)[0]
        world.append(_school(rng, la, snapshot))

    live_academies = [s for s in world if s.live and s.type_code in g.ACADEMY_TYPES]
    trusts = grp.allocate_trusts(rng, live_academies)
    for trust in grp.pick_la_trusts(rng, trusts):
        _recent_conversions(rng, [lk.school for lk in trust.links], snapshot)

    history = _history(rng, world, snapshot)
    for trust in trusts:
        grp.date_trust(rng, trust, snapshot)
    open_mats = [t for t in trusts if t.type_code == g.MAT]
    closed_academies = [
        s for s in world + history if s.status == g.CLOSED and s.type_code in g.ACADEMY_TYPES
    ]
    closed = grp.closed_trusts(rng, closed_academies, open_mats, snapshot)
    maintained = [s for s in world + history if s.live and s.type_code not in g.ACADEMY_TYPES]
    everything = world + history
    groups = [
        *trusts,
        *closed,
        *grp.federations(rng, maintained, snapshot),
        *grp.sponsors(rng, live_academies),
        *grp.foundation_trusts(rng, maintained, snapshot),
    ]
    grp.number_groups(rng, groups, snapshot)
    _number_schools(rng, everything, groups, snapshot)
    inspections = inspect_all(Random(f"{seed}:ofsted"), everything, snapshot)
    return World(snapshot=snapshot, schools=everything, groups=groups, inspections=inspections)


def _school(rng: Random, la: LaGeo, snapshot: date) -> School:
    r = rng.random()
    status = g.OPEN
    for candidate, upto in STATUS_CUTS:
        if r < upto:
            status = candidate
            break
    s = new_school(rng, la, status)
    if status == g.CLOSED:
        _closed_dates(rng, s, snapshot)
    elif s.type_code in g.ACADEMY_TYPES:
        _academy_dates(rng, s, snapshot)
    else:
        _maintained_dates(rng, s, snapshot)
    return s


def _year_date(rng: Random, years: dict[int, int], lo: date, hi: date, *, september: bool) -> date:
    usable = {y: w for y, w in years.items() if lo.year <= y <= hi.year}
    if usable:
        year = rng.choices(list(usable), list(usable.values()))[0]
        month = 9 if september and rng.random() < 0.85 else rng.randint(1, 12)
        d = date(year, month, 1)
        if lo <= d <= hi:
            return d
    return first_of_month(rand_date(rng, lo, hi)) if first_of_month(hi) >= lo else hi


def _academy_dates(rng: Random, s: School, snapshot: date) -> None:
    if s.status == g.PROPOSED_TO_OPEN:
        s.open_date = first_of_month(snapshot + timedelta(days=rng.randint(31, 270)))
    elif s.type_code in g.CONVERTER_TYPES:
        s.open_date = _year_date(rng, CONVERTER_YEARS, date(2010, 9, 1), snapshot, september=False)
    elif s.type_code in g.SPONSORED_TYPES:
        s.open_date = _year_date(rng, SPONSORED_YEARS, date(2002, 9, 1), snapshot, september=True)
    else:
        s.open_date = _year_date(rng, SPONSORED_YEARS, date(2011, 9, 1), snapshot, september=True)
    s.open_reason = (
        10 if s.type_code in g.CONVERTER_TYPES else 3 if s.type_code in g.SPONSORED_TYPES else 11
    )
    if s.status == g.PROPOSED_TO_CLOSE:
        s.close_date = _future_close(rng, snapshot)
        s.close_reason = 2


def _maintained_dates(rng: Random, s: School, snapshot: date) -> None:
    if s.status == g.PROPOSED_TO_OPEN:
        s.open_date = first_of_month(snapshot + timedelta(days=rng.randint(31, 270)))
        s.open_reason = 3
    elif rng.random() < 0.3:
        s.open_date = rand_date(
            rng, date(1950, 1, 1), min(date(2022, 12, 31), snapshot - timedelta(days=365))
        )
        # Some all-age primaries opened by amalgamating an infant and a junior school.
        amalgamated = s.category == "primary" and s.low_age <= 4 and s.high_age == 11
        amalgamated = amalgamated and s.open_date.year >= 2000 and rng.random() < 0.35
        s.open_reason = 1 if amalgamated else 3
    if s.status == g.PROPOSED_TO_CLOSE:
        s.close_date = _future_close(rng, snapshot)
        s.close_reason = 1 if rng.random() < 0.4 else 2


def _future_close(rng: Random, snapshot: date) -> date:
    month_end = first_of_month(snapshot + timedelta(days=rng.randint(40, 300))) - timedelta(days=1)
    return month_end


def _closed_dates(rng: Random, s: School, snapshot: date) -> None:
    """A school that closed for good (or merged away): mostly old maintained schools."""
    if s.type_code in g.ACADEMY_TYPES and rng.random() < 0.7:
        s.type_code = {"special": 7, "ap": 14, "nursery": 15}.get(
            s.category, 1 if s.religion == 0 else 2
        )
        s.name = school_name(rng, s, academy=False)
    s.capacity = s.pupils = None
    s.fsm_pct = None
    if s.type_code in g.ACADEMY_TYPES:
        s.close_date = rand_date(rng, date(2014, 1, 1), snapshot - timedelta(days=1))
        s.open_date = _year_date(
            rng,
            CONVERTER_YEARS,
            date(2010, 9, 1),
            s.close_date - timedelta(days=365),
            september=False,
        )
        s.open_reason = 10 if s.type_code in g.CONVERTER_TYPES else 3
        s.close_reason = 2
        return
    s.close_date = rand_date(rng, date(2003, 1, 1), snapshot - timedelta(days=1))
    if rng.random() < 0.25:
        s.open_date = rand_date(rng, date(1950, 1, 1), s.close_date - timedelta(days=400))
        s.open_reason = 3
    s.close_reason = 5 if s.category == "nursery" else 1 if rng.random() < 0.4 else 2


def _recent_conversions(rng: Random, members: list[School], snapshot: date) -> None:
    """LA-established trusts are recent: their schools converted into them from 2024 on."""
    lo = min(date(2024, 1, 1), snapshot - timedelta(days=120))
    for s in members:
        if s.status == g.PROPOSED_TO_OPEN:
            continue
        s.type_code = CONVERTER_OF.get(s.category, 34)
        s.open_reason = 10
        s.open_date = first_of_month(rand_date(rng, lo, snapshot))


def _history(rng: Random, world: list[School], snapshot: date) -> list[School]:
    """The closed records that schools replaced: maintained predecessors of academies,
    closed academies behind fresh starts, infant and junior schools behind amalgamations."""
    out: list[School] = []
    for s in world:
        if s.status == g.CLOSED or s.open_date is None:
            continue
        day_before = s.open_date - timedelta(days=1)
        if (
            s.type_code in g.SPONSORED_TYPES
            and s.status != g.PROPOSED_TO_OPEN
            and s.open_date.year >= 2015
            and rng.random() < FRESH_START_SHARE
        ):
            # Fresh start: the academy failed, closed, and reopened under a new trust and URN.
            old = closed_copy(rng, s, rng.choice((34, 28)) if s.category != "special" else 44)
            old.open_date = _year_date(
                rng,
                CONVERTER_YEARS,
                date(2010, 9, 1),
                day_before - timedelta(days=700),
                september=False,
            )
            old.open_reason = 10 if old.type_code in g.CONVERTER_TYPES else 3
            old.close_date, old.close_reason = day_before, 12
            old.quality = s.quality - 1.5
            s.open_reason = 4
            _link(old, s)
            out.append(old)
            if old.type_code in g.CONVERTER_TYPES:
                older = maintained_predecessor(rng, old)
                older.close_date = old.open_date - timedelta(days=1)
                older.close_reason = 3
                _link(older, old)
                out.append(older)
            continue
        if s.type_code in g.CONVERTER_TYPES or (
            s.type_code in g.SPONSORED_TYPES and rng.random() < 0.85
        ):
            old = maintained_predecessor(rng, s)
            old.close_date = day_before
            old.close_reason = 3 if s.type_code in g.CONVERTER_TYPES else 4
            if s.status == g.PROPOSED_TO_OPEN:
                # The school converts after the snapshot: today it is open, due to close.
                old.status = g.PROPOSED_TO_CLOSE
                old.capacity, old.pupils, old.fsm_pct = s.capacity, s.pupils, s.fsm_pct
            _link(old, s)
            out.append(old)
        elif s.open_reason == 1:
            for low, high in ((s.low_age, 7), (7, 11)):
                part = maintained_predecessor(rng, s)
                part.low_age, part.high_age, part.nursery_classes = low, high, low <= 3
                part.name = school_name(rng, part, academy=False)
                part.close_date, part.close_reason = day_before, 1
                _link(part, s)
                out.append(part)
    return out


def _link(old: School, new: School) -> None:
    new.predecessors.append(old)
    old.successor = new


def _number_schools(
    rng: Random, schools: list[School], groups: list[Group], snapshot: date
) -> None:
    """URNs (older schools lower, academies in opening order), LA establishment numbers, and
    UKPRNs for schools and academy trusts (unique across both)."""
    old = [
        s
        for s in schools
        if s.type_code not in g.ACADEMY_TYPES and (s.open_date is None or s.open_date.year < 2010)
    ]
    new = [
        s
        for s in schools
        if not (
            s.type_code not in g.ACADEMY_TYPES and (s.open_date is None or s.open_date.year < 2010)
        )
    ]
    old_hi = 100_000 + max(35_000, len(old) * 3 // 2)
    new_hi = old_hi + max(25_000, len(new) * 3 // 2)
    for s, urn in zip(old, rng.sample(range(100_000, old_hi), len(old)), strict=True):
        s.urn = urn
    new.sort(key=lambda s: s.open_date or snapshot)
    for s, urn in zip(new, sorted(rng.sample(range(old_hi, new_hi), len(new))), strict=True):
        s.urn = urn
    # A predecessor always has the lower URN: swap where a post-2010 maintained school was
    # replaced by an academy with an earlier-drawn number.
    for s in schools:
        if s.successor is not None and s.urn > s.successor.urn:
            s.urn, s.successor.urn = s.successor.urn, s.urn

    used: dict[str, set[int]] = {}
    for s in sorted(schools, key=lambda s: s.urn):
        taken = used.setdefault(s.geo.code, set())
        lo, hi = _estab_range(s)
        number = 0
        for _ in range(40):
            candidate = rng.randrange(lo, hi)
            if candidate not in taken:
                number = candidate
                break
        else:
            number = next(n for n in range(1000, 10_000) if n not in taken)
        taken.add(number)
        s.estab_no = number

    total = len(schools) + len(groups)
    pool = rng.sample(range(10_000_000, 10_000_000 + max(100_000, 3 * total)), total)
    for s, ukprn in zip(schools, pool, strict=False):
        if s.live or rng.random() < 0.6:
            s.ukprn = str(ukprn)
    for group, ukprn in zip(groups, pool[len(schools) :], strict=True):
        if group.type_code in g.ACADEMY_TRUST_GROUP_TYPES:
            group.ukprn = str(ukprn)


def _estab_range(s: School) -> tuple[int, int]:
    t, c = s.type_code, s.category
    if c == "nursery":
        return 1000, 1100
    if c == "ap":
        return 1100, 1200
    if c == "special":
        return 7000, 7200
    if t == 5:
        return 5200, 6000
    if c in ("primary", "middle_p"):
        return (3000, 4000) if t in (2, 3) else (2000, 3000)
    return 4000, 5000
