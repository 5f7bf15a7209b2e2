"""The development sign-in form: who you are, your roles, and where you act."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from starlette.datastructures import FormData

from services.console.views.common import Choice, FormErrors, label
from shared import reference
from shared.http.auth import Role

ROLES: tuple[str, ...] = tuple(role.value for role in Role)

ROLE_HINTS = {
    "reader": "reads schools, trusts, cases and assessments",
    "assessor": "records evidence and pillar judgements",
    "moderator": "moderates and publishes another assessor's assessment",
    "caseworker": "opens cases, sets criteria, shortlists, schedules the board",
    "decision_maker": "records the decision on a case",
    "data_feed": "uploads GIAS snapshots",
    "auditor": "reads audit timelines and verifies the log",
    "admin": "publishes frameworks; decides nothing",
}


NATIONAL = "national"
# Where a development user acts: all of England, or one of the nine regions (a token's
# scopes, shared/authority/scope.py); the services refuse what is outside it.
REGIONS: tuple[str, ...] = (NATIONAL, *sorted(reference.regions()))
NATIONAL_HINT = "a national team: sees every region's work and may act on it"


def region_words(region: str) -> str:
    """``H`` as "London"; ``national`` as "All of England"."""
    if region == NATIONAL:
        return "All of England"
    return reference.regions()[region].name


def scopes_of(region: str) -> list[str]:
    """The token scopes for a region chosen on the form."""
    return [NATIONAL] if region == NATIONAL else [f"region:{region}"]


def where_from_scopes(scopes: Sequence[str]) -> str:
    """How the header says where a signed-in user acts, from their token's scopes."""
    if not scopes:
        return "no region"
    names = []
    for scope in scopes:
        kind, _, code = scope.partition(":")
        if kind == NATIONAL:
            names.append(region_words(NATIONAL))
        elif kind == "region" and code in reference.regions():
            names.append(region_words(code))
        else:
            names.append(scope)
    return ", ".join(names)


@dataclass(frozen=True)
class DevUser:
    """A named person to sign in as, with the roles they usually have."""

    name: str
    roles: tuple[str, ...]


DEVELOPMENT_USERS = (
    DevUser("Cara Caseworker", ("reader", "caseworker")),
    DevUser("Dina Director", ("reader", "decision_maker")),
    DevUser("Amira Assessor", ("reader", "assessor")),
    DevUser("Moe Moderator", ("reader", "moderator")),
    DevUser("Aude Auditor", ("reader", "auditor")),
    DevUser("Gias Feed", ("reader", "data_feed")),
)


@dataclass
class DevSignInForm:
    """Who to sign in as: a name and one or more roles."""

    name: str = ""
    roles: list[str] = field(default_factory=list)
    region: str = NATIONAL
    next: str = "/"
    errors: FormErrors = field(default_factory=FormErrors)

    @classmethod
    def empty(cls, *, next: str = "/") -> DevSignInForm:
        """The blank form."""
        return cls(next=next)

    @classmethod
    def parse(cls, data: FormData) -> DevSignInForm:
        """The posted form, checked."""
        preset = str(data.get("preset") or "")
        name = str(data.get("name") or "").strip()
        roles = [str(r) for r in data.getlist("roles") if str(r) in ROLES]
        region = str(data.get("region") or NATIONAL)
        chosen = next((u for u in DEVELOPMENT_USERS if u.name == preset), None)
        if chosen is not None:
            name, roles = chosen.name, list(chosen.roles)
        form = cls(name=name, roles=roles, region=region, next=str(data.get("next") or "/"))
        if region not in REGIONS:
            form.region = NATIONAL
            form.errors.add("region", "Choose where you act from the list")
        if not name:
            form.errors.add("name", "Enter your name")
        elif len(name) > 100:
            form.errors.add("name", "Name must be 100 characters or fewer")
        if not roles:
            form.errors.add("roles", "Select at least one role")
        return form

    def role_choices(self) -> Sequence[Choice]:
        """The roles as checkboxes."""
        return [Choice(r, label(r), r in self.roles, ROLE_HINTS[r]) for r in ROLES]

    def region_choices(self) -> Sequence[Choice]:
        """Where you act, as radios: all of England, or one region."""
        return [
            Choice(NATIONAL, region_words(NATIONAL), self.region == NATIONAL, NATIONAL_HINT),
            *(Choice(r, f"{region_words(r)} (region {r})", r == self.region) for r in REGIONS[1:]),
        ]

    @property
    def scopes(self) -> list[str]:
        """The scopes the token is signed with."""
        return scopes_of(self.region)
