"""How GIAS writes its extracts, and the code/name pairs the sample uses, in one place.

File format (all four extracts): Windows-1252, CRLF line endings, every field quoted, empty
string for "no value". Dates are ``dd-mm-yyyy`` in ``edubasealldata`` and in
``links_edubasealldata`` (its ``LinkEstablishedDate``; a public copy of a real
``links_edubasealldata20250422.csv`` shows ``31-08-2016``), and ``dd/mm/yyyy`` in
``allgroupsdata`` and ``alllinksdata``. An importer should still accept either separator.

Code tables: codes and names for types, type groups, statuses and phases are GIAS's own. Codes
marked *unverified* below were chosen to be consistent (each code always has the same name),
not copied from GIAS; an importer should key on the ``(name)`` columns.
"""

from __future__ import annotations

from datetime import date
from typing import Final

ENCODING: Final = "cp1252"
LINE_TERMINATOR: Final = "\r\n"

ESTABLISHMENT_DATE_FORMAT: Final = "%d-%m-%Y"
GROUP_DATE_FORMAT: Final = "%d/%m/%Y"

#: strftime format of the dates in each extract, by file stem.
DATE_FORMATS: Final[dict[str, str]] = {
    "edubasealldata": ESTABLISHMENT_DATE_FORMAT,
    "links_edubasealldata": ESTABLISHMENT_DATE_FORMAT,
    "allgroupsdata": GROUP_DATE_FORMAT,
    "alllinksdata": GROUP_DATE_FORMAT,
}


def file_name(stem: str, snapshot: date) -> str:
    """A GIAS extract's file name for a snapshot date, e.g. ``edubasealldata20261101.csv``."""
    return f"{stem}{snapshot:%Y%m%d}.csv"


# TypeOfEstablishment (code) → (name, EstablishmentTypeGroup (code), EstablishmentTypeGroup (name)).
TYPES: Final[dict[int, tuple[str, int, str]]] = {
    1: ("Community school", 4, "Local authority maintained schools"),
    2: ("Voluntary aided school", 4, "Local authority maintained schools"),
    3: ("Voluntary controlled school", 4, "Local authority maintained schools"),
    5: ("Foundation school", 4, "Local authority maintained schools"),
    7: ("Community special school", 5, "Special schools"),
    12: ("Foundation special school", 5, "Special schools"),
    14: ("Pupil referral unit", 4, "Local authority maintained schools"),
    15: ("Local authority nursery school", 4, "Local authority maintained schools"),
    28: ("Academy sponsor led", 10, "Academies"),
    33: ("Academy special sponsor led", 10, "Academies"),
    34: ("Academy converter", 10, "Academies"),
    35: ("Free schools", 11, "Free Schools"),
    36: ("Free schools special", 11, "Free Schools"),
    38: ("Free schools alternative provision", 11, "Free Schools"),
    39: ("Free schools 16 to 19", 11, "Free Schools"),
    40: ("University technical college", 11, "Free Schools"),
    41: ("Studio schools", 11, "Free Schools"),
    42: ("Academy alternative provision converter", 10, "Academies"),
    43: ("Academy alternative provision sponsor led", 10, "Academies"),
    44: ("Academy special converter", 10, "Academies"),
    45: ("Academy 16-19 converter", 10, "Academies"),
    46: ("Academy 16 to 19 sponsor led", 10, "Academies"),
}
ACADEMY_TYPES: Final = frozenset(c for c, (_, group, _) in TYPES.items() if group in (10, 11))
CONVERTER_TYPES: Final = frozenset({34, 42, 44, 45})
SPONSORED_TYPES: Final = frozenset({28, 33, 43, 46})

# EstablishmentStatus (code) → name.
OPEN, CLOSED, PROPOSED_TO_CLOSE, PROPOSED_TO_OPEN = 1, 2, 3, 4
STATUSES: Final[dict[int, str]] = {
    OPEN: "Open",
    CLOSED: "Closed",
    PROPOSED_TO_CLOSE: "Open, but proposed to close",
    PROPOSED_TO_OPEN: "Proposed to open",
}

# PhaseOfEducation (code) → name.
NOT_APPLICABLE, NURSERY, PRIMARY, MIDDLE_PRIMARY, SECONDARY, MIDDLE_SECONDARY = 0, 1, 2, 3, 4, 5
SIXTEEN_PLUS, ALL_THROUGH = 6, 7
PHASES: Final[dict[int, str]] = {
    NOT_APPLICABLE: "Not applicable",
    NURSERY: "Nursery",
    PRIMARY: "Primary",
    MIDDLE_PRIMARY: "Middle deemed primary",
    SECONDARY: "Secondary",
    MIDDLE_SECONDARY: "Middle deemed secondary",
    SIXTEEN_PLUS: "16 plus",
    ALL_THROUGH: "All-through",
}

