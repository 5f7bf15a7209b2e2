"""What the registry's reads share: what counts as open, trust sizes, a school's details on
a date, LIKE patterns and cursors."""

from __future__ import annotations

from collections.abc import Sequence

from shared.http.paging import encode_cursor

# Schools that count as open for coverage (GIAS's EstablishmentStatus names).
OPEN_STATUSES: tuple[str, ...] = ("Open", "Open, but proposed to close")
# Trust sizes by open schools: (smallest, largest or None for no limit).
TRUST_SIZE_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (1, 1),
    (2, 5),
    (6, 10),
    (11, 20),
    (21, 50),
    (51, None),
)
OFSTED_TYPE = "registry.OfstedInspectionRecorded"


def contains_pattern(q: str) -> str:
    """A LIKE pattern matching ``q`` anywhere, in any case, its own % and _ taken literally."""
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def page_cursor(keys: Sequence[int], limit: int) -> str | None:
    """The cursor of the next page, if ``keys`` (one more than ``limit``) run past this one."""
    return encode_cursor(keys[limit - 1]) if len(keys) > limit else None


# A school's details on a date: the latest version valid then or, for a date before the
# first one (the school predates its first GIAS snapshot here), the earliest known.
DETAILS_ON = """
SELECT v.valid_from, v.details FROM registry_school_versions v
 WHERE v.urn = {urn}
 ORDER BY v.valid_from <= {on} DESC, CASE WHEN v.valid_from <= {on} THEN v.valid_from END DESC,
          v.valid_from, v.stream_version DESC
 LIMIT 1
"""
