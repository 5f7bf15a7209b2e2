"""Who may act where: a pure function of the principal, the table, the resource's place, its
referral and the delegations in force. No framework, no database, no clock (the day is given).

``authorize`` answers one question, "may this principal take this step on a resource here,
today?", with a ``Grant`` saying how (by role in scope, by a delegation, by a referral) or
an error naming the rule that refuses. ``delegation_refusal`` says whether a delegation may
be granted. Both are what the unit of work and the routes call; nothing else decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from shared.authority.principal import Principal
from shared.authority.scope import Place, Scope
from shared.authority.table import AuthorityTable, StepRule
from shared.errors import PROBLEM_TYPE_BASE, Forbidden, UnprocessableContent

Via = Literal["role", "delegation", "referral"]


# ----------------------------------------------------------------------------- refusals


class RoleRefused(Forbidden):
    """The caller holds none of the roles the table gives the step (the plain 403)."""


class StepNotInTable(Forbidden):
    """The authority table in force names no such step: nobody may take it."""

    type_uri = PROBLEM_TYPE_BASE + "step-not-in-authority-table"


class OutOfScope(Forbidden):
    """The resource is not where the caller acts."""

    type_uri = PROBLEM_TYPE_BASE + "out-of-scope"


class ReferredElsewhere(Forbidden):
    """The resource was referred to someone else, who alone may now take this step."""

    type_uri = PROBLEM_TYPE_BASE + "referred-elsewhere"


class SeparationOfDuties(Forbidden):
    """One person may not do both of two steps (``rule`` names which)."""

    type_uri = PROBLEM_TYPE_BASE + "separation-of-duties"


class DelegationRefused(UnprocessableContent):
    """A delegation that cannot be granted as asked (too long, to oneself, not delegable)."""

    type_uri = PROBLEM_TYPE_BASE + "delegation-refused"


# ------------------------------------------------------------------- what is looked at


@dataclass(frozen=True, slots=True)
class Delegation:
    """A step delegated in a region to a named person for a period, as its events tell it.

    The grantor's roles and scope are recorded when it is granted: it stands only while the
    table in force would still let them take the step there.
    """

    delegation_id: str
    step: str
    region: str
    delegate: str
    grantor: str
    grantor_roles: frozenset[str]
    grantor_scope: Scope
    starts_on: date
    ends_on: date
    revoked_on: date | None = None
    version: int = 1

    def active_on(self, day: date) -> bool:
        """True on the days of its period before any revocation (revoked today: not today)."""
        in_period = self.starts_on <= day <= self.ends_on
        return in_period and (self.revoked_on is None or day < self.revoked_on)


@dataclass(frozen=True, slots=True)
class Referral:
    """A resource referred to a named person (another region's director, a minister)."""

    to_subject: str
    capacity: str
    region: str | None
    reason_category: str
    referred_on: date


@dataclass(frozen=True, slots=True)
class Grant:
    """How a principal may take a step: what an event records about its authority."""

    step: str
    table_version: int
    place: str
    via: Via = "role"
    delegation: Delegation | None = field(default=None, compare=False)


# ----------------------------------------------------------------------------- checks


def _role_refused(principal: Principal, rule: StepRule, version: int) -> RoleRefused:
    wanted = [r.value for r in rule.roles]
    return RoleRefused(
        f"This needs one of the roles: {', '.join(wanted)} (step {rule.step}, authority"
        f" table version {version}).",
        extra={"required_roles": wanted, "step": rule.step, "authority_version": version},
    )


def rule_or_refuse(
    table: AuthorityTable, version: int, step: str, facts: Mapping[str, str] | None = None
) -> StepRule:
    """The row for ``step`` (narrowed by ``facts``); StepNotInTable when there is none."""
    rule = table.rule_for(step, facts)
    if rule is None:
        raise StepNotInTable(
            f"The authority table in force (version {version}) names no step {step}, so"
            " nobody may take it.",
            extra={"step": step, "authority_version": version},
        )
    return rule


def check_role(principal: Principal, rule: StepRule, version: int) -> None:
    """403 unless the principal holds one of the row's roles."""
    if not principal.has_any_role(*rule.roles):
        raise _role_refused(principal, rule, version)


def _settle_without_place(principal: Principal, rule: StepRule, version: int) -> Grant | None:
    # A step needing no scope, or a national one, is settled without looking at a resource.
    if rule.scope == "any":
        return Grant(rule.step, version, "any")
    if rule.scope == "national":
        if not principal.scope.national:
            raise OutOfScope(
                f"Step {rule.step} is national: it needs a national scope, and yours is"
                f" {principal.scope}.",
                extra={
                    "step": rule.step,
                    "resource": "national",
                    "your_scopes": principal.scope.labels(),
                    "authority_version": version,
                },
            )
        return Grant(rule.step, version, "national")
    return None


def check_edge(
    principal: Principal, table: AuthorityTable, version: int, step: str
) -> tuple[StepRule, Grant | None]:
    """What can be settled before the resource is loaded: the role, and for a national
    step or one needing no scope, everything (the Grant); None when the place is needed."""
    rule = rule_or_refuse(table, version, step)
    check_role(principal, rule, version)
    return rule, _settle_without_place(principal, rule, version)


def authorize(
    principal: Principal,
    table: AuthorityTable,
    version: int,
    step: str,
    place: Place,
    *,
    on: date,
    facts: Mapping[str, str] | None = None,
    referral: Referral | None = None,
    delegations: Iterable[Delegation] = (),
) -> Grant:
    """May ``principal`` take ``step`` on a resource at ``place`` on ``on``? The Grant, or
    the refusal naming its rule: the role, the referral, the scope (with the delegations
    that could have stood in for it)."""
    rule = rule_or_refuse(table, version, step, facts)
    check_role(principal, rule, version)
    settled = _settle_without_place(principal, rule, version)
    if settled is not None:
        return settled
    label = place.label()
    if referral is not None and rule.referral != "none":
        if principal.subject == referral.to_subject:
            return Grant(step, version, label, "referral")
        if rule.referral == "moves":
            raise ReferredElsewhere(
                f"This was referred to {referral.to_subject} ({referral.capacity.replace('_', ' ')})"
                f" on {referral.referred_on.isoformat()}; only they may take step {step} now.",
                extra={
                    "step": step,
                    "referred_to": referral.to_subject,
                    "capacity": referral.capacity,
                    "authority_version": version,
                },
            )
    if principal.scope.covers(place):
        return Grant(step, version, label)
    if rule.delegable:
        delegation = usable_delegation(principal, table, step, place, on=on, among=delegations)
        if delegation is not None:
            return Grant(step, version, label, "delegation", delegation)
    raise OutOfScope(
        f"This is in {place}; your scopes are {principal.scope}, so you may not take step"
        f" {step} on it.",
        extra={
            "step": step,
            "resource": label,
            "resource_region": place.region,
            "your_scopes": principal.scope.labels(),
            "authority_version": version,
        },
    )


def holds_by_role(
    roles: Iterable[str], scope: Scope, table: AuthorityTable, step: str, place: Place
) -> bool:
    """Whether roles and a scope (not a delegation) carry ``step`` at ``place`` under ``table``."""
    rule = table.base(step)
    if rule is None or rule.scope != "resource":
        return False
    held = set(roles)
    return any(r.value in held for r in rule.roles) and scope.covers(place)


def usable_delegation(
    principal: Principal,
    table: AuthorityTable,
    step: str,
    place: Place,
    *,
    on: date,
    among: Iterable[Delegation],
) -> Delegation | None:
    """A delegation of ``step`` to the principal, in force on ``on``, for the place's
    region, whose grantor (as recorded) still holds the step there under ``table``."""
    if place.region is None:
        return None
    for d in among:
        if (
            d.delegate == principal.subject
            and d.step == step
            and d.region == place.region
            and d.active_on(on)
            and holds_by_role(d.grantor_roles, d.grantor_scope, table, step, place)
        ):
            return d
    return None


# ----------------------------------------------------------------------------- delegation


@dataclass(frozen=True, slots=True)
class TableVersion:
    """One published version of the authority table: its number, its day, its rows."""

    number: int
    effective_from: date
    table: AuthorityTable


def _in_force(versions: Sequence[TableVersion], day: date) -> TableVersion | None:
    candidates = [v for v in versions if v.effective_from <= day]
    return max(candidates, key=lambda v: (v.effective_from, v.number), default=None)


def delegation_refusal(
    grantor: Principal,
    versions: Sequence[TableVersion],
    *,
    step: str,
    region: str,
    delegate: str,
    starts_on: date,
    ends_on: date,
    today: date,
) -> None:
    """Raise unless ``grantor`` may delegate ``step`` in ``region`` to ``delegate`` for the
    period: they must hold the step there by their own roles and scope (a delegate cannot
    pass a delegation on), it must be delegable, and on every day of the period, under
    every version of the table that will be in force then (versions published to take
    effect later are known now), or the delegation would outlive their own authority."""
    if delegate == grantor.subject:
        raise DelegationRefused("A delegation names someone else: you hold the step already.")
    if starts_on < today:
        raise DelegationRefused(f"A delegation starts today or later, not {starts_on}.")
    if ends_on < starts_on:
        raise DelegationRefused(f"The delegation ends ({ends_on}) before it starts ({starts_on}).")
    place = Place(region=region)
    # The days in the period on which the table in force may change.
    days = [
        starts_on,
        *sorted({v.effective_from for v in versions if starts_on < v.effective_from <= ends_on}),
    ]
    for day in days:
        version = _in_force(versions, day)
        rule = None if version is None else version.table.base(step)
        holds = (
            version is not None
            and rule is not None
            and rule.delegable
            and holds_by_role(grantor.roles, grantor.scope, version.table, step, place)
        )
        if holds:
            continue
        if day == starts_on:
            _refuse_from_the_start(grantor, version, rule, step=step, place=place, day=day)
        # On a later day the table in force changes under the delegation: it would stop
        # standing then, so it may not be granted to run past the day before.
        last = day - timedelta(days=1)
        number = None if version is None else version.number
        raise DelegationRefused(
            f"The delegation would outlive your own authority: from {day} (authority table"
            f" version {number}) you may no longer delegate step {step} in {place}. End it"
            f" on {last} at the latest.",
            extra={
                "step": step,
                "authority_ends_on": last.isoformat(),
                "authority_version": number,
            },
        )


def _refuse_from_the_start(
    grantor: Principal,
    version: TableVersion | None,
    rule: StepRule | None,
    *,
    step: str,
    place: Place,
    day: date,
) -> None:
    if version is None or rule is None:
        raise StepNotInTable(
            f"No authority table in force on {day} names step {step}, so it cannot be delegated.",
            extra={"step": step},
        )
    if not rule.delegable:
        raise DelegationRefused(
            f"Step {step} cannot be delegated (authority table version {version.number}).",
            extra={"step": step, "authority_version": version.number},
        )
    raise OutOfScope(
        f"You do not hold step {step} in {place} on {day} (authority table version"
        f" {version.number}), so you cannot delegate it.",
        extra={
            "step": step,
            "resource": place.label(),
            "resource_region": place.region,
            "your_scopes": grantor.scope.labels(),
            "authority_version": version.number,
        },
    )
