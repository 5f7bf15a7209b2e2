"""What every contract's nested values are: immutable, and refusing fields they do not know."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Value(BaseModel):
    """A value inside an event (a school's details, a file fetched, a pillar weight): frozen,
    so a decoded event cannot be changed in hand, and strict about unknown fields, so a
    misspelt field is an error rather than silently dropped."""

    model_config = ConfigDict(frozen=True, extra="forbid")
