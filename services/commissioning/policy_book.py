"""Commissioning's policies as data: who may act (``authority``) and how a case team may
intervene in a school in a category of concern (``intervention``). Seeded from
``policies/<kind>/v<N>.json``."""

from __future__ import annotations

import json
from importlib.resources import files

from services.commissioning.school_interventions.policy import (
    INTERVENTION_POLICY,
    InterventionPolicy,
)
from services.commissioning.school_interventions.policy import check as check_intervention
from shared.authority.table import AUTHORITY, AUTHORITY_KIND
from shared.contracts.commissioning import PolicyVersionPublished
from shared.policy.book import PolicyBook, PolicyKind

SEEDS = files("services.commissioning").joinpath("policies")

INTERVENTION_KIND = PolicyKind(
    name=INTERVENTION_POLICY,
    title="Intervention pathways",
    description=(
        "For each category of concern and kind of school (maintained, academy, trust): the"
        " steps a case team may take and in what order, who may decide each, the notices and"
        " their response periods in working days, and the RISE window."
    ),
    document=InterventionPolicy,
    check=check_intervention,
    example=json.loads(SEEDS.joinpath(INTERVENTION_POLICY, "v1.json").read_text("utf-8"))[
        "document"
    ],
)

POLICIES = PolicyBook(
    service="commissioning",
    contract=PolicyVersionPublished,
    kinds={AUTHORITY: AUTHORITY_KIND, INTERVENTION_POLICY: INTERVENTION_KIND},
    seeds=SEEDS,
)