# ReasonEstablishmentOpened (code) → name. Codes other than 0 and 10 *unverified*.
OPENED_REASONS: Final[dict[int, str]] = {
    0: "Not applicable",
    1: "Result of Amalgamation",
    3: "New Provision",
    4: "Fresh Start",
    10: "Academy Converter",
    11: "Academy Free School",
}
# ReasonEstablishmentClosed (code) → name. Codes other than 0 *unverified*.
CLOSED_REASONS: Final[dict[int, str]] = {
    0: "Not applicable",
    1: "Result of Amalgamation/Merger",
    2: "Closure",
    3: "Academy Converter",
    4: "For Academy",
    5: "Close Nursery School",
    12: "Transferred to new sponsor",
}

# ReligiousCharacter (code) → name. 0 and 2 seen in GIAS-derived data; the rest *unverified*.
RELIGIONS: Final[dict[int, str]] = {
    0: "Does not apply",
    2: "Church of England",
    3: "Roman Catholic",
    4: "Methodist",
    6: "Church of England/Methodist",
    7: "Christian",
    11: "Jewish",
    12: "Muslim",
    13: "Sikh",
    99: "None",
}
CHURCH_OF_ENGLAND, ROMAN_CATHOLIC = 2, 3

# TrustSchoolFlag (code) → name. 0 and 3 seen in GIAS-derived data; the rest *unverified*.
TRUST_FLAGS: Final[dict[int, str]] = {
    0: "Not applicable",
    1: "Supported by a trust",
    2: "Not supported by a trust",
    3: "Supported by a multi-academy trust",
    5: "Supported by a single-academy trust",
}

GENDERS: Final[dict[int, str]] = {1: "Boys", 2: "Girls", 3: "Mixed"}
BOARDERS: Final[dict[int, str]] = {1: "No boarders", 2: "Boarding school"}
SIXTH_FORMS: Final[dict[int, str]] = {1: "Has a sixth form", 2: "Does not have a sixth form"}
ADMISSIONS: Final[dict[int, str]] = {0: "Not applicable", 1: "Non-selective", 2: "Selective"}
SPECIAL_CLASSES: Final[dict[int, str]] = {1: "Has Special Classes", 2: "No Special Classes"}

# Group Type (code) → name, as GIAS writes them (two-digit codes).
MAT, SAT, SECURE_SAT, FEDERATION, TRUST, SPONSOR, UMBRELLA = (
    "06",
    "10",
    "11",
    "01",
    "02",
    "05",
    "07",
)
GROUP_TYPES: Final[dict[str, str]] = {
    MAT: "Multi-academy trust",
    SAT: "Single-academy trust",
    SECURE_SAT: "Secure single-academy trust",
    FEDERATION: "Federation",
    TRUST: "Trust",
    SPONSOR: "School sponsor",
    UMBRELLA: "Umbrella trust",
}
ACADEMY_TRUST_GROUP_TYPES: Final = frozenset({MAT, SAT, SECURE_SAT})

# Group Status (code) → name. Codes *unverified*.
GROUP_STATUSES: Final[dict[str, str]] = {
    "OPEN": "Open",
    "CLOSED": "Closed",
    "PROPOSED_TO_OPEN": "Proposed to open",
    "PROPOSED_TO_CLOSE": "Proposed to close",
}

LINK_PREDECESSOR, LINK_SUCCESSOR = "Predecessor", "Successor"

URBAN_RURAL: Final[dict[str, str]] = {
    "A1": "(England/Wales) Urban major conurbation",
    "B1": "(England/Wales) Urban minor conurbation",
    "C1": "(England/Wales) Urban city and town",
    "C2": "(England/Wales) Urban city and town in a sparse setting",
    "D1": "(England/Wales) Rural town and fringe",
    "D2": "(England/Wales) Rural town and fringe in a sparse setting",
    "E1": "(England/Wales) Rural village",
    "E2": "(England/Wales) Rural village in a sparse setting",
    "F1": "(England/Wales) Rural hamlet and isolated dwellings",
    "F2": "(England/Wales) Rural hamlet and isolated dwellings in a sparse setting",
}

SEN_TYPES: Final[tuple[str, ...]] = (
    "ASD - Autistic Spectrum Disorder",
    "SEMH - Social, Emotional and Mental Health",
    "MLD - Moderate Learning Difficulty",
    "SLD - Severe Learning Difficulty",
    "PMLD - Profound and Multiple Learning Difficulty",
    "SLCN - Speech, language and Communication",
    "SpLD - Specific Learning Difficulty",
    "PD - Physical Disability",
    "HI - Hearing Impairment",
    "VI - Visual Impairment",
    "MSI - Multi-Sensory Impairment",
    "OTH - Other Difficulty/Disability",
)
