"""Where synthetic schools go: each LA's size, centre, towns, postcodes and dioceses.

Reads ``la_geography.csv`` and ``districts.csv`` beside this module (rough approximations for
synthetic data, not reference data) and joins them to the reference LA list. The Isles of
Scilly centre is moved onto Land's End so every point stays inside the England box used here.
"""

from __future__ import annotations

import csv
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from shared.reference import local_authorities

HERE = Path(__file__).parent

#: Bounding box every synthetic point is clamped into (BNG metres).
EASTING_RANGE = (134_000, 655_000)
NORTHING_RANGE = (10_000, 657_000)

# Regions with high free-school-meal rates get a higher base (percent); *approximate*.
REGION_FSM = {"A": 29.0, "B": 27.0, "D": 26.0, "E": 23.0, "F": 27.0, "G": 19.0, "H": 26.0}
DEFAULT_FSM = 18.0

METROPOLITAN_PREFIXES = ("33", "34", "35", "37", "38", "39")
SPARSE_LAS = frozenset({"929", "942", "943", "815", "908", "878", "925", "884", "893", "420"})


@dataclass(frozen=True)
class District:
    """A district inside an LA (or the whole LA when it has no district list)."""

    name: str
    gss: str
    share: float
    easting: int
    northing: int
    radius_m: int
    town: str | None
    #: Position among all districts, for synthetic MSOA/LSOA codes that never collide.
    index: int = 0


@dataclass(frozen=True)
class LaGeo:
    """One LA with what the generator needs to place and describe its schools."""

    code: str
    name: str
    region_code: str
    region_name: str
    schools: int
    easting: int
    northing: int
    radius_m: int
    county: str
    towns: tuple[str, ...]
    postcodes: tuple[str, ...]
    ce_diocese: str
    rc_diocese: str
    gss: str
    kind: str  # "london", "metropolitan", "unitary" or "county"
    fsm_base: float
    districts: tuple[District, ...]

    @property
    def sparse(self) -> bool:
        """Whether the LA is sparsely populated (rural schools get the sparse urban-rural codes)."""
        return self.code in SPARSE_LAS


def gss_code(prefix: str, key: str) -> str:
    """A stable, GSS-shaped code (e.g. ``E07012345``) for a name; synthetic, not the real code."""
    return f"{prefix}{zlib.crc32(key.encode()) % 1_000_000:06d}"


def _rows(name: str) -> list[dict[str, str]]:
    with (HERE / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def _kind(code: str, county: str, name: str) -> str:
    if code.startswith(("2", "30", "31", "32")):
        return "london"
    if code.startswith(METROPOLITAN_PREFIXES):
        return "metropolitan"
    return "county" if county == name else "unitary"


@cache
def _geography() -> tuple[LaGeo, ...]:
    las = local_authorities()
    county_districts: dict[str, list[dict[str, str]]] = {}
    for r in _rows("districts.csv"):
        county_districts.setdefault(r["la_code"], []).append(r)
    rows = sorted(_rows("la_geography.csv"), key=lambda r: r["la_code"])
    out = []
    index = 0
    for number, r in enumerate(rows, start=1):
        la = las[r["la_code"]]
        kind = _kind(la.code, r["county"], la.name)
        prefix = {"london": "E09", "metropolitan": "E08", "unitary": "E06", "county": "E10"}[kind]
        # GSS-shaped (E08000035 style) but synthetic: numbered in LA-code order.
        gss = f"{prefix}000{number:03d}"
        radius = int(float(r["radius_km"]) * 1000)
        own: list[District] = []
        for d in county_districts.get(la.code, []):
            index += 1
            own.append(
                District(
                    name=d["district"],
                    gss=f"E07000{index:03d}",
                    share=float(d["share"]),
                    easting=int(d["easting"]),
                    northing=int(d["northing"]),
                    radius_m=int(float(d["radius_km"]) * 1000),
                    town=d["town"],
                    index=index,
                )
            )
        if not own:
            index += 1
            own.append(
                District(
                    la.name, gss, 1.0, int(r["easting"]), int(r["northing"]), radius, None, index
                )
            )
        # A stable per-LA offset so neighbouring LAs differ in deprivation.
        offset = (zlib.crc32(la.code.encode()) % 1100) / 100 - 5.5
        out.append(
            LaGeo(
                code=la.code,
                name=la.name,
                region_code=la.region_code,
                region_name=la.region_name,
                schools=int(r["schools"]),
                easting=int(r["easting"]),
                northing=int(r["northing"]),
                radius_m=radius,
                county=r["county"],
                towns=tuple(r["towns"].split(";")),
                postcodes=tuple(r["postcodes"].split(";")),
                ce_diocese=r["ce_diocese"],
                rc_diocese=r["rc_diocese"],
                gss=gss,
                kind=kind,
                fsm_base=REGION_FSM.get(la.region_code, DEFAULT_FSM) + offset,
                districts=tuple(own),
            )
        )
    missing = sorted(set(las) - {g.code for g in out})
    if missing:
        raise ValueError(f"la_geography.csv has no row for LA codes {missing}")
    return tuple(out)


def geography() -> tuple[LaGeo, ...]:
    """Every English LA with its synthetic-data geography, ordered by LA code."""
    return _geography()


RC_ARCHDIOCESES = frozenset({"Birmingham", "Liverpool", "Southwark", "Westminster", "Cardiff"})


@cache
def dioceses() -> dict[tuple[int, str], tuple[str, str]]:
    """(religion code, short diocese name) → (Diocese (code), Diocese (name)); codes synthetic."""
    geo = _geography()
    out: dict[tuple[int, str], tuple[str, str]] = {}
    for i, short in enumerate(sorted({g.ce_diocese for g in geo}), start=1):
        out[(2, short)] = (f"CE{i:02d}", f"Diocese of {short}")
    for i, short in enumerate(sorted({g.rc_diocese for g in geo}), start=1):
        title = "Archdiocese" if short in RC_ARCHDIOCESES else "Diocese"
        out[(3, short)] = (f"RC{i:02d}", f"RC {title} of {short}")
    return out
