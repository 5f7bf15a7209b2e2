"""Reads over the registry's read models, each answering one API question with a view.

One module per part of the API: ``schools``, ``trusts``, ``stats`` (coverage) and
``areas``; ``paging`` holds what they share. Lists are ordered by their key (URN, trust
UID) and paginated with an opaque cursor that holds the last key seen, so pages stay stable
while rows are added or changed.
"""

from __future__ import annotations

from services.registry.queries.areas import find_area, get_area, list_areas
from services.registry.queries.common import OPEN_STATUSES, TRUST_SIZE_BUCKETS
from services.registry.queries.schools import (
    SchoolFilters,
    get_school,
    get_school_history,
    list_schools,
)
from services.registry.queries.stats import bucket_trust_sizes, coverage
from services.registry.queries.trusts import (
    TrustFilters,
    get_trust,
    list_trust_schools,
    list_trusts,
)

__all__ = [
    "OPEN_STATUSES",
    "TRUST_SIZE_BUCKETS",
    "SchoolFilters",
    "TrustFilters",
    "bucket_trust_sizes",
    "coverage",
    "find_area",
    "get_area",
    "get_school",
    "get_school_history",
    "get_trust",
    "list_areas",
    "list_schools",
    "list_trust_schools",
    "list_trusts",
]
