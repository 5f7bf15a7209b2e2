"""The authority table: which role may take which step, and where. Pure: a policy document.

Each service keeps one, as its ``authority`` policy (``shared/policy``): versioned in the
log, each version in force from a date, seeded from ``services/<service>/policies/
authority/v<N>.json``. A row says, for one step:

* ``roles``: who may take it (any one of them; roles never imply one another);
* ``scope``: where: ``resource`` (the caller's scope must cover the place of what the step
  touches: a case's region, a school's LA...), ``national`` (the caller must act for the
  whole country: a framework, a policy, a GIAS snapshot, the audit of everything), or
  ``any`` (no scope needed: reading the open register);
* ``delegable``: whether someone who may take it in a region may delegate it there to a
  named person for a period (``rules.Delegation``);
* ``referral``: what a referral of the resource to a named person does to the step:
  ``moves`` it to them alone (deciding a referred case), ``adds`` them beside everyone
  else (reading it), or ``none``;
* ``when``: facts of the request that narrow the row (``{"outcome": ["dao_revoked"]}``).
  A step has one row without ``when`` (the edge checks its roles) and may have narrower
  ones, which the unit of work applies once it knows the facts; the narrowest match wins.

Adding a route is adding a row: a route names its step, and a step with no row in the
table in force is refused to everybody (and fails the role matrix test).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from shared.authority.roles import Role
from shared.policy.book import PolicyKind

AUTHORITY = "authority"

StepName = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,3}$",
        max_length=120,
        description="The step a route takes, `<service>.<resource>.<action>`.",
    ),
]
FactName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
FactValues = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=50)
]
ScopeRule = Literal["resource", "national", "any"]
ReferralRule = Literal["none", "moves", "adds"]


class StepRule(BaseModel):
    """One row of the table: who may take a step, where, and how it may be handed on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    step: StepName
    roles: list[Role] = Field(min_length=1, max_length=len(Role))
    scope: ScopeRule
    when: dict[FactName, FactValues] = Field(default_factory=dict, max_length=5)
    delegable: StrictBool = False
    referral: ReferralRule = "none"
    summary: str = Field(min_length=1, max_length=300)

    def matches(self, facts: Mapping[str, str]) -> bool:
        """True when every condition of ``when`` holds of ``facts``."""
        return all(facts.get(name) in values for name, values in self.when.items())


class AuthorityTable(BaseModel):
    """Every step a service's routes take, each with who may take it where."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rows: list[StepRule] = Field(min_length=1, max_length=500)

    def base(self, step: str) -> StepRule | None:
        """The step's row without conditions: what the edge checks; None if no row."""
        return next((r for r in self.rows if r.step == step and not r.when), None)

    def rule_for(self, step: str, facts: Mapping[str, str] | None = None) -> StepRule | None:
        """The narrowest row of ``step`` that ``facts`` match (the base row if none does)."""
        found = [r for r in self.rows if r.step == step and r.when and r.matches(facts or {})]
        if found:
            return max(found, key=lambda r: len(r.when))
        return self.base(step)

    @property
    def steps(self) -> list[str]:
        """Every step the table names, sorted."""
        return sorted({r.step for r in self.rows})


def table_problems(table: AuthorityTable) -> list[str]:
    """Everything wrong with a well-formed table, in words a policy officer reads."""
    problems: list[str] = []
    seen: set[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]] = set()
    for row in table.rows:
        key = (row.step, tuple(sorted((k, tuple(sorted(v))) for k, v in row.when.items())))
        if key in seen:
            problems.append(f"step {row.step} has two rows for the same conditions")
        seen.add(key)
        if len(set(row.roles)) != len(row.roles):
            problems.append(f"step {row.step} names a role twice")
        if row.scope != "resource" and (row.delegable or row.referral != "none"):
            problems.append(
                f"step {row.step}: only a step on a resource in a region can be delegated"
                " or referred (its scope is " + row.scope + ")"
            )
        if any(not values for values in row.when.values()):
            problems.append(f"step {row.step}: a condition lists no values")
    for step in table.steps:
        base = table.base(step)
        narrower = [r for r in table.rows if r.step == step and r.when]
        if base is None:
            problems.append(f"step {step} has no row without conditions")
            continue
        if any(r.scope != base.scope for r in narrower):
            problems.append(f"step {step}: a narrower row changes where the step may be taken")
        if len({frozenset(r.when) for r in narrower}) > 1:
            problems.append(f"step {step}: its narrower rows name different facts")
        for one, other in combinations(narrower, 2):
            if all(set(one.when[k]) & set(other.when.get(k, ())) for k in one.when):
                problems.append(f"step {step}: two narrower rows can both apply")
    return problems


_WHERE = {
    "resource": "the resource's region or LA",
    "national": "national scope",
    "any": "no scope needed",
}
_REFERRAL = {"none": "", "moves": "moves to the referee", "adds": "the referee too"}


def authority_markdown(tables: Sequence[AuthorityTable]) -> str:
    """Tables as one Markdown table, a row per step: who, where, delegable, on referral."""
    lines = [
        "| step | roles | where | delegable | on referral | narrowed by |",
        "|---|---|---|---|---|---|",
    ]
    for table in tables:
        for rule in table.rows:
            missing = sorted(set(Role) - set(rule.roles))
            roles = (
                "every role"
                if not missing
                else f"every role but {missing[0].value}"
                if len(missing) == 1
                else ", ".join(r.value for r in rule.roles)
            )
            when = "; ".join(f"{k} in {', '.join(v)}" for k, v in sorted(rule.when.items()))
            lines.append(
                f"| `{rule.step}` | {roles} | {_WHERE[rule.scope]} |"
                f" {'yes' if rule.delegable else ''} | {_REFERRAL[rule.referral]} | {when} |"
            )
    return "\n".join(lines) + "\n"


def _check(document: AuthorityTable) -> list[str]:
    return table_problems(document)


AUTHORITY_KIND = PolicyKind(
    name=AUTHORITY,
    title="Who may take which step, where",
    description=(
        "The authority table: for each step the service's routes take, the roles that may"
        " take it and whether the caller's scope must cover the resource, be national, or"
        " need not be checked; which steps may be delegated or move with a referral."
    ),
    document=AuthorityTable,
    check=_check,
    example={
        "rows": [
            {
                "step": "commissioning.cases.decide",
                "roles": ["decision_maker"],
                "scope": "resource",
                "delegable": True,
                "referral": "moves",
                "summary": "Record the decision on a case.",
            }
        ]
    },
)
