"""What every contract's nested values are (immutable, refusing fields they do not know), and
the values more than one family of events carries."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Value(BaseModel):
    """A value inside an event (a school's details, a file fetched, a pillar weight): frozen,
    so a decoded event cannot be changed in hand, and strict about unknown fields, so a
    misspelt field is an error rather than silently dropped."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class EqualityRecord(Value):
    """The public sector equality duty, as a decision (on a case or a significant change)
    considered it."""

    likely_impact: str = Field(min_length=1, max_length=4000)
    mitigation: str = Field(min_length=1, max_length=4000)


# The decision maker's grade (DOMAIN.md); ``other`` names it in text. Which grade may decide
# which outcome is the ``decision_makers`` policy's to say.
DecisionMakerGrade = Literal[
    "minister",
    "director_general",
    "regional_director",
    "deputy_director",
    "grade_6",
    "other",
]
