"""Commissioning's policies, as data (``shared/policy``): the kinds it keeps and its seeds."""

from __future__ import annotations

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
from shared.authority.table import AUTHORITY, AUTHORITY_KIND
from shared.contracts.commissioning import PolicyVersionPublished
from shared.policy.book import PolicyBook

# The service's policies, as data: its authority table (who may take which step, where),
# the coded reasons for decisions and who may decide what, seeded from
# policies/<kind>/v<N>.json.
POLICIES = PolicyBook(
    service="commissioning",
    contract=PolicyVersionPublished,
    kinds={
        AUTHORITY: AUTHORITY_KIND,
        DECISION_REASONS: DECISION_REASONS_KIND,
        DECISION_MAKERS: DECISION_MAKERS_KIND,
        PROJECT_TEMPLATES: PROJECT_TEMPLATES_KIND,
        DATE_CHANGE_REASONS: DATE_CHANGE_REASONS_KIND,
    },
    seeds=files("services.commissioning").joinpath("policies"),
)
