"""What day it is, for the transfer scheduler: England's date (``shared.clock``) in service,
a hand-moved one in tests."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Protocol

from shared.clock import ENGLAND, today_in_england


class Clock(Protocol):
    """Today's date, and a way to wait until it may have moved on."""

    def today(self) -> date:
        """The date on which transfers fall due."""

    async def changed(self) -> None:
        """Return once ``today()`` may give a later date (at the latest, soon after midnight)."""


class EnglandClock:
    """The real clock: the date where the schools are."""

    def __init__(self, *, max_wait_s: float = 300.0) -> None:
        # Waking now and then costs nothing and survives a suspended machine or a DST edge.
        self.max_wait_s = max_wait_s

    def today(self) -> date:
        """Today's date in England."""
        return today_in_england()

    async def changed(self) -> None:
        """Sleep until just after the next midnight in England, or ``max_wait_s``."""
        now = datetime.now(ENGLAND)
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), ENGLAND)
        await asyncio.sleep(min(self.max_wait_s, (midnight - now).total_seconds() + 1))


class ManualClock:
    """A clock moved by hand, for tests and demonstrations: ``advance_to`` wakes its waiters."""

    def __init__(self, today: date) -> None:
        self._today = today
        self._moved = asyncio.Event()

    def today(self) -> date:
        """The date it was last set to."""
        return self._today

    async def changed(self) -> None:
        """Wait until ``advance_to`` is next called."""
        await self._moved.wait()

    def advance_to(self, day: date) -> None:
        """Move to ``day`` (never backwards) and wake whoever waits on the clock."""
        if day < self._today:
            raise ValueError(f"the clock does not go back from {self._today} to {day}")
        self._today = day
        # Wake every current waiter, then let the next ``changed`` wait again.
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()
