"""Per-event projections: one small function per contract, given the event already decoded.

This is where a per-event projection's stored events are decoded, and the only place: each
event a handler takes is upcast to its contract's current version and validated
(``RecordedEvent.decode``) with the registry of the store the consumer reads through. A
handler never sees stored JSON, so an event stored under an older version of its contract
replays exactly like one stored today.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from shared.eventlog.contracts import EventContract
from shared.eventlog.model import RecordedEvent
from shared.eventlog.subscriptions import HandlerContext

C = TypeVar("C", bound=EventContract)
# The event as its current contract, the event as recorded (position, stream version, time,
# metadata), and the consumer's transaction.
Handler = Callable[[C, RecordedEvent, HandlerContext], Awaitable[None]]


class Handlers:
    """A projection's functions, one per contract, registered with ``on``.

    ``Handlers(a, b)`` takes in the functions of ``a`` and ``b``: one consumer made of the
    use cases of several modules.
    """

    def __init__(self, *parts: Handlers) -> None:
        self._by_type: dict[str, Handler[Any]] = {}
        for part in parts:
            for type_name, fn in part._by_type.items():
                self._add(type_name, fn)

    def on(self, contract: type[C]) -> Callable[[Handler[C]], Handler[C]]:
        """Register the decorated function as the handler of ``contract``'s events."""

        def register(fn: Handler[C]) -> Handler[C]:
            self._add(contract.type_name, fn)
            return fn

        return register

    def _add(self, type_name: str, fn: Handler[Any]) -> None:
        if type_name in self._by_type:
            raise ValueError(f"{type_name} already has a handler")
        self._by_type[type_name] = fn

    @property
    def type_names(self) -> frozenset[str]:
        """The event types these handlers take."""
        return frozenset(self._by_type)

    async def handle(self, event: RecordedEvent, ctx: HandlerContext) -> None:
        """Decode ``event`` and give it to its type's function; other types are skipped."""
        fn = self._by_type.get(event.type)
        if fn is not None:
            await fn(event.decode(ctx.registry), event, ctx)


@dataclass
class Projection:
    """A consumer made of one small function per contract; events of other types are skipped."""

    name: str
    handlers: Handlers
    categories: Collection[str] | None = None

    async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        """Give each event, decoded, to its type's function, in log order."""
        for event in events:
            await self.handlers.handle(event, ctx)
