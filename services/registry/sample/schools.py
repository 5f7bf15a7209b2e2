"""Make one synthetic school: its kind, type, ages, size, religion, name and place.

Shares are rough national figures (England, 2025): about 80% primary and 15% secondary
establishments, a little over half of open schools academies (about 45% of primaries, over 80%
of secondaries), about 30% with a Church of England or Roman Catholic character.
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

from services.registry.sample import gias_format as g
from services.registry.sample import names
from services.registry.sample.geography import (
    EASTING_RANGE,
    NORTHING_RANGE,
    District,
    LaGeo,
    dioceses,
)
from services.registry.sample.model import School

# category → (share of schools, phase code, chance of being an academy)
CATEGORIES: dict[str, tuple[float, int, float]] = {
    "primary": (0.775, g.PRIMARY, 0.51),
    "secondary": (0.145, g.SECONDARY, 0.82),
    "special": (0.042, g.NOT_APPLICABLE, 0.45),
    "ap": (0.015, g.NOT_APPLICABLE, 0.5),
    "nursery": (0.012, g.NURSERY, 0.02),
    "all_through": (0.007, g.ALL_THROUGH, 0.75),
    "sixteen": (0.002, g.SIXTEEN_PLUS, 0.95),
    "middle_p": (0.001, g.MIDDLE_PRIMARY, 0.6),
    "middle_s": (0.001, g.MIDDLE_SECONDARY, 0.6),
}
CATEGORY_NAMES = tuple(CATEGORIES)
CATEGORY_WEIGHTS = tuple(v[0] for v in CATEGORIES.values())

# category → academy (type code, weight) choices
ACADEMY_TYPES: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {
    "primary": ((34, 28, 35), (0.72, 0.22, 0.06)),
    "secondary": ((34, 28, 35, 40, 41), (0.6, 0.28, 0.08, 0.02, 0.02)),
    "special": ((44, 33, 36), (0.55, 0.15, 0.3)),
    "ap": ((42, 43, 38), (0.3, 0.3, 0.4)),
    "nursery": ((34,), (1.0,)),
    "all_through": ((34, 28, 35), (0.4, 0.3, 0.3)),
    "sixteen": ((39, 45, 46), (0.5, 0.25, 0.25)),
    "middle_p": ((34, 28), (0.7, 0.3)),
    "middle_s": ((34, 28), (0.7, 0.3)),
}
FAITH_SHARE = {
    "primary": 0.35,
    "secondary": 0.18,
    "all_through": 0.15,
    "middle_p": 0.3,
    "middle_s": 0.2,
}
OTHER_FAITHS = (4, 6, 7, 11, 12, 13)
URBAN_MIX: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "london": (("A1", "C1"), (0.95, 0.05)),
    "metropolitan": (("A1", "B1", "C1", "D1"), (0.7, 0.1, 0.15, 0.05)),
    "unitary": (("C1", "D1", "E1", "F1"), (0.8, 0.1, 0.08, 0.02)),
    "county": (("C1", "D1", "E1", "F1"), (0.4, 0.22, 0.28, 0.1)),
}
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def new_school(rng: Random, geo: LaGeo, status: int) -> School:
    """A school in ``geo`` with everything but dates, URN and links decided."""
    district = (
        rng.choices(geo.districts, [d.share for d in geo.districts])[0]
        if len(geo.districts) > 1
        else geo.districts[0]
    )
    category = rng.choices(CATEGORY_NAMES, CATEGORY_WEIGHTS)[0]
    _, phase, academy_share = CATEGORIES[category]
    academy = rng.random() < academy_share
    religion = _religion(rng, category)
    type_code = (
        _academy_type(rng, category) if academy else _maintained_type(rng, category, religion)
    )
    low, high, nursery, sixth = _ages(rng, category, type_code)
    codes, weights = URBAN_MIX[geo.kind]
    urban = rng.choices(codes, weights)[0]
    if geo.sparse and urban[0] in "CDEF" and rng.random() < 0.4:
        urban = urban[0] + "2"
    easting, northing = _point(rng, district, rural=urban[0] in "DEF")
    town = _town(rng, geo, district)
    place = names.place(rng) if rng.random() < 0.75 else town
    gender = 3
    if category == "secondary" and rng.random() < 0.1:
        gender = rng.choice((1, 2))
    admissions = 0
    if category in ("secondary", "middle_s", "all_through"):
        admissions = 2 if category == "secondary" and rng.random() < 0.05 else 1
    school = School(
        geo=geo,
        district=district,
        category=category,
        phase=phase,
        status=status,
        type_code=type_code,
        religion=religion,
        diocese=_diocese(geo, religion),
        place=place,
        name="",
        low_age=low,
        high_age=high,
        nursery_classes=nursery,
        sixth_form=sixth,
        gender=gender,
        admissions=admissions,
        capacity=None,
        pupils=None,
        fsm_pct=None,
        easting=easting,
        northing=northing,
        urban=urban,
        town=town,
        postcode=postcode(rng, geo),
        quality=rng.gauss(0.0, 1.0),
    )
    school.name = school_name(rng, school, academy=academy)
    _size(rng, school)
    return school


def maintained_predecessor(rng: Random, academy: School) -> School:
    """The maintained school an academy replaced: same place, phase and character."""
    category = academy.category
    if category == "special":
        type_code = 7
    elif category == "ap":
        type_code = 14
    elif category == "nursery":
        type_code = 15
    else:
        type_code = _maintained_type(rng, category, academy.religion)
    old = School(
        geo=academy.geo,
        district=academy.district,
        category=category,
        phase=academy.phase,
        status=g.CLOSED,
        type_code=type_code,
        religion=academy.religion,
        diocese=academy.diocese,
        place=academy.place,
        name="",
        low_age=academy.low_age,
        high_age=academy.high_age,
        nursery_classes=academy.nursery_classes,
        sixth_form=academy.sixth_form,
        gender=academy.gender,
        admissions=academy.admissions,
        capacity=None,
        pupils=None,
        fsm_pct=None,
        easting=academy.easting,
        northing=academy.northing,
        urban=academy.urban,
        town=academy.town,
        postcode=academy.postcode,
        quality=academy.quality - 0.3,
        history=True,
    )
    old.name = school_name(rng, old, academy=False)
    return old


def closed_copy(rng: Random, school: School, type_code: int) -> School:
    """A closed academy record this school replaced (a fresh start): same site, new URN."""
    old = maintained_predecessor(rng, school)
    old.type_code = type_code
    old.name = school_name(rng, old, academy=True)
    return old


def _religion(rng: Random, category: str) -> int:
    if rng.random() >= FAITH_SHARE.get(category, 0.0):
        return 0
    r = rng.random()
    if r < 0.62:
        return g.CHURCH_OF_ENGLAND
    if r < 0.95:
        return g.ROMAN_CATHOLIC
    return rng.choice(OTHER_FAITHS)


def _diocese(geo: LaGeo, religion: int) -> str | None:
    if religion in (g.CHURCH_OF_ENGLAND, 6):
        return geo.ce_diocese
    if religion == g.ROMAN_CATHOLIC:
        return geo.rc_diocese
    return None


def diocese_columns(school: School) -> tuple[str, str]:
    """``Diocese (code)`` and ``Diocese (name)`` for a school."""
    if school.diocese is None:
        return "0000", "Not applicable"
    religion = g.CHURCH_OF_ENGLAND if school.religion == 6 else school.religion
    return dioceses()[(religion, school.diocese)]


def _academy_type(rng: Random, category: str) -> int:
    codes, weights = ACADEMY_TYPES[category]
    return rng.choices(codes, weights)[0]


def _maintained_type(rng: Random, category: str, religion: int) -> int:
    if category == "special":
        return 7 if rng.random() < 0.9 else 12
    if category == "ap":
        return 14
    if category == "nursery":
        return 15
    if religion == g.ROMAN_CATHOLIC or religion in OTHER_FAITHS:
        return 2
    if religion == g.CHURCH_OF_ENGLAND:
        return 2 if rng.random() < 0.45 else 3
    return 1 if rng.random() < 0.9 else 5


def _ages(rng: Random, category: str, type_code: int) -> tuple[int, int, bool, bool]:
    """(low age, high age, has nursery classes, has a sixth form)."""
    if category == "primary":
        r = rng.random()
        if r < 0.08:
            return (3 if rng.random() < 0.25 else 4), 7, False, False
        if r < 0.16:
            return 7, 11, False, False
        nursery = rng.random() < 0.3
        return (3 if nursery else 4), 11, nursery, False
    if category == "secondary":
        if type_code in (40, 41):
            return 14, 19, False, True
        if rng.random() < 0.03:
            return 13, 18, False, True
        sixth = rng.random() < 0.55
        return 11, (18 if sixth else 16), False, sixth
    low, high = {
        "special": rng.choice(((2, 19), (3, 19), (4, 19), (11, 19), (5, 16), (7, 16), (11, 16))),
        "ap": rng.choice(((11, 16), (5, 16), (14, 16), (7, 16))),
        "nursery": rng.choice(((2, 5), (3, 5), (2, 4), (3, 4))),
        "all_through": rng.choice(((3, 18), (4, 18), (4, 16))),
        "sixteen": (16, 19),
        "middle_p": rng.choice(((8, 12), (9, 13))),
        "middle_s": rng.choice(((9, 13), (10, 14))),
    }[category]
    return low, high, low <= 3 and category != "nursery", high >= 18


def _size(rng: Random, s: School) -> None:
    """Capacity, pupils and free-school-meal share, by phase."""
    rural = s.urban[0] in "EF"
    if s.category == "primary":
        forms = rng.choices(
            (0.5, 1, 1.5, 2, 3), (40, 45, 8, 6, 1) if rural else (8, 35, 12, 35, 10)
        )[0]
        years = 3 if s.high_age == 7 else 4 if s.low_age == 7 else 7
        capacity = round(forms * 30 * years) + (
            rng.choice((26, 39, 52)) if s.nursery_classes else 0
        )
    elif s.category == "secondary":
        capacity = rng.randint(4, 12) * 150 + (rng.randint(150, 350) if s.sixth_form else 0)
        if s.type_code in (40, 41):
            capacity = rng.randint(300, 800)
    else:
        lo, hi = {
            "special": (40, 260),
            "ap": (15, 120),
            "nursery": (40, 140),
            "all_through": (1200, 2100),
            "sixteen": (300, 1500),
            "middle_p": (300, 600),
            "middle_s": (400, 700),
        }[s.category]
        capacity = rng.randint(lo, hi)
    s.capacity = capacity
    s.pupils = max(5, round(capacity * rng.uniform(0.72, 1.06)))
    adjust = {"special": 12.0, "ap": 25.0, "secondary": -2.0, "sixteen": -6.0, "nursery": -5.0}
    pct = s.geo.fsm_base + adjust.get(s.category, 0.0) + rng.gauss(0.0, 7.0)
    if s.urban[0] in "DEF":
        pct -= 6.0
    if s.admissions == 2:
        pct = rng.uniform(1.0, 8.0)
    s.fsm_pct = round(min(70.0, max(0.0, pct)), 1)


def school_name(rng: Random, s: School, *, academy: bool) -> str:
    """A plausible name for the school's phase, character and type."""
    p, c = s.place, s.category
    faith = s.faith
    if faith == "RC":
        stem = rng.choice((names.saint(rng), rng.choice(names.MARIAN)))
        kind = {"primary": "Catholic Primary School", "secondary": "Catholic High School"}.get(
            c, "Catholic School"
        )
        if academy and rng.random() < 0.3:
            kind = kind.replace("School", "Academy")
        return f"{stem} {kind}"
    if faith == "CE":
        stem = names.saint(rng) if rng.random() < 0.6 else p
        aided = " (Aided)" if s.type_code == 2 and rng.random() < 0.3 else ""
        kind = {
            "primary": "Primary School",
            "secondary": "Academy" if academy else "High School",
        }.get(c, "School")
        church = rng.choice(("C of E", "CofE", "Church of England"))
        name = f"{stem} {church}{aided} {kind}"
        if rng.random() < 0.03:
            name = f"{name} – {rng.choice(names.ACCENTED_PLACES)}"
        return name
    if s.religion:
        return f"{p} {g.RELIGIONS[s.religion].split('/')[0]} School"
    if s.type_code in (40, 41):
        return f"{s.town} {'UTC' if s.type_code == 40 else 'Studio School'}"
    suffix = {
        "primary": ("Primary School", "Community Primary School", "Primary Academy", "Academy"),
        "secondary": ("High School", "School", "Community College", "Academy", "Grammar School"),
        "special": ("School", "Special School", "Academy"),
        "ap": ("Pupil Referral Unit", "Learning Centre", "Alternative Provision Academy"),
        "nursery": ("Nursery School", "Nursery School", "Nursery School", "Nursery School"),
        "all_through": ("All-Through School", "Academy", "School"),
        "sixteen": ("Sixth Form College", "Sixth Form", "Sixth Form Academy"),
        "middle_p": ("Middle School", "Middle School", "Academy"),
        "middle_s": ("Middle School", "Middle School", "Academy"),
    }[c]
    if c == "primary":
        if s.high_age == 7:
            return f"{p} Infant{' Academy' if academy else ' School'}"
        if s.low_age == 7:
            return f"{p} Junior{' Academy' if academy else ' School'}"
    if c == "secondary" and s.admissions == 2:
        return f"{p} Grammar School"
    options = [x for x in suffix if ("Academy" in x) == academy] or list(suffix)
    if c == "secondary" and s.admissions != 2:
        options = [x for x in options if x != "Grammar School"] or ["School"]
    return f"{p} {rng.choice(options)}"


