"""Reference lists the registry needs: local authorities, regions, Education Investment Areas
and the GIAS column headers, loaded from the data files beside this module.

The files are data, not code: when DfE publishes a change (an LA split, a new priority area,
a GIAS column added or dropped) the file changes and nothing else. Each loader reads its file
once per process; the values are frozen dataclasses and the containers are fresh copies, so a
caller cannot change what the next caller sees.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

HERE = Path(__file__).parent

GiasFile = Literal["edubasealldata", "allgroupsdata", "alllinksdata", "links_edubasealldata"]
GIAS_FILES: tuple[GiasFile, ...] = (
    "edubasealldata",
    "allgroupsdata",
    "alllinksdata",
    "links_edubasealldata",
)


@dataclass(frozen=True)
class Region:
    """A Government Office Region as GIAS names it (`GOR (code)` / `GOR (name)`)."""

    code: str
    name: str


@dataclass(frozen=True)
class LocalAuthority:
    """An English local authority: DfE 3-digit code, GIAS name and its region."""

    code: str
    name: str
    region_code: str
    region_name: str


@dataclass(frozen=True)
class Area:
    """An area that commissioning plans by: a set of whole LAs, or districts inside one LA.

    ``kind == "la"``: the area is the whole of each LA in ``la_codes`` (the 55 Education
    Investment Areas). ``kind == "district"``: the area is the named ``districts`` of the LA
    (six of the 24 priority areas, e.g. Hastings inside East Sussex).
    """

    name: str
    kind: Literal["la", "district"]
    la_codes: tuple[str, ...]
    districts: tuple[str, ...]
    priority: bool

    @property
    def is_eia(self) -> bool:
        """Whether this is one of the 55 Education Investment Areas (whole LAs)."""
        return self.kind == "la"


def _data_rows(name: str) -> Iterator[dict[str, str]]:
    """Rows of a CSV data file, skipping `#` comment lines."""
    with (HERE / name).open(encoding="utf-8", newline="") as f:
        yield from csv.DictReader(line for line in f if not line.startswith("#"))


def _lines(path: Path) -> tuple[str, ...]:
    with path.open(encoding="utf-8") as f:
        return tuple(s for s in (line.strip() for line in f) if s)


@cache
def _regions() -> tuple[Region, ...]:
    return tuple(Region(r["region_code"], r["region_name"]) for r in _data_rows("regions.csv"))


@cache
def _local_authorities() -> tuple[LocalAuthority, ...]:
    by_code = {r.code: r for r in _regions()}
    las = []
    for r in _data_rows("local_authorities.csv"):
        region = by_code[r["region_code"]]
        if region.name != r["region_name"]:
            raise ValueError(
                f"LA {r['la_code']}: region name {r['region_name']!r} != {region.name!r}"
            )
        las.append(LocalAuthority(r["la_code"], r["la_name"], region.code, region.name))
    return tuple(las)


@cache
def _areas() -> tuple[Area, ...]:
    known = {la.code for la in _local_authorities()}
    out = []
    for r in _data_rows("areas.csv"):
        kind = r["kind"]
        if kind not in ("la", "district"):
            raise ValueError(f"area {r['area']!r}: unknown kind {kind!r}")
        codes = tuple(c for c in r["la_codes"].split(";") if c)
        if not codes or any(c not in known for c in codes):
            raise ValueError(f"area {r['area']!r}: unknown LA codes {codes}")
        out.append(
            Area(
                name=r["area"],
                kind="la" if kind == "la" else "district",
                la_codes=codes,
                districts=tuple(d for d in r["districts"].split(";") if d),
                priority=r["priority"] == "yes",
            )
        )
    return tuple(out)


def regions() -> dict[str, Region]:
    """The nine English regions keyed by GOR code (A, B, D, E, F, G, H, J, K)."""
    return {r.code: r for r in _regions()}


def local_authorities() -> dict[str, LocalAuthority]:
    """Every English local authority keyed by its 3-digit DfE LA code (e.g. "383" Leeds)."""
    return {la.code: la for la in _local_authorities()}


def areas() -> list[Area]:
    """All planning areas: the 55 EIAs (whole LAs) and the six district priority areas."""
    return list(_areas())


def eias() -> list[Area]:
    """The 55 Education Investment Areas."""
    return [a for a in _areas() if a.is_eia]


def priority_areas() -> list[Area]:
    """The 24 priority Education Investment Areas (18 whole LAs, 6 districts)."""
    return [a for a in _areas() if a.priority]


@cache
def eia_names() -> tuple[str, ...]:
    """The 55 EIA names exactly as DfE lists them (eias.txt)."""
    return _lines(HERE / "eias.txt")


@cache
def priority_eia_names() -> tuple[str, ...]:
    """The 24 priority EIA names exactly as DfE lists them (priority_eias.txt)."""
    return _lines(HERE / "priority_eias.txt")


@cache
def gias_columns(file: GiasFile) -> tuple[str, ...]:
    """The column headers of a GIAS extract, in file order (e.g. ``gias_columns("edubasealldata")``)."""
    if file not in GIAS_FILES:
        raise ValueError(f"unknown GIAS file {file!r}")
    return _lines(HERE / "gias_columns" / f"{file}.columns.txt")
