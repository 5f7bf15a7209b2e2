"""Stuck schools (DfE's RISE eligibility) as the registry finds them: the block on a school's
page and the table on an area's plan, each naming the rule version and both inspections."""

from __future__ import annotations

from dataclasses import dataclass

from registry_client.models import StuckSchool, StuckSchoolList

from services.console.views.common import long_date
from services.console.views.ofsted import Inspection, inspection_of


@dataclass(frozen=True)
class StuckView:
    """Why a school is stuck: the rule version and the two inspections that made it so."""

    urn: int
    name: str
    href: str
    la: str
    rule_version: int
    latest: Inspection
    previous: Inspection

    @classmethod
    def build(cls, item: StuckSchool) -> StuckView:
        """From one item of the registry's list (or a school view's ``stuck`` block)."""
        return cls(
            urn=item.urn,
            name=item.name,
            href=f"/schools/{item.urn}",
            la=item.la_name,
            rule_version=item.rule_version,
            latest=inspection_of(item.latest.to_dict()),
            previous=inspection_of(item.previous.to_dict()),
        )


@dataclass(frozen=True)
class StuckListView:
    """An area's stuck schools, with the rule that found them."""

    rule: str
    schools: list[StuckView]

    @classmethod
    def build(cls, listed: StuckSchoolList) -> StuckListView:
        """From the registry's ``GET /stuck-schools``."""
        return cls(
            rule=f"{listed.rule_title} (version {listed.rule_version}, in force on"
            f" {long_date(listed.on)})",
            schools=[StuckView.build(i) for i in listed.items],
        )
