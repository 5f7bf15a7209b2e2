"""A case's constraints on its candidates, pure: which trusts a regional director would not
consider at all, before any ranking.

Defaults (every trigger): a church school's trust is of the same religious character (unless
the case records the diocese's agreement otherwise); the trust runs a school within
``DEFAULT_MAX_DISTANCE_KM`` of the case's schools; and it runs a school in the case's region
(unless widened). A trust a constraint removes is listed as excluded, with the reason. A
trust that runs no school yet is not removed by region or distance (there is nothing to
measure), only by religious character.

Why 50 km: a trust improves a school through people who visit it, often weekly; 50 km
between the school and the trust's nearest school is about an hour's drive in most of
England, and wider than any one LA, so it keeps every local trust while leaving out trusts
with no presence near the school. A working assumption (no DfE figure): each case may set
its own, or none.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

DEFAULT_MAX_DISTANCE_KM = 50.0
NON_FAITH = frozenset({"", "none", "does not apply", "not applicable"})

ConstraintCode = Literal["other_religious_character", "beyond_max_distance", "other_region"]


@dataclass(frozen=True, slots=True)
class Constraints:
    """What a case asks of every candidate trust."""

    same_religious_character: bool = True
    diocese_agreed_otherwise: bool = False
    max_distance_km: float | None = DEFAULT_MAX_DISTANCE_KM
    same_region: bool = True

    @property
    def faith_applies(self) -> bool:
        """Whether a church school's trust must share its religious character."""
        return self.same_religious_character and not self.diocese_agreed_otherwise


@dataclass(frozen=True, slots=True)
class CaseSchool:
    """What the constraints look at in one of the case's schools."""

    religious_character: str | None
    region_code: str | None
    easting: int | None
    northing: int | None


@dataclass(frozen=True, slots=True)
class TrustReach:
    """What the constraints look at in a trust: its schools' characters, regions, places."""

    faiths: frozenset[str]
    regions: frozenset[str]
    coords: tuple[tuple[int, int], ...]


def is_church(character: str | None) -> bool:
    """Whether a religious character names one (GIAS writes 'Does not apply' and 'None')."""
    return character is not None and character.strip().casefold() not in NON_FAITH


def removed_by(
    trust: TrustReach, schools: Sequence[CaseSchool], c: Constraints
) -> tuple[ConstraintCode, str] | None:
    """The first constraint that removes ``trust`` for the case, with the reason in words."""
    if c.faith_applies:
        for s in schools:
            character = s.religious_character
            if is_church(character) and character not in trust.faiths:
                return (
                    "other_religious_character",
                    f"Runs no {character} schools; the school is {character} and the case has"
                    " not recorded the diocese's agreement to another",
                )
    regions = {s.region_code for s in schools if s.region_code}
    # A trust that runs no school yet (a new trust) has no place to measure: region and
    # distance say nothing about it, and it is ranked on what else is known.
    if c.same_region and regions and trust.regions and not regions & trust.regions:
        return (
            "other_region",
            f"Runs no schools in region {', '.join(sorted(regions))} (the case's region)",
        )
    placed = [
        (s.easting, s.northing) for s in schools if s.easting is not None and s.northing is not None
    ]
    if c.max_distance_km is not None and placed and trust.coords:
        nearest = (
            min(math.hypot(e - ce, n - cn) for e, n in trust.coords for ce, cn in placed) / 1000
        )
        if nearest > c.max_distance_km:
            return (
                "beyond_max_distance",
                f"Nearest school {nearest:.1f} km away, beyond the case's limit of"
                f" {c.max_distance_km:g} km",
            )
    return None


# What a case asks until it sets its own (every trigger alike).
DEFAULT_CONSTRAINTS = Constraints()
