"""Where schools are, remembered for a while: the maps' grid references.

The registry's lists carry no easting or northing, so a map asks for each school's details.
A school's grid reference is public register data that almost never changes, so the console
keeps the answers for a quarter of an hour (bounded), which spares a map of the same schools
those calls on the next page. Which schools a page shows still comes from an API the user's
own token was checked on; only their positions are remembered.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

Place = tuple[int | None, int | None]


class GridReferences:
    """Easting and northing by URN, each kept ``ttl_s`` seconds, at most ``max_entries``."""

    def __init__(
        self,
        *,
        ttl_s: float = 900.0,
        max_entries: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.clock = clock
        self._kept: OrderedDict[int, tuple[float, Place]] = OrderedDict()

    def known(self, urns: Iterable[int]) -> dict[int, Place]:
        """The places still fresh among ``urns``."""
        now = self.clock()
        out: dict[int, Place] = {}
        for urn in urns:
            entry = self._kept.get(urn)
            if entry is None:
                continue
            if now - entry[0] > self.ttl_s:
                del self._kept[urn]
                continue
            out[urn] = entry[1]
        return out

    def remember(self, places: dict[int, Place]) -> None:
        """Keep ``places``; the oldest go first once full."""
        now = self.clock()
        for urn, place in places.items():
            self._kept[urn] = (now, place)
            self._kept.move_to_end(urn)
        while len(self._kept) > self.max_entries:
            self._kept.popitem(last=False)


GRID_REFERENCES = GridReferences()
