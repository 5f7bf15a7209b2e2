"""Who is acting: the subject a token names, its roles and its scope. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from shared.authority.roles import Role
from shared.authority.scope import NO_SCOPE, Scope


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: who they are, the roles their token grants, and where
    they act (a token without scopes acts nowhere: it may only take steps needing none)."""

    subject: str
    roles: frozenset[Role]
    name: str | None = None
    scope: Scope = NO_SCOPE

    def has_any_role(self, *roles: Role) -> bool:
        """True if the principal holds one of ``roles`` (admin only if it is named)."""
        return not self.roles.isdisjoint(roles)
