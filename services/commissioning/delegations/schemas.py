"""A delegation's requests and views: a regional director's step, delegated to a named
deputy for a period, used, and revoked."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from shared.contracts.delegations import DelegationId
from shared.contracts.identifiers import RegionCode, StepName, Subject
from shared.http.fields import IsoDate, Reason
from shared.http.models import RequestModel, ViewModel


class DelegationGranting(RequestModel):
    """Delegate a step in a region to a named person for a period."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "step": "commissioning.cases.decide",
                    "region_code": "H",
                    "delegate": "deputy.london",
                    "starts_on": "2026-12-21",
                    "ends_on": "2027-01-08",
                    "reason": "Annual leave over the winter break.",
                }
            ]
        },
    )

    step: StepName = Field(description="A delegable step of the authority table.")
    region_code: RegionCode
    delegate: Subject = Field(description="The deputy, as their token names them (`sub`).")
    starts_on: IsoDate
    ends_on: IsoDate = Field(description="The last day it is in force.")
    reason: Reason


class DelegationRevoking(RequestModel):
    """Why a delegation ends early."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Back from leave early."}]}
    )

    reason: Reason


class DelegationUse(ViewModel):
    """A case on which the delegate took the step under the delegation."""

    case_id: str
    used_on: date


class DelegationView(ViewModel):
    """A delegation: what, where, to whom, by whom, for how long, and what was done under it."""

    delegation_id: DelegationId
    step: str
    region_code: str
    delegate: str
    grantor: str
    grantor_roles: list[str]
    grantor_scopes: list[str]
    starts_on: date
    ends_on: date
    reason: str
    revoked_on: date | None
    revocation_reason: str | None
    in_force_today: bool
    uses: list[DelegationUse]
    version: int


class DelegationPage(ViewModel):
    """Delegations, newest first by start."""

    items: list[DelegationView]
