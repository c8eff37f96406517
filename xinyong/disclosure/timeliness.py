"""Timeliness (报送及时率): how many working days after the decision a unit put a 双公示
entry on the platform, against the packs' limit (`publication`, 7 working days by the
platform defaults); the share within the limit per unit; late entries flagged.

An entry is on the platform, and so published, the day it is received (`created_at`,
local date). Working days are the Chinese calendar's (lib/workdays.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db.models import Count, F, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from xinyong.accounts.models import Unit
from xinyong.lib import workdays
from xinyong.licences.models import Licence
from xinyong.policies import jurisdiction, rulebook
from xinyong.policies.schema import Publication
from xinyong.records.models import Record
from xinyong.records.penalties import penalty_q


@dataclass(frozen=True)
class Limit:
    working_days: int
    policy: str
    doc_number: str
    clause: str


def limit_for(region: str | None, day: dt.date, kind: str,
              book: rulebook.Rulebook | None = None) -> Limit | None:
    """The publication limit for a unit's region on a decision day (None: no pack sets one).
    `book`: the rulebook to read (default: the current one, one round trip to learn it)."""
    found: list[tuple[Any, Publication]] = []
    for entry in (book or rulebook.current()).in_force(day):
        rule = entry.pack.publication
        if rule and kind in rule.applies_to and jurisdiction.governs(entry, region):
            found.append((entry, rule))
    chosen = jurisdiction.most_local(found)
    if chosen is None:
        return None
    entry, rule = chosen
    return Limit(rule.working_days, entry.pack.id, entry.pack.doc_number, rule.clause)


@lru_cache(maxsize=20_000)
def working_days(decided_on: dt.date, received_on: dt.date) -> int:
    """Working days after the decision up to the day received (0: the same day)."""
    return workdays.workdays_between(decided_on, received_on)


@dataclass(frozen=True)
class Delay:
    days: int
    limit: Limit | None

    @property
    def late(self) -> bool:
        return self.limit is not None and self.days > self.limit.working_days


def delay(decided_on: dt.date, created_at: dt.datetime, region: str | None, kind: str) -> Delay:
    received = timezone.localdate(created_at)
    return Delay(working_days(decided_on, received), limit_for(region, decided_on, kind))


@dataclass
class UnitStats:
    unit: Unit
    total: int = 0
    within: int = 0
    late: int = 0
    days: list[int] = field(default_factory=list)
    limit: int | None = None

    @property
    def share(self) -> float | None:
        return self.within / self.total if self.total else None

    @property
    def longest(self) -> int | None:
        return max(self.days) if self.days else None


def _rows(model_rows: QuerySet[Any], start: dt.date, end: dt.date) -> Any:
    return (model_rows.filter(decided_on__gte=start, decided_on__lte=end)
            .annotate(received=TruncDate("created_at"))
            .values("unit_id", "decided_on", "received").annotate(n=Count("id")))


def unit_stats(start: dt.date, end: dt.date, units: QuerySet[Unit]) -> list[UnitStats]:
    """Per unit, the entries decided in [start, end]: how many, how many within the limit.

    Counted in the database by (unit, decision day, day received), so the Python side sees
    one row per distinct pair however many entries there are."""
    stats = {unit.pk: UnitStats(unit) for unit in units}
    sources = [("penalties", Record.objects.filter(penalty_q())), ("licences", Licence.objects.all())]
    # One rulebook for the whole count, and each limit found once: a year of entries has
    # tens of thousands of (unit, decision day, day received) rows but few (region, day).
    book = rulebook.current()
    limits: dict[tuple[str | None, dt.date, str], Limit | None] = {}
    for kind, rows in sources:
        for row in _rows(rows.filter(unit__in=units), start, end):
            unit_stat = stats[row["unit_id"]]
            key = (unit_stat.unit.region, row["decided_on"], kind)
            if key not in limits:
                limits[key] = limit_for(*key, book=book)
            limit = limits[key]
            days = working_days(row["decided_on"], row["received"])
            unit_stat.total += row["n"]
            unit_stat.days.append(days)
            if limit is not None:
                unit_stat.limit = limit.working_days
            if limit is None or days <= limit.working_days:
                unit_stat.within += row["n"]
            else:
                unit_stat.late += row["n"]
    return sorted(stats.values(), key=lambda s: (-(s.late), s.unit.name))


def late_entries(start: dt.date, end: dt.date, units: QuerySet[Unit], limit: int = 200
                 ) -> list[dict[str, Any]]:
    """The late entries themselves, newest decision first, for the unit to see which."""
    found: list[dict[str, Any]] = []
    # Working days never exceed calendar days: only entries received more than the shortest
    # limit's calendar days after the decision can be late, and the database finds those.
    shortest = min((e.pack.publication.working_days for e in rulebook.current().entries
                    if e.pack.publication), default=1)
    sources: list[tuple[str, QuerySet[Any]]] = [
        ("penalties", Record.objects.filter(penalty_q())), ("licences", Licence.objects.all())]
    for kind, rows in sources:
        query = (rows.filter(unit__in=units, decided_on__gte=start, decided_on__lte=end)
                 .annotate(received=TruncDate("created_at"))
                 .filter(received__gt=F("decided_on") + dt.timedelta(days=shortest))
                 .select_related("unit", "subject").order_by("-decided_on", "-id"))
        for entry in query.iterator(chunk_size=2000):
            measured = delay(entry.decided_on, entry.created_at, entry.unit.region, kind)
            if measured.late:
                found.append({"kind": kind, "entry": entry, "days": measured.days,
                              "limit": measured.limit})
    found.sort(key=lambda e: (e["entry"].decided_on, e["entry"].pk), reverse=True)
    return found[:limit]
