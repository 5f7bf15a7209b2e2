"""The publisher: a durable consumer of the whole log that publishes each event to JetStream.

Exactly once in the stream, in log order:

- each message carries ``Nats-Msg-Id`` (the event id), so JetStream drops a re-send;
- each also carries ``Nats-Expected-Last-Sequence``, so a batch sent in one go (acks
  awaited together) lands in order or not at all past the first message that failed;
- the checkpoint moves (in the runner's transaction) only after every ack of the batch;
- after taking over, after any failure, and whenever its checkpoint has gone back, it
  reads the stream's last message and skips the events up to it, so a crash, a fresh
  checkpoint or a lost ack never sends one again, however long ago the de-duplication
  window closed.

NATS out of reach is ``Unavailable``: the runner waits and retries the batch, showing
itself as waiting. An event with no contract that describes it is the event's fault: the
runner retries it and then stops on it, like a poison event in any consumer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import PubAck, StreamConfig

from shared.eventlog.contracts import EventRegistry
from shared.eventlog.model import START, Checkpoint, RecordedEvent
from shared.eventlog.subscriptions import HandlerContext, Unavailable
from shared.publisher.envelope import CONTENT_TYPE, cloud_event, subject

log = logging.getLogger(__name__)

PUBLISHER_NAME = "publisher-nats"
# JetStream's error code for a Nats-Expected-Last-Sequence that did not match.
WRONG_LAST_SEQUENCE = 10071
# What a lost, closed or overloaded connection raises: NATS's fault, not the event's.
NATS_UNREACHABLE: tuple[type[Exception], ...] = (
    OSError,
    TimeoutError,
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionDrainingError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.NoServersError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.StaleConnectionError,
    nats.errors.TimeoutError,
    nats.errors.UnexpectedEOF,
    nats.js.errors.NoStreamResponseError,
    nats.js.errors.ServiceUnavailableError,
    nats.js.errors.TooManyStalledMsgsError,
)


@dataclass(frozen=True)
class PublisherConfig:
    """Where to publish: the server, the stream and the subjects' prefix."""

    url: str
    stream: str = "STRONGTRUSTS"
    prefix: str = "strongtrusts"
    duplicate_window_s: float = 3600.0
    ack_timeout_s: float = 10.0


@dataclass(frozen=True)
class _Tail:
    """The stream's last message: its sequence, and the event it carries (START if none)."""

    seq: int
    checkpoint: Checkpoint


class ForeignStream(Exception):
    """The stream's last message is not an event of this log: it is shared with something
    else, and publishing on would interleave with it."""


class Refused(Exception):
    """JetStream refused a message for a reason a retry will not change (too large, say)."""


