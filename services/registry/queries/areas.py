"""Education Investment Areas and priority areas, with their coverage."""

from __future__ import annotations

import asyncpg

from services.registry.queries.stats import area_coverage, areas_in_name_order, share
from services.registry.schemas import (
    AreaList,
    AreaView,
)
from shared import reference
from shared.errors import NotFound
from shared.reference import Area


def find_area(name: str) -> Area:
    """The area called ``name`` in any case; NotFound if there is none."""
    wanted = name.casefold()
    for area in reference.areas():
        if area.name.casefold() == wanted:
            return area
    raise NotFound(f"No area is called {name!r}.", extra={"name": name})


def _area_view(area: Area, row: asyncpg.Record) -> AreaView:
    open_, in_trust = row["schools_open"], row["in_trust"]
    pupils_in, pupils_total = row["pupils_in"], row["pupils_in"] + row["pupils_out"]
    return AreaView(
        name=area.name,
        kind=area.kind,
        la_codes=list(area.la_codes),
        districts=list(area.districts),
        priority=area.priority,
        eia=area.is_eia,
        schools_open=open_,
        schools_in_trust=in_trust,
        schools_not_in_trust=open_ - in_trust,
        pupils_in_trust=pupils_in,
        pupils_total=pupils_total,
        share_schools_in_trust=share(in_trust, open_),
        share_pupils_in_trust=share(pupils_in, pupils_total),
    )


async def list_areas(pool: asyncpg.Pool, *, priority: bool | None) -> AreaList:
    """Every area in name order (only priority areas, or only the others, if asked)."""
    areas = [a for a in areas_in_name_order() if priority is None or a.priority == priority]
    async with pool.acquire() as conn:
        rows = await area_coverage(conn, areas)
    return AreaList(items=[_area_view(a, r) for a, r in zip(areas, rows, strict=True)])


async def get_area(pool: asyncpg.Pool, name: str) -> AreaView:
    """One area, named in any case, with its figures; NotFound if there is no such area."""
    area = find_area(name)
    async with pool.acquire() as conn:
        (row,) = await area_coverage(conn, [area])
    return _area_view(area, row)
