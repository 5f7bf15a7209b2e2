"""The registry's policies as data: who may act (``authority``), how Ofsted's grades place a
school in a category of concern (``ofsted_categories``), which schools are stuck
(``stuck_schools``), and the columns of a trust-inspection file (``trust_inspection_format``).
Seeded from ``policies/<kind>/v<N>.json``."""

from __future__ import annotations

import json
from importlib.resources import files

from services.registry.ofsted.categories import CATEGORIES_POLICY, OfstedCategories
from services.registry.ofsted.categories import check as check_categories
from services.registry.stuck.rules import STUCK_POLICY, StuckSchools
from services.registry.stuck.rules import check as check_stuck
from services.registry.trust_inspections.format import FORMAT_POLICY, TrustInspectionFormat
from services.registry.trust_inspections.format import check as check_format
from shared.authority.table import AUTHORITY, AUTHORITY_KIND
from shared.contracts.registry import PolicyVersionPublished
from shared.policy.book import PolicyBook, PolicyKind

SEEDS = files("services.registry").joinpath("policies")


def _shipped(kind: str) -> dict[str, object]:
    """The document of a kind's first shipped version: the publish route's example."""
    text = SEEDS.joinpath(kind, "v1.json").read_text("utf-8")
    document: dict[str, object] = json.loads(text)["document"]
    return document


CATEGORIES_KIND = PolicyKind(
    name=CATEGORIES_POLICY,
    title="Ofsted categories of concern",
    description=(
        "For each era of Ofsted school inspection: its areas and grade words, the days its"
        " inspections start on, when a category of concern is possible, and the ordered rules"
        " deriving one where the file gives none."
    ),
    document=OfstedCategories,
    check=check_categories,
    example=_shipped(CATEGORIES_POLICY),
)

STUCK_KIND = PolicyKind(
    name=STUCK_POLICY,
    title="Stuck schools (RISE eligibility)",
    description=(
        "Per Ofsted era: when the latest graded inspection is requires improvement or"
        " equivalent, and when the one before was below good or equivalent; whether a"
        " category of concern excludes a school, and whether the same structure means the"
        " same trust."
    ),
    document=StuckSchools,
    check=check_stuck,
    example=_shipped(STUCK_POLICY),
)

TRUST_INSPECTION_FORMAT_KIND = PolicyKind(
    name=FORMAT_POLICY,
    title="Trust inspection import format",
    description=(
        "The columns of a file of Ofsted's inspections of academy trusts: the column giving"
        " each field, the judgement areas with the outcome words each allows, which columns"
        " are required, and how dates are written. Ofsted has published no format: each"
        " area says whether it was verified."
    ),
    document=TrustInspectionFormat,
    check=check_format,
    example=_shipped(FORMAT_POLICY),
)

POLICIES = PolicyBook(
    service="registry",
    contract=PolicyVersionPublished,
    kinds={
        AUTHORITY: AUTHORITY_KIND,
        CATEGORIES_POLICY: CATEGORIES_KIND,
        STUCK_POLICY: STUCK_KIND,
        FORMAT_POLICY: TRUST_INSPECTION_FORMAT_KIND,
    },
    seeds=SEEDS,
)
