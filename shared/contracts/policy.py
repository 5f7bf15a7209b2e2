"""The shape every service's policy versions share: policy is data, versioned, dated, sourced.

A policy (intervention pathways, decision reason codes, a project's task template, the
rules deriving an Ofsted category of concern, who may decide what) is a document of a
known kind. Each version is a fact in the log with the date it takes effect from and the
sources it was written from, each marked verified or not. Work records the version it
followed; a new version changes new work only. A change in the law is a new version:
data, not code.

Each publishing service registers its own subclass (``registry.PolicyVersionPublished``,
``commissioning.PolicyVersionPublished``), so ownership of its policy streams is its own.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from shared.eventlog.contracts import EventContract, JsonObject

PolicyName = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_]{1,63}$",
        description="The kind of policy, e.g. `decision_reasons`.",
    ),
]


class PolicySource(BaseModel):
    """Where a policy's facts come from, and whether they were checked against it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    url: str | None = Field(default=None, max_length=1000)
    # False: written from a summary or a service's code, not checked against the source
    # itself; the version says so wherever it is shown.
    # Strict: JSON true is not 1 (stored versions hold JSON booleans, which read the same).
    verified: StrictBool
    note: str | None = Field(default=None, max_length=2000)


class PolicyVersionFields(EventContract):
    """A version of a policy: its document, the day it takes effect from, and its sources."""

    policy: PolicyName
    policy_version: int = Field(ge=1)
    effective_from: date
    title: str = Field(min_length=1, max_length=300)
    summary: str | None = Field(default=None, max_length=4000)
    sources: list[PolicySource] = Field(min_length=1, max_length=50)
    # Validated by the policy's kind when published (shared/policy/book.py); kept here as
    # plain JSON so a kind's schema can grow without a new version of this contract.
    document: JsonObject


def policy_stream(service: str, policy: str) -> str:
    """The stream holding every version of one service's policy."""
    return f"{service}_policy-{policy}"


def policy_category(service: str) -> str:
    """The stream category of a service's policies (owned by that service alone)."""
    return f"{service}_policy"
