"""Deterministic synthetic GIAS and Ofsted extracts, in the real file formats.

``write_sample(out_dir, schools=25_000, seed=1)`` writes, for the snapshot date YYYYMMDD:

- ``edubasealldataYYYYMMDD.csv`` — every establishment, open and closed (all GIAS columns);
- ``allgroupsdataYYYYMMDD.csv`` — trusts, federations, sponsors, foundation trusts;
- ``alllinksdataYYYYMMDD.csv`` — one row per establishment–group link;
- ``links_edubasealldataYYYYMMDD.csv`` — predecessor/successor links, both directions;
- ``ofsted_mi_YYYYMMDD.csv`` and ``ofsted_mi_legacy_YYYYMMDD.csv`` — Ofsted report cards and
  single-grade inspections (see ``ofsted_format``).

Formats are GIAS's (see ``gias_format``): Windows-1252, CRLF, every field quoted, dates
``dd-mm-yyyy`` in the establishment files and ``dd/mm/yyyy`` in the group files. The same
``(schools, seed, snapshot)`` always gives byte-identical files.

What the data looks like: real LA codes and names weighted by size, schools clustered around
each LA's centre; ~80% primary, ~15% secondary; a little over half of open schools academies;
~8% of schools closed, a few proposed to open or close; converters and sponsored academies
linked to the maintained school they replaced; about one academy trust per 4-5 academies,
from single-academy trusts to a few with 50+ schools; a few closed trusts, federations,
sponsors and foundation trusts (none of them academy trusts); a few LA-established trusts,
marked only by their name ("<LA name> Local Authority Trust"), as in GIAS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from random import Random

from services.registry.sample import ofsted_format as of
from services.registry.sample.generate import build
from services.registry.sample.gias_format import file_name
from services.registry.sample.rows import group_row, link_rows, ofsted_row, succession_rows
from services.registry.sample.writer import EstablishmentRows, write_csv
from shared.reference import gias_columns

__all__ = ["SampleFiles", "write_sample"]


@dataclass(frozen=True)
class SampleFiles:
    """The six files one ``write_sample`` call wrote."""

    establishments: Path
    groups: Path
    group_links: Path
    establishment_links: Path
    ofsted: Path
    ofsted_legacy: Path

    def all(self) -> tuple[Path, ...]:
        """Every path, in the order above."""
        return (
            self.establishments,
            self.groups,
            self.group_links,
            self.establishment_links,
            self.ofsted,
            self.ofsted_legacy,
        )


def write_sample(
    out_dir: Path,
    *,
    schools: int,
    seed: int,
    snapshot: date = date(2026, 11, 1),
    progress: Callable[[int], None] | None = None,
) -> SampleFiles:
    """Write a synthetic GIAS + Ofsted snapshot of ``schools`` schools into ``out_dir``.

    ``progress(n)`` is called with the number of rows written since the previous call (so
    ``tqdm``'s ``update`` fits), about every thousand rows and at the end of each file.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    world = build(schools, seed, snapshot)
    files = SampleFiles(
        establishments=out_dir / file_name("edubasealldata", snapshot),
        groups=out_dir / file_name("allgroupsdata", snapshot),
        group_links=out_dir / file_name("alllinksdata", snapshot),
        establishment_links=out_dir / file_name("links_edubasealldata", snapshot),
        ofsted=out_dir / of.report_card_file_name(snapshot),
        ofsted_legacy=out_dir / of.legacy_file_name(snapshot),
    )
    by_urn = sorted(world.schools, key=lambda s: s.urn)
    by_uid = sorted(world.groups, key=lambda grp: grp.uid)
    establishments = EstablishmentRows(Random(f"{seed}:cosmetic"), snapshot)
    write_csv(
        files.establishments,
        gias_columns("edubasealldata"),
        (establishments.row(s) for s in by_urn),
        progress,
    )
    group_rng = Random(f"{seed}:groups")
    write_csv(
        files.groups,
        gias_columns("allgroupsdata"),
        (group_row(grp, group_rng) for grp in by_uid),
        progress,
    )
    write_csv(files.group_links, gias_columns("alllinksdata"), link_rows(by_uid), progress)
    write_csv(
        files.establishment_links,
        gias_columns("links_edubasealldata"),
        succession_rows(by_urn),
        progress,
    )
    inspections = sorted(world.inspections, key=lambda i: i.school.urn)
    write_csv(
        files.ofsted,
        of.REPORT_CARD_COLUMNS,
        (ofsted_row(i) for i in inspections if i.report_card),
        progress,
    )
    write_csv(
        files.ofsted_legacy,
        of.LEGACY_COLUMNS,
        (ofsted_row(i) for i in inspections if not i.report_card),
        progress,
    )
    return files
