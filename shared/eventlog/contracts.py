"""Event contracts: frozen, versioned pydantic models under stable type names, with upcasters.

A contract is the published shape of one kind of fact. Its ``type_name`` never changes once
events of it are stored; a change of shape is a new ``version`` plus an upcaster that turns
the stored data of the old version into the next one, so readers only ever see the current
shape and stored events are never edited.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Literal, NamedTuple, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError

JsonObject = dict[str, Any]
Upcaster = Callable[[JsonObject], JsonObject]


class EventContract(BaseModel):
    """Base of every event's data. Subclasses set ``type_name`` and, when reshaped, ``version``."""

    # Times in contracts are pydantic AwareDatetime: naive datetimes are refused. NaN and
    # infinities are kept as such when dumped, so the log refuses them instead of pydantic
    # quietly turning them into null.
    model_config = ConfigDict(
        frozen=True, extra="forbid", allow_inf_nan=False, ser_json_inf_nan="constants"
    )

    type_name: ClassVar[str]
    version: ClassVar[int] = 1


# The longest actor an event records; authentication refuses longer token subjects.
MAX_ACTOR_LENGTH = 200


class ActedUnder(BaseModel):
    """The authority a person's write was taken under (``shared/authority``): the step, the
    version of the authority table that allowed it, where the resource was, and how the
    person held the step there (by their role in scope, a delegation, or a referral)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    step: str = Field(min_length=1, max_length=120)
    table_version: int = Field(ge=1)
    # "region:H", "la:383", "national", "any", "anywhere" (a new thing in no region yet).
    place: str = Field(min_length=1, max_length=2000)
    via: Literal["role", "delegation", "referral"] = "role"
    delegation_id: str | None = Field(default=None, max_length=64)


class EventMetadata(BaseModel):
    """Who did it, why, and what it belongs to: stored with every event.

    Fields added later are optional, and stored metadata omits what is None, so events
    written before them keep their canonical bytes and still verify.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: str = Field(min_length=1, max_length=MAX_ACTOR_LENGTH)
    reason: str | None = Field(default=None, max_length=4000)
    correlation_id: str | None = Field(default=None, max_length=200)
    causation_id: UUID | None = None
    # Where a machine wrote it: an import run, a scheduler, a consumer.
    source: str | None = Field(default=None, max_length=200)
    # A person's write: the scopes their token carried ("national", "region:H", "la:383")
    # and the authority it was taken under. None for the platform's own writers.
    scope: tuple[str, ...] | None = Field(default=None, max_length=300)
    authority: ActedUnder | None = None

    def caused_by(self, event_id: UUID, *, actor: str | None = None) -> EventMetadata:
        """Metadata for an event written in reaction to ``event_id``, keeping the correlation.

        A reaction is the platform's, not the person's: it carries no scope or authority.
        """
        return self.model_copy(
            update={
                "causation_id": event_id,
                "scope": None,
                "authority": None,
                **({"actor": actor} if actor else {}),
            }
        )


