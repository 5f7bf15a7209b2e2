"""Where a person acts, and where a resource is: pure, no framework.

A token's ``scopes`` claim is a list of labels, each one of:

* ``national``: the whole of England (national teams: auditors, data feeds, policy
  administrators, a minister's office);
* ``region:<GOR code>``: one of the nine regions (``A`` North East ... ``K`` South West,
  ``shared/reference/regions.csv``), as a regional director and their case teams;
* ``la:<DfE LA code>``: one local authority (``la:383`` Leeds), for those who act for a
  single LA's schools.

A resource's ``Place`` is the region and the LAs it belongs to: a case's region and its
schools' LAs, a school's region and LA, a trust's home region (where most of its open
schools are). A scope covers a place when it is national, names the place's region, or
names every one of the place's LAs. A place with no region and no LA (a school the
registry has no region for) is covered by national scope alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from shared import reference

NATIONAL = "national"
_LABEL = re.compile(r"^(?:(national)|region:([A-Z])|la:(\d{3}))$")
# The most labels one token may carry: nine regions and every LA of the largest region,
# with room to spare. A claim longer than this is an IdP mapping gone wrong, not a person.
MAX_SCOPES = 200


@cache
def region_codes() -> frozenset[str]:
    """The nine GOR codes."""
    return frozenset(reference.regions())


@cache
def la_codes() -> frozenset[str]:
    """Every English LA code the reference data knows."""
    return frozenset(reference.local_authorities())


class ScopeClaimError(ValueError):
    """A scope label that is malformed or names no known region or LA."""


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a principal acts: the whole country, some regions, some LAs, or nowhere."""

    national: bool = False
    regions: frozenset[str] = frozenset()
    las: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        """True when the principal acts nowhere (a token with no scopes)."""
        return not (self.national or self.regions or self.las)

    def labels(self) -> list[str]:
        """The scope as the labels a token carries, sorted (what an event records)."""
        out = [NATIONAL] if self.national else []
        out += [f"region:{r}" for r in sorted(self.regions)]
        out += [f"la:{la}" for la in sorted(self.las)]
        return out

    def covers(self, place: Place) -> bool:
        """True when a principal acting here may act on a resource at ``place``."""
        if self.national:
            return True
        if place.anywhere:
            return not self.empty
        if place.region is not None and place.region in self.regions:
            return True
        return bool(place.las) and place.las <= self.las

    def __str__(self) -> str:
        return ", ".join(self.labels()) or "no scope"


NO_SCOPE = Scope()
NATIONAL_SCOPE = Scope(national=True)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a resource is: its region and its LAs.

    ``anywhere`` is the place of something new that is in no region yet (a trust
    registered by hand with no schools and no founding LA): whoever acts somewhere may
    create it, and the event records the scope they acted under.
    """

    region: str | None = None
    las: frozenset[str] = frozenset()
    anywhere: bool = False

    @classmethod
    def of_la(cls, la_code: str) -> Place:
        """The place of one LA: its region (from the reference data) and the LA."""
        la = reference.local_authorities().get(la_code)
        return cls(region=None if la is None else la.region_code, las=frozenset({la_code}))

    def label(self) -> str:
        """How an event records the place: ``region:H``, ``la:383``, or ``anywhere``."""
        if self.anywhere:
            return "anywhere"
        if self.region is not None:
            return f"region:{self.region}"
        if self.las:
            return ",".join(f"la:{la}" for la in sorted(self.las))
        return "unplaced"

    def __str__(self) -> str:
        if self.anywhere:
            return "in no region yet"
        if self.region is not None:
            name = reference.regions().get(self.region)
            return f"region {self.region}" + (f" ({name.name})" if name else "")
        if self.las:
            return "LA " + ", ".join(sorted(self.las))
        return "in no known region"


ANYWHERE = Place(anywhere=True)


def place_of_schools(schools: Iterable[tuple[str | None, str | None]]) -> Place:
    """The place of something made of schools, given each school's ``(region, LA)``: a trust,
    a group of schools. Its region is the one most of them are in (a tie goes to the first
    in code order, so the answer depends on nothing else); its LAs are all of theirs.
    No schools, or none with a region: a place only national scope covers."""
    counts: dict[str, int] = {}
    las: set[str] = set()
    for region, la in schools:
        if region is not None:
            counts[region] = counts.get(region, 0) + 1
        if la is not None:
            las.add(la)
    region = min(counts, key=lambda r: (-counts[r], r)) if counts else None
    return Place(region=region, las=frozenset(las))


def parse_label(label: str) -> tuple[str, str | None]:
    """``(kind, code)`` of one label: ``("national", None)``, ``("region", "H")``, ``("la",
    "383")``; ScopeClaimError saying what is wrong otherwise."""
    found = _LABEL.match(label)
    if found is None:
        raise ScopeClaimError(
            f"{label!r} is not a scope: use 'national', 'region:<GOR code>' or 'la:<LA code>'"
        )
    national, region, la = found.groups()
    if national:
        return "national", None
    if region is not None:
        if region not in region_codes():
            raise ScopeClaimError(
                f"{label!r} names no English region; the regions are "
                + ", ".join(sorted(region_codes()))
            )
        return "region", region
    if la not in la_codes():
        raise ScopeClaimError(f"{label!r} names no English local authority")
    return "la", la


def parse_scopes(labels: Iterable[str]) -> Scope:
    """The scope the labels describe; ScopeClaimError naming the first bad one."""
    national = False
    regions: set[str] = set()
    las: set[str] = set()
    for label in labels:
        kind, code = parse_label(label)
        if kind == "national":
            national = True
        elif kind == "region":
            assert code is not None
            regions.add(code)
        else:
            assert code is not None
            las.add(code)
    return Scope(national=national, regions=frozenset(regions), las=frozenset(las))
