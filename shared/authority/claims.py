"""From a token's claims to roles and scopes: read directly, or mapped by configuration.

Development and test tokens (HS256, ``issue_token``) carry two claims of ours:

* ``roles``: a list of role names (``caseworker``...); names this code does not know grant
  nothing, so a newer identity provider cannot widen access here;
* ``scopes``: a list of labels saying where the holder acts (``national``, ``region:H``,
  ``la:383``; ``shared.authority.scope``). These are not OAuth scopes (``scope``/``scp``,
  what a client may ask for); they say where a person acts. A token without the claim
  acts nowhere; a malformed list, or a label naming no English region or LA, makes the
  token invalid (401 naming the claim), never silently narrower.

A production identity provider (Entra ID) is not asked to know these names. Its tokens
carry what it has: app-role values in ``roles`` and group object ids in ``groups``. With
``STRONGTRUSTS_JWT_CLAIM_MAP`` set, the values of the claims it lists are looked up in its
``grants`` and each match grants roles and scopes; values it does not list (every other
group a person is in) grant nothing, and the token's own ``roles``/``scopes`` are not
read as ours. A new regional team is a new entry in the map: configuration, not code::

    {"claims": ["roles", "groups"],
     "grants": {
       "StrongTrusts.Caseworker": {"roles": ["caseworker", "reader"]},
       "0b6c...-london-case-team-group-id": {"scopes": ["region:H"]},
       "StrongTrusts.Auditor": {"roles": ["auditor"], "scopes": ["national"]}}}

The map is checked when the settings are read: an unknown role or scope stops the service
starting rather than refusing people later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.authority.roles import ROLE_VALUES, Role
from shared.authority.scope import (
    MAX_SCOPES,
    NO_SCOPE,
    Scope,
    ScopeClaimError,
    parse_label,
    parse_scopes,
)

ROLES_CLAIM = "roles"
SCOPES_CLAIM = "scopes"
ClaimName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.:/-]{0,99}$")]


class ClaimError(ValueError):
    """A claim that cannot be read as ours: ``claim`` names it."""

    def __init__(self, claim: str, message: str) -> None:
        super().__init__(message)
        self.claim = claim


class Grants(BaseModel):
    """What one value of an identity provider's claim grants."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    roles: list[Role] = Field(default_factory=list)
    scopes: list[str] = Field(default_factory=list)

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, scopes: list[str]) -> list[str]:
        for label in scopes:
            parse_label(label)  # ScopeClaimError is a ValueError: pydantic reports it
        return scopes


class ClaimMap(BaseModel):
    """How a production identity provider's claims become roles and scopes (configuration)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    claims: list[ClaimName] = Field(default_factory=lambda: ["roles", "groups"], min_length=1)
    grants: dict[Annotated[str, Field(min_length=1, max_length=200)], Grants] = Field(min_length=1)


def _strings(claims: Mapping[str, Any], name: str) -> list[str] | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        return [value]  # some providers send a single value as a string
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ClaimError(name, f"The token's {name} claim is not a list of strings.")
    return value


def roles_and_scope(
    claims: Mapping[str, Any], mapping: ClaimMap | None = None
) -> tuple[frozenset[Role], Scope]:
    """The roles and scope a verified token's claims grant; ClaimError naming a bad claim."""
    if mapping is not None:
        return _mapped(claims, mapping)
    roles = _strings(claims, ROLES_CLAIM)
    if roles is None or isinstance(claims.get(ROLES_CLAIM), str):
        raise ClaimError(ROLES_CLAIM, "The token needs a subject and a list of roles.")
    labels = _strings(claims, SCOPES_CLAIM)
    if labels is None:
        scope = NO_SCOPE
    elif isinstance(claims.get(SCOPES_CLAIM), str):
        raise ClaimError(SCOPES_CLAIM, "The token's scopes claim is not a list of scopes.")
    elif len(labels) > MAX_SCOPES:
        raise ClaimError(SCOPES_CLAIM, f"The token's scopes claim has over {MAX_SCOPES} entries.")
    else:
        try:
            scope = parse_scopes(labels)
        except ScopeClaimError as exc:
            raise ClaimError(SCOPES_CLAIM, f"The token's scopes claim is wrong: {exc}.") from None
    return frozenset(Role(r) for r in roles if r in ROLE_VALUES), scope


def _mapped(claims: Mapping[str, Any], mapping: ClaimMap) -> tuple[frozenset[Role], Scope]:
    roles: set[Role] = set()
    labels: list[str] = []
    for name in mapping.claims:
        for value in _strings(claims, name) or ():
            granted = mapping.grants.get(value)
            if granted is not None:
                roles.update(granted.roles)
                labels.extend(granted.scopes)
    return frozenset(roles), parse_scopes(labels)