class ContractError(ValueError):
    """Data does not satisfy its event contract; nothing was written."""

    def __init__(self, type_name: str, message: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(f"{type_name}: {message}")
        self.type_name = type_name
        self.errors = errors or []


class UnknownEventType(ContractError):
    """No contract is registered under that type name."""

    def __init__(self, type_name: str):
        super().__init__(type_name, "no event contract is registered under this type name")


C = TypeVar("C", bound=type[EventContract])


class EventRegistry:
    """Stable type names to contracts, and the upcasters between their versions."""

    def __init__(self, contracts: Iterable[type[EventContract]] = ()) -> None:
        self._contracts: dict[str, type[EventContract]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        # What numbers each contract's valid data may hold, worked out once here rather than
        # checked on every append (see ``NumberKinds``).
        self._numbers: dict[str, NumberKinds] = {}
        for contract in contracts:
            self.register(contract)

    def register(self, contract: C) -> C:
        """Add a contract; usable as a class decorator."""
        name = contract.type_name
        existing = self._contracts.get(name)
        if existing is not None and existing is not contract:
            raise ValueError(
                f"event type {name!r} is already registered to {existing.__qualname__}"
            )
        self._contracts[name] = contract
        self._numbers[name] = number_kinds(contract)
        return contract

    def upcaster(self, type_name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register ``fn`` as turning ``type_name`` data of ``from_version`` into the next version."""

        def decorate(fn: Upcaster) -> Upcaster:
            key = (type_name, from_version)
            if key in self._upcasters:
                raise ValueError(f"{type_name} v{from_version} already has an upcaster")
            self._upcasters[key] = fn
            return fn

        return decorate

    def merge(self, other: EventRegistry) -> None:
        """Take in another registry's contracts and upcasters (a service's plus shared ones)."""
        for contract in other._contracts.values():
            self.register(contract)
        for key, fn in other._upcasters.items():
            if key in self._upcasters and self._upcasters[key] is not fn:
                raise ValueError(f"{key[0]} v{key[1]} already has an upcaster")
            self._upcasters[key] = fn

    def numbers(self, type_name: str) -> NumberKinds:
        """What numbers data valid for this type may hold, as its schema says."""
        return self._numbers[type_name]

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._contracts

    def contract(self, type_name: str) -> type[EventContract]:
        """The contract for a type name, or UnknownEventType."""
        try:
            return self._contracts[type_name]
        except KeyError:
            raise UnknownEventType(type_name) from None

    @property
    def type_names(self) -> frozenset[str]:
        """Every registered type name."""
        return frozenset(self._contracts)

    def validate(self, type_name: str, data: Mapping[str, Any]) -> EventContract:
        """Check data against its current contract, raising ContractError."""
        contract = self.contract(type_name)
        try:
            return contract.model_validate(data)
        except ValidationError as exc:
            raise ContractError(
                type_name, "data does not match the contract", _plain_errors(exc)
            ) from None

    def upcast(self, type_name: str, version: int, data: JsonObject) -> JsonObject:
        """Bring stored data of ``version`` up to the contract's current version, step by step."""
        current = self.contract(type_name).version
        if version > current:
            raise ContractError(
                type_name, f"stored version {version} is newer than this code's {current}"
            )
        while version < current:
            try:
                step = self._upcasters[(type_name, version)]
            except KeyError:
                raise ContractError(
                    type_name, f"no upcaster from version {version} to {version + 1}"
                ) from None
            data = step(data)
            version += 1
        return data

    def decode(self, type_name: str, version: int, data: JsonObject) -> EventContract:
        """Upcast stored data and validate it into the current contract."""
        return self.validate(type_name, self.upcast(type_name, version, data))


class NumberKinds(NamedTuple):
    """What numbers a contract's valid data may hold, from its schema (see ``number_kinds``)."""

    # Any float at all (False: integers only).
    floats: bool
    # NaN or an infinity (False: every float is bounded, or refuses them).
    non_finite: bool


# Schema nodes whose valid values are neither floats nor, given their children, hold any: the
# walk below looks inside each. Function descriptors ("no-info", "with-info") are not
# values. Anything not named here, and "any" above all, may hold any float.
_NUMBERLESS_NODES = frozenset(
    {
        "bool", "int", "str", "bytes", "date", "datetime", "time", "timedelta", "uuid", "url",
        "none", "enum", "literal", "nullable", "default", "list", "tuple", "set", "frozenset",
        "dict", "union", "tagged-union", "model", "model-fields", "model-field", "definitions",
        "definition-ref", "function-after", "function-before", "no-info", "with-info",
    }
)  # fmt: skip
_SKIPPED_KEYS = frozenset({"metadata", "ref", "cls", "config", "function", "type"})


def number_kinds(contract: type[BaseModel]) -> NumberKinds:
    """Whether data valid for ``contract`` may hold floats, and NaN or infinities.

    A float refuses non-finite values when it is bounded on both sides or its model says
    ``allow_inf_nan=False``; a field typed ``Any``, a custom serializer, or a schema node
    this does not know may hold any float.
    """
    found: set[str] = set()
    _walk(contract.__pydantic_core_schema__, found, allow_inf_nan=True)
    return NumberKinds(floats=bool(found), non_finite="non_finite" in found)


def _walk(node: Any, found: set[str], *, allow_inf_nan: bool) -> None:
    if isinstance(node, list | tuple):
        for child in node:
            _walk(child, found, allow_inf_nan=allow_inf_nan)
        return
    if isinstance(node, float):  # a default or a literal
        found.add("float" if math.isfinite(node) else "non_finite")
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind == "model":
        # A model's own config decides for its fields; an enclosing model's does not.
        allow_inf_nan = node.get("config", {}).get("allow_inf_nan", True)
    if kind == "float":
        bounded = ("ge" in node or "gt" in node) and ("le" in node or "lt" in node)
        unbounded = node.get("allow_inf_nan", allow_inf_nan) and not bounded
        found.add("non_finite" if unbounded else "float")
    elif kind is not None and kind not in _NUMBERLESS_NODES:
        found.add("non_finite")
    for key, child in node.items():
        if key not in _SKIPPED_KEYS:
            _walk(child, found, allow_inf_nan=allow_inf_nan)


def _plain_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": [str(p) for p in err["loc"]], "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]
