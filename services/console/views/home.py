"""The start page's choices, by role."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Start:
    """A piece of work, where to begin it, and who it is for."""

    title: str
    href: str
    text: str


@dataclass(frozen=True)
class StartPage:
    """What the signed-in person can start from here."""

    items: list[Start]

    @classmethod
    def build(cls, roles: Sequence[str]) -> StartPage:
        """Everyone reads; the rest follows the roles (the APIs still decide)."""
        items = [
            Start(
                "Find a school", "/schools", "Its trust today and on any date, inspections, cases."
            ),
            Start(
                "Trusts", "/trusts", "Schools on a map, the five pillars side by side, indicators."
            ),
            Start(
                "Cases", "/cases", "Criteria, ranked candidates with reasons, board and decision."
            ),
        ]
        # Who reads notices and area plans (commissioning's authority table).
        if {"reader", "caseworker", "decision_maker", "auditor", "admin"} & set(roles):
            items += [
                Start(
                    "Interventions",
                    "/interventions",
                    "Notices against trusts, their steps, and the responses that fall due.",
                ),
                Start(
                    "Area plans",
                    "/areas",
                    "Coverage over time, and the schools not yet in a trust on a map.",
                ),
            ]
        if {"assessor", "moderator"} & set(roles):
            items.insert(
                2,
                Start(
                    "Assessments",
                    "/assessments",
                    "Evidence, judgements, moderation and publication.",
                ),
            )
        if "auditor" in roles:
            items.append(
                Start("Audit", "/audit", "Timelines across services, chain verification, exports.")
            )
        if "data_feed" in roles:
            items.append(
                Start("Imports", "/imports/new", "Upload a GIAS snapshot and read its report.")
            )
        return cls(items)
