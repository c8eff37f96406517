"""Calendar arithmetic for periods counted in months (公示期 of N 个月)."""

from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache


@lru_cache(maxsize=65536)
def add_months(day: dt.date, months: int) -> dt.date:
    """The same day N months later; the month's last day when it has no such day
    (2020-01-31 + 1 month = 2020-02-29), as relativedelta and the courts count."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
