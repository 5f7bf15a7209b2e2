"""Commissioning's policies as data, seeded from ``policies/<kind>/v<N>.json``: who may act
(``authority``), how a case team may intervene in a school in a category of concern
(``intervention``), the coded reasons for decisions and who may decide what, and transfer
projects' task templates and the coded reasons for changing a significant date, and the
types of significant change to an academy (``significant_change_types``)."""

from __future__ import annotations

import json
from importlib.resources import files

from services.commissioning.decisions.policy import (
    DECISION_MAKERS,
    DECISION_MAKERS_KIND,
    DECISION_REASONS,
    DECISION_REASONS_KIND,
)
from services.commissioning.projects.policy import (
    DATE_CHANGE_REASONS,
    DATE_CHANGE_REASONS_KIND,
    PROJECT_TEMPLATES,
    PROJECT_TEMPLATES_KIND,
)
from services.commissioning.school_interventions.policy import (
    INTERVENTION_POLICY,
    InterventionPolicy,
)
from services.commissioning.school_interventions.policy import check as check_intervention
from services.commissioning.significant_changes.policy import (
    SIGNIFICANT_CHANGE_TYPES,
    SIGNIFICANT_CHANGE_TYPES_KIND,
)
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
    example=json.loads(SEEDS.joinpath(INTERVENTION_POLICY, "v2.json").read_text("utf-8"))[
        "document"
    ],
)

POLICIES = PolicyBook(
    service="commissioning",
    contract=PolicyVersionPublished,
    kinds={
        AUTHORITY: AUTHORITY_KIND,
        INTERVENTION_POLICY: INTERVENTION_KIND,
        DECISION_REASONS: DECISION_REASONS_KIND,
        DECISION_MAKERS: DECISION_MAKERS_KIND,
        PROJECT_TEMPLATES: PROJECT_TEMPLATES_KIND,
        DATE_CHANGE_REASONS: DATE_CHANGE_REASONS_KIND,
        SIGNIFICANT_CHANGE_TYPES: SIGNIFICANT_CHANGE_TYPES_KIND,
    },
    seeds=SEEDS,
)
