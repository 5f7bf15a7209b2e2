"""What day it is: England's date, on which deadlines, significant dates and "as of" turn."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

ENGLAND = ZoneInfo("Europe/London")


def today_in_england() -> date:
    """Today's date where the schools are (not UTC's, which is a day behind at 00:30 BST)."""
    return datetime.now(ENGLAND).date()