def _point(rng: Random, d: District, *, rural: bool) -> tuple[int, int]:
    sigma = d.radius_m / 2 * (1.3 if rural else 1.0)
    e = round(rng.gauss(d.easting, sigma))
    n = round(rng.gauss(d.northing, sigma))
    return min(max(e, EASTING_RANGE[0]), EASTING_RANGE[1]), min(
        max(n, NORTHING_RANGE[0]), NORTHING_RANGE[1]
    )


def _town(rng: Random, geo: LaGeo, d: District) -> str:
    if d.town is not None:
        return d.town if rng.random() < 0.8 else rng.choice(geo.towns)
    return rng.choice(geo.towns)


def postcode(rng: Random, geo: LaGeo) -> str:
    """A plausible postcode in one of the LA's postcode areas (``LS12 3AB``)."""
    area = rng.choice(geo.postcodes)
    district = rng.randint(1, 40 if len(area) == 1 else 28)
    letters = rng.choice(POSTCODE_LETTERS) + rng.choice(POSTCODE_LETTERS)
    return f"{area}{district} {rng.randint(1, 9)}{letters}"


def rand_date(rng: Random, lo: date, hi: date) -> date:
    """A uniformly random date in [lo, hi]."""
    if hi <= lo:
        return lo
    return lo + timedelta(days=rng.randrange((hi - lo).days + 1))


def first_of_month(d: date) -> date:
    """The first day of ``d``'s month."""
    return d.replace(day=1)
