"""The kinds of policy a service keeps: each a document schema and the checks it must pass."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import Any

from pydantic import BaseModel

from shared.contracts.policy import PolicyVersionFields, policy_category, policy_stream


def no_checks(_: Any) -> list[str]:
    """A kind whose schema says everything there is to check."""
    return []


@dataclass(frozen=True)
class PolicyKind:
    """One kind of policy: its name, its document's schema and its checks.

    ``check`` returns every problem of a well-formed document in words a policy officer
    reads ("category special_measures has no pathway"), all of them at once, so a refused
    publication can be mended in one go.
    """

    name: str
    title: str
    description: str
    document: type[BaseModel]
    check: Callable[[Any], list[str]] = no_checks
    # A document of this kind, shown as the publish route's example (and checked against
    # its schema by the OpenAPI tests).
    example: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class PolicyBook:
    """A service's policies: the kinds, the contract it publishes them with, its seed files.

    Seeds are ``<seeds>/<kind>/v<N>.json`` files, each a publication (effective_from,
    title, summary, sources, document); a service publishes any it has not yet published
    when it starts, in version order. Shipping a new version as a file is a data change too.
    Who may read and publish them is the service's authority table's to say (steps
    ``<service>.policies.read`` and ``<service>.policies.publish``).
    """

    service: str
    contract: type[PolicyVersionFields]
    kinds: Mapping[str, PolicyKind]
    seeds: Traversable | None = None

    def kind(self, name: str) -> PolicyKind:
        """The kind called ``name``; KeyError if the service keeps no such policy."""
        return self.kinds[name]

    def stream(self, name: str) -> str:
        """The stream of one policy's versions."""
        return policy_stream(self.service, name)

    @property
    def category(self) -> str:
        """The stream category of the service's policies."""
        return policy_category(self.service)
