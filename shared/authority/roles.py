"""The roles a token may grant: what kind of work its holder does (where is ``scope``)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a principal may do. Roles do not imply one another; admin is administration,
    not authority: it passes the steps the authority table gives it (publishing a framework
    or a policy, reading), and a domain decision needs its own role even for an admin."""

    READER = "reader"
    ASSESSOR = "assessor"
    MODERATOR = "moderator"
    CASEWORKER = "caseworker"
    DECISION_MAKER = "decision_maker"
    DATA_FEED = "data_feed"
    AUDITOR = "auditor"
    ADMIN = "admin"


ROLE_VALUES: frozenset[str] = frozenset(role.value for role in Role)
