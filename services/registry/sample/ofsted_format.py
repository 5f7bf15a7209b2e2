"""The two Ofsted management-information (MI) formats, shared by the sample generator and the importer.

Since March 2025 GIAS carries no Ofsted columns; inspection outcomes come from Ofsted's monthly
MI CSV keyed by URN. Ofsted changed what an inspection produces on 10 November 2025, so the
sample writes **two files**, one per format, rather than one file whose columns half-apply:

``ofsted_mi_YYYYMMDD.csv`` — report cards (inspections starting on or after 10 November 2025):
  one column per evaluation area graded on the five-point scale (`REPORT_CARD_GRADES`), empty
  where the area does not apply (no early years, no sixth form), and `Safeguarding` Met / Not met.

``ofsted_mi_legacy_YYYYMMDD.csv`` — the single-grade format (inspections before that date):
  `Overall effectiveness` 1-4, `Category of concern` (empty / Special measures / Serious
  weaknesses), `Safeguarding is effective?` Yes/No, plus the four key judgements and the two
  where-applicable judgements on the same 1-4 scale (empty when not applicable).

Both start with the same identifying columns (`COMMON_COLUMNS`). Each file has at most one row
per URN: the report-card file holds a school's latest report card, the legacy file its latest
graded inspection before 10 November 2025, so a school inspected under both frameworks appears
in both files and an importer sees its history. Only open schools appear (Ofsted's MI lists
open providers). Dates are ``dd/mm/yyyy``; the files are Windows-1252, CRLF, every field quoted,
like the GIAS extracts.

Header names follow Ofsted's published MI where we know them (`URN`, `LAESTAB`, `School name`,
`Ofsted phase`, `Type of education`, `Inspection number`, `Inspection type`, `Inspection start
date`, `Publication date`, `Overall effectiveness`, `Category of concern`, the key judgements);
the report-card headers are our reading of the new framework's area names and are *unverified*
until Ofsted publishes a report-card MI file: keep them here, in one place.
"""

from __future__ import annotations

from datetime import date
from typing import Final

#: Inspections starting on or after this date (and before report cards) have key judgements
#: but no overall grade: the legacy file leaves `Overall effectiveness` empty for them.
KEY_JUDGEMENTS_ONLY_FROM: Final = date(2024, 9, 1)

#: Inspections starting on or after this date produce report cards.
REPORT_CARDS_FROM: Final = date(2025, 11, 10)

DATE_FORMAT: Final = "%d/%m/%Y"
ENCODING: Final = "cp1252"

COMMON_COLUMNS: Final[tuple[str, ...]] = (
    "URN",
    "LAESTAB",
    "School name",
    "Ofsted phase",
    "Type of education",
    "Local authority",
    "Ofsted region",
    "Inspection number",
    "Inspection type",
    "Inspection start date",
    "Inspection end date",
    "Publication date",
)

#: Report-card evaluation areas, in report order.
REPORT_CARD_AREAS: Final[tuple[str, ...]] = (
    "Curriculum and teaching",
    "Attendance and behaviour",
    "Personal development and well-being",
    "Leadership and governance",
    "Inclusion",
    "Achievement",
    "Early years",
    "Post-16",
)
#: Areas graded only where the school has that provision (empty otherwise).
REPORT_CARD_OPTIONAL_AREAS: Final[tuple[str, ...]] = ("Early years", "Post-16")

#: Best first.
REPORT_CARD_GRADES: Final[tuple[str, ...]] = (
    "Exceptional",
    "Strong standard",
    "Expected standard",
    "Needs attention",
    "Urgent improvement",
)
SAFEGUARDING_COLUMN: Final = "Safeguarding"
SAFEGUARDING_VALUES: Final[tuple[str, ...]] = ("Met", "Not met")

REPORT_CARD_COLUMNS: Final[tuple[str, ...]] = (
    *COMMON_COLUMNS,
    *REPORT_CARD_AREAS,
    SAFEGUARDING_COLUMN,
)

OVERALL_EFFECTIVENESS_COLUMN: Final = "Overall effectiveness"
#: Grade code → meaning.
OVERALL_EFFECTIVENESS: Final[dict[str, str]] = {
    "1": "Outstanding",
    "2": "Good",
    "3": "Requires improvement",
    "4": "Inadequate",
}
CATEGORY_OF_CONCERN_COLUMN: Final = "Category of concern"
CATEGORIES_OF_CONCERN: Final[tuple[str, ...]] = ("", "Special measures", "Serious weaknesses")
SAFEGUARDING_EFFECTIVE_COLUMN: Final = "Safeguarding is effective?"
SAFEGUARDING_EFFECTIVE_VALUES: Final[tuple[str, ...]] = ("Yes", "No")

#: Key judgements of the single-grade framework, each 1-4.
LEGACY_KEY_JUDGEMENTS: Final[tuple[str, ...]] = (
    "Quality of education",
    "Behaviour and attitudes",
    "Personal development",
    "Effectiveness of leadership and management",
)
#: Judged only where the school has the provision, each 1-4 or empty.
LEGACY_OPTIONAL_JUDGEMENTS: Final[tuple[str, ...]] = (
    "Early years provision (where applicable)",
    "Sixth form provision (where applicable)",
)

LEGACY_COLUMNS: Final[tuple[str, ...]] = (
    *COMMON_COLUMNS,
    OVERALL_EFFECTIVENESS_COLUMN,
    CATEGORY_OF_CONCERN_COLUMN,
    SAFEGUARDING_EFFECTIVE_COLUMN,
    *LEGACY_KEY_JUDGEMENTS,
    *LEGACY_OPTIONAL_JUDGEMENTS,
)

#: GOR region name → Ofsted region name (Ofsted merges two GOR regions).
OFSTED_REGIONS: Final[dict[str, str]] = {
    "North East": "North East, Yorkshire and the Humber",
    "Yorkshire and the Humber": "North East, Yorkshire and the Humber",
    "North West": "North West",
    "East Midlands": "East Midlands",
    "West Midlands": "West Midlands",
    "East of England": "East of England",
    "London": "London",
    "South East": "South East",
    "South West": "South West",
}


def report_card_file_name(snapshot: date) -> str:
    """File name of the report-card MI file for a snapshot date."""
    return f"ofsted_mi_{snapshot:%Y%m%d}.csv"


def legacy_file_name(snapshot: date) -> str:
    """File name of the single-grade MI file for a snapshot date."""
    return f"ofsted_mi_legacy_{snapshot:%Y%m%d}.csv"
