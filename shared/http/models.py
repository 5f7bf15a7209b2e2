"""The two kinds of model a route speaks: what it is sent, and what it answers.

A request refuses fields it does not know, so a misspelt field is a 422 naming it rather
than a value silently ignored; an answer is frozen, so a view built once is not changed on
its way out.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class ViewModel(BaseModel):
    """A response body: built once, never changed."""

    model_config = ConfigDict(frozen=True)
