"""Chinese working days (工作日), from chinese-calendar's official holiday tables.

Time limits in the policies count working days: weekends and public holidays are off,
and the adjusted working weekends (调休) count. For a year the installed chinese-calendar
has no table for yet (the State Council publishes each year's table in November), the
fallback counts Monday to Friday minus the fixed-date holidays, and says so.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache

import chinese_calendar

log = logging.getLogger(__name__)

# Fixed-date public holidays (元旦, 劳动节, 国庆节); the lunar ones need the official table.
FIXED_HOLIDAYS = {(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)}


@lru_cache(maxsize=8192)
def is_workday(day: dt.date) -> bool:
    """Remembered per day for the process (queues count many deadlines over the same days)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        _warn_once(day.year)
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


@lru_cache(maxsize=64)
def _warn_once(year: int) -> None:
    log.warning("no official holiday table for %s; counting weekdays", year)


def has_official_table(day: dt.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def add_workdays(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (the start day itself not counted).

    A time limit of N working days from an application on `start` ends on this date.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    counted = 0
    while counted < days:
        current += dt.timedelta(days=1)
        if is_workday(current):
            counted += 1
    return current


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        if is_workday(current):
            count += 1
    return count
