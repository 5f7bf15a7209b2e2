"""Working days in England: weekends and English bank holidays are not working days.

Bank holidays follow the rules in the Banking and Financial Dealings Act 1971 and the
royal proclamations since: New Year's Day, Good Friday, Easter Monday, the early May and
spring bank holidays, the summer bank holiday, Christmas and Boxing Day, each moved to the
next weekday when it falls at a weekend. One-off changes are listed by year below.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

# Proclaimed changes to the rules: (removed, added) per year.
_ONE_OFF: dict[int, tuple[frozenset[date], frozenset[date]]] = {
    # VE Day 75: the early May bank holiday moved to Friday 8 May.
    2020: (frozenset({date(2020, 5, 4)}), frozenset({date(2020, 5, 8)})),
    # Platinum Jubilee: spring bank holiday moved to 2 June, plus 3 June; the Queen's funeral.
    2022: (
        frozenset({date(2022, 5, 30)}),
        frozenset({date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19)}),
    ),
    # The King's coronation.
    2023: (frozenset(), frozenset({date(2023, 5, 8)})),
}


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
    return last - timedelta(days=last.weekday())


def _next_weekday_not_in(day: date, taken: set[date]) -> date:
    while day.weekday() >= 5 or day in taken:
        day += timedelta(days=1)
    return day


@cache
def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays in ``year``."""
    easter = easter_sunday(year)
    days: set[date] = {
        _next_weekday_not_in(date(year, 1, 1), set()),
        easter - timedelta(days=2),
        easter + timedelta(days=1),
        _first_monday(year, 5),
        _last_monday(year, 5),
        _last_monday(year, 8),
    }
    # Christmas first, then Boxing Day, so a weekend pair becomes Monday and Tuesday.
    christmas = _next_weekday_not_in(date(year, 12, 25), set())
    days.add(christmas)
    days.add(_next_weekday_not_in(date(year, 12, 26), {christmas}))
    removed, added = _ONE_OFF.get(year, (frozenset(), frozenset()))
    return frozenset((days - removed) | added)


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
