"""Working days follow the official Chinese holiday tables, not plain weekdays."""

from __future__ import annotations

import datetime as dt

from xinyong.lib import workdays

D = dt.date


def test_national_day_week_is_not_working() -> None:
    # 2026: 10-01..10-07 off; Sunday 2026-09-20... the table decides, not the weekday.
    assert not workdays.is_workday(D(2026, 10, 5))  # a Monday inside the holiday
    assert workdays.is_workday(D(2026, 10, 9))  # Friday after the holiday


def test_adjusted_working_weekend_counts() -> None:
    # 2026-01-04 (Sunday) is a 调休 working day in the 2026 table.
    assert D(2026, 1, 4).weekday() == 6
    assert workdays.is_workday(D(2026, 1, 4))


def test_add_workdays_across_spring_festival() -> None:
    # Applied on Friday 2026-02-13; Spring Festival 02-15..02-23 off, 02-14 and 02-28 adjusted.
    due = workdays.add_workdays(D(2026, 2, 13), 5)
    plain_weekdays = D(2026, 2, 20)
    assert due > plain_weekdays
    assert workdays.workdays_between(D(2026, 2, 13), due) == 5


def test_add_zero_workdays_is_the_same_day() -> None:
    assert workdays.add_workdays(D(2026, 3, 2), 0) == D(2026, 3, 2)


def test_fallback_beyond_official_tables() -> None:
    far = D(2099, 10, 1)
    assert not workdays.has_official_table(far)
    assert not workdays.is_workday(far)  # 国庆 is a fixed date
    assert workdays.is_workday(D(2099, 10, 5))  # Monday, table unknown: counted as working