class JetStreamPublisher:
    """The consumer that publishes every event; see the module docstring."""

    name = PUBLISHER_NAME
    categories: None = None

    def __init__(self, config: PublisherConfig, registry: EventRegistry) -> None:
        self.config = config
        self.registry = registry
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        # The stream's last message as this instance left it. Trusted only for a batch that
        # starts after it, and only until anything fails: if another instance has published
        # since, the first message's expected sequence is refused and the tail read again.
        self._tail: _Tail | None = None
        self.published = 0

    async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        """Publish the events the stream does not hold yet; return once JetStream has all."""
        try:
            js = await self._jetstream()
            tail = self._tail
            if tail is None or events[0].checkpoint <= tail.checkpoint:
                tail = await self._read_tail(js, ctx)
        except NATS_UNREACHABLE as exc:
            await self._drop_connection()
            raise Unavailable(f"NATS at {self.config.url}: {_describe(exc)}") from exc
        todo = [e for e in events if e.checkpoint > tail.checkpoint]
        if not todo:
            return
        # A checkpoint lost in a crash of the database costs nothing here: the stream's last
        # message says what was sent. So it is not waited for on disk, a tenth of the time.
        await ctx.conn.execute("SET LOCAL synchronous_commit = off")
        self._tail = None
        self._tail = await self.publish_batch(js, todo, tail)

    async def publish_batch(
        self,
        js: JetStreamContext,
        events: Sequence[RecordedEvent],
        tail: _Tail,
    ) -> _Tail:
        """Send ``events`` after ``tail``, each as soon as it is written (JetStream stores
        one while the next is written), then wait for every ack; returns the new tail."""
        futures: list[asyncio.Future[PubAck]] = []
        try:
            for i, e in enumerate(events):
                # An event no contract describes raises here: those before it are acked
                # or not, and the next try skips whatever the stream then holds.
                body = cloud_event(e, self.registry)
                headers = {
                    "Nats-Msg-Id": str(e.event_id),
                    "Nats-Expected-Last-Sequence": str(tail.seq + i),
                    "Content-Type": CONTENT_TYPE,
                }
                futures.append(
                    await js.publish_async(
                        subject(self.config.prefix, e.type, e.category), body, headers=headers
                    )
                )
            async with asyncio.timeout(self.config.ack_timeout_s):
                acks = await asyncio.gather(*futures, return_exceptions=True)
        except NATS_UNREACHABLE as exc:
            for future in futures:
                future.cancel()
            await self._drop_connection()
            raise Unavailable(f"NATS at {self.config.url}: {_describe(exc)}") from exc
        except BaseException:
            await _settle(futures, self.config.ack_timeout_s)
            raise
        for e, ack in zip(events, acks, strict=True):
            if isinstance(ack, PubAck) and not ack.duplicate:
                continue
            # Whatever follows a failed message was refused by its expected sequence;
            # the next batch starts after the stream's last message.
            if isinstance(ack, PubAck):
                raise Unavailable(f"event {e.event_id} was already in the stream; re-reading it")
            if isinstance(ack, nats.js.errors.APIError) and ack.err_code == WRONG_LAST_SEQUENCE:
                raise Unavailable(f"the stream moved on before event {e.event_id}; re-reading it")
            if isinstance(ack, NATS_UNREACHABLE):
                raise Unavailable(f"NATS at {self.config.url}: {_describe(ack)}") from ack
            raise Refused(f"JetStream refused event {e.event_id}: {_describe(ack)}") from ack
        self.published += len(events)
        last = acks[-1]
        assert isinstance(last, PubAck)
        return _Tail(last.seq, events[-1].checkpoint)

    async def _jetstream(self) -> JetStreamContext:
        if self._js is not None and self._nc is not None and self._nc.is_connected:
            return self._js
        await self._drop_connection()
        nc = Client()
        try:
            await nc.connect(
                self.config.url,
                name=PUBLISHER_NAME,
                connect_timeout=2,
                # One try each time, no reconnecting in the background: the runner's
                # backoff is the retry loop, and a lost connection is dropped rather than
                # left buffering messages to flush out of order later.
                allow_reconnect=False,
                max_reconnect_attempts=1,
                reconnect_time_wait=0,
                error_cb=_quiet,
            )
        except BaseException:
            with contextlib.suppress(Exception):
                await nc.close()
            raise
        self._nc, self._js = nc, nc.jetstream(timeout=self.config.ack_timeout_s)
        return self._js

    async def _read_tail(self, js: JetStreamContext, ctx: HandlerContext) -> _Tail:
        """The stream's last message and the event it carries; the stream is made if absent."""
        try:
            info = await js.stream_info(self.config.stream)
        except nats.js.errors.NotFoundError:
            info = await js.add_stream(
                StreamConfig(
                    name=self.config.stream,
                    subjects=[f"{self.config.prefix}.>"],
                    duplicate_window=self.config.duplicate_window_s,
                )
            )
            log.info("created JetStream stream %s", self.config.stream)
        last_seq = info.state.last_seq
        tail = _Tail(last_seq, START)
        if info.state.messages:
            try:
                last = await js.get_msg(self.config.stream, last_seq)
            except nats.js.errors.NotFoundError:
                last = None  # purged or deleted: publishing goes on from the checkpoint
            if last is not None:
                event_id = (last.headers or {}).get("Nats-Msg-Id")
                row = await ctx.conn.fetchrow(
                    "SELECT era, tx_id, position FROM events WHERE event_id = $1::text::uuid",
                    event_id,
                )
                if row is None:
                    raise ForeignStream(
                        f"the last message of stream {self.config.stream} ({event_id!r}) is not"
                        " an event of this log; give this deployment a stream of its own"
                    )
                tail = _Tail(last_seq, Checkpoint(row["era"], row["tx_id"], row["position"]))
        return tail

    async def _drop_connection(self) -> None:
        nc, self._nc, self._js = self._nc, None, None
        self._tail = None
        if nc is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await nc.close()

    async def close(self) -> None:
        """Close the connection to NATS."""
        await self._drop_connection()


async def _settle(futures: Sequence[asyncio.Future[PubAck]], timeout_s: float) -> None:
    """Wait a while for acks already asked for, so none is left behind unawaited."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout_s):
            await asyncio.gather(*futures, return_exceptions=True)
    for future in futures:
        future.cancel()


async def _quiet(exc: Exception) -> None:
    # The runner reports NATS being out of reach (waiting, with the error); the client's own
    # traceback on every try would only repeat it.
    log.debug("NATS: %s", _describe(exc))


def _describe(exc: Any) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
