"""Which version of a policy is in force, and what is wrong with a new one: pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from shared.contracts.policy import PolicyVersionFields

V = TypeVar("V", bound=PolicyVersionFields)


def in_force(versions: Sequence[V], on: date) -> V | None:
    """The version in force on ``on``: the latest to take effect on or before it.

    Of two taking effect on the same day, the later published wins: it was published to
    correct the other.
    """
    candidates = [v for v in versions if v.effective_from <= on]
    if not candidates:
        return None
    return max(candidates, key=lambda v: (v.effective_from, v.policy_version))


def document_problems(
    schema: type[BaseModel], document: Any
) -> tuple[BaseModel | None, list[dict[str, Any]]]:
    """The document as its kind's schema reads it, or every place it is wrong."""
    try:
        return schema.model_validate(document), []
    except ValidationError as exc:
        return None, [
            {
                "loc": ["document", *(str(p) for p in err["loc"])],
                "msg": err["msg"],
                "type": err["type"],
            }
            for err in exc.errors(include_url=False, include_context=False, include_input=False)
        ]


def dating_problems(
    versions: Sequence[PolicyVersionFields], effective_from: date, today: date
) -> list[str]:
    """What is wrong with publishing a version taking effect on ``effective_from``.

    The first version may take effect on any day (it records policy already in force);
    a later one not before today, so that it changes only work still to come.
    """
    if versions and effective_from < today:
        return [
            f"effective_from {effective_from.isoformat()} is in the past: a new version"
            " changes new work only, so it takes effect today or later"
        ]
    return []
