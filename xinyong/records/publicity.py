"""The one rule for "published on a given day" (某日在公示中), in the three forms the
platform needs: a Python predicate (pages), an ORM condition (lists, profiles, the API)
and an SQL fragment (the checks' single round trip). The tests hold the three, and
`effective_status`, to the same answers with Hypothesis (tests/test_publicity.py).

A record is published on `day` when its publicity has begun (`starts_on`), has not ended
(`ends_on`, inclusive), and it was not closed by then: its stored status is one whose
dates decide (published, deferred, expired: the daily task may not have run yet), or it
was withdrawn or repaired after `day` (`closed_on`, the first day it was not shown).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from django.db.models import Q

from xinyong.records.choices import DEFERRED, EXPIRED, PUBLISHED, REPAIRED, WITHDRAWN

DATED = (PUBLISHED, DEFERRED, EXPIRED)  # stored statuses whose dates alone decide
CLOSED = (WITHDRAWN, REPAIRED)  # shown until the day they were closed


class Dates(Protocol):
    """What the rule reads: a Record, or a row of those columns (the export's)."""

    @property
    def status(self) -> str: ...
    @property
    def rectify_by(self) -> dt.date | None: ...
    @property
    def starts_on(self) -> dt.date | None: ...
    @property
    def ends_on(self) -> dt.date | None: ...
    @property
    def closed_on(self) -> dt.date | None: ...


def is_published(record: Dates, day: dt.date) -> bool:
    if record.starts_on is None or record.starts_on > day:
        return False
    if record.ends_on is not None and record.ends_on < day:
        return False
    if record.status in DATED:
        return True
    return record.status in CLOSED and record.closed_on is not None and record.closed_on > day


def published_q(day: dt.date, prefix: str = "") -> Q:
    """The same rule on rows (`prefix` for a related record, e.g. "record__")."""
    def f(name: str) -> str:
        return prefix + name

    return (Q(**{f("starts_on__lte"): day})
            & (Q(**{f("ends_on__isnull"): True}) | Q(**{f("ends_on__gte"): day}))
            & (Q(**{f("status__in"): DATED})
               | Q(**{f("status__in"): CLOSED, f("closed_on__gt"): day})))


def published_sql(alias: str, day: dt.date) -> tuple[str, list[Any]]:
    """The same rule as an SQL condition on the record table aliased `alias`, and its
    parameters (every value a parameter)."""
    sql = (f"{alias}.starts_on <= %s AND ({alias}.ends_on IS NULL OR {alias}.ends_on >= %s)"
           f" AND ({alias}.status IN (%s, %s, %s)"
           f" OR ({alias}.status IN (%s, %s) AND {alias}.closed_on > %s))")
    return sql, [day, day, *DATED, *CLOSED, day]
