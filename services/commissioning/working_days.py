"""Working days in England: weekends and English bank holidays are not working days.

Bank holidays come from the ``holidays`` package, which computes them offline from the
Banking and Financial Dealings Act 1971's rules and keeps up with royal proclamations (a
moved early May bank holiday, a jubilee, a coronation), so no table here needs keeping.
Pure: no I/O and no clock.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays


@cache
def bank_holidays(year: int) -> frozenset[date]:
    """England's bank holidays in ``year``: the days off, a weekend's substitute included."""
    # The package also names the weekend date a holiday falls on (Boxing Day on a
    # Saturday); only its weekday substitute is a bank holiday.
    days = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return frozenset(day for day in days if day.weekday() < 5)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not an English bank holiday."""
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (the day after ``start`` is day 1)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day
