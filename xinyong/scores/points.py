"""Credit points (信用积分): a person's points under a pack's scheme on a given day.

A pure function of the scheme, what the platform holds of the subject (its records and
list memberships, with their dates) and the day, so that any past day gives the answer it
gave then, and every point is an item with its record, rule, policy and clause.

- A record is scored by the first rule that matches it (behaviour or category, polarity,
  severity); bonus rules only ever match good records, deduction rules dishonest ones.
- An entry counts while its record is published (`counts_months` unset), or for that many
  months from the first day of its publicity; never once its record was withdrawn (by its
  unit or because an objection was upheld: as if it never existed) or repaired (its
  deduction ends on the repair day; the year it was published in stays unclean).
- Bonuses diminish with `steps` (the n-th entry of a rule in a calendar year) and are
  capped per rule and year, per rule and per category, filled in date order.
- A list rule adds its points once while the subject is on one of its lists (the scheme's
  own pack's list if it defines one, else any pack's).
- Each full calendar year since the scheme took effect without a dishonest record earns
  the clean-year bonus, up to its total.
- The sum is bounded by the scheme's min and max; the level is the band it falls in.

`scores.refresh` computes the same numbers for every subject at once in SQL; the tests hold
the two to the same answers.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from xinyong.lib.dates import add_months
from xinyong.lists.models import is_active
from xinyong.policies.rulebook import Entry
from xinyong.policies.schema import SEVERITY_ORDER, ScoreRule, ScoreScheme
from xinyong.records.choices import WITHDRAWN
from xinyong.records.publicity import CLOSED, DATED, is_published

CLEAN_YEAR = "clean_year_bonus"


@dataclass(frozen=True)
class RecordFacts:
    """What scoring reads of a record (the columns of `records_record` it needs)."""

    id: int
    behavior: str
    polarity: str
    severity: str
    decided_on: dt.date
    status: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    closed_on: dt.date | None
    rectify_by: dt.date | None = None
    objection_open: bool = False


@dataclass(frozen=True)
class MembershipFacts:
    list_code: str
    policy: str
    since: dt.date
    until: dt.date | None
    ended_on: dt.date | None
    record_id: int


@dataclass
class Item:
    """One reason for points: a record under a rule, a list, or a clean year."""

    date: dt.date
    rule: str
    rule_name: str
    points: int
    policy: str
    clause: str
    behavior: str | None = None
    record_id: int | None = None
    list_code: str | None = None
    # Points before steps and caps, and why fewer were given.
    full_points: int = 0
    note: str = ""
    # The last day the item counts (None: while published, or while on the list).
    counts_until: dt.date | None = None
    objection_open: bool = False


@dataclass
class Score:
    scheme: str
    name: str
    policy: str
    clause: str
    provisional: bool
    note: str
    base: int
    min: int
    max: int
    raw: int
    points: int
    level: str
    as_of: dt.date
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class Scheme:
    """A scheme as applied: its pack entry, and what its rules name resolved once."""

    entry: Entry
    scheme: ScoreScheme
    # Rule index -> behaviour codes it names (directly or by category); None: any.
    behaviors: tuple[frozenset[str] | None, ...]
    owned_lists: frozenset[str]

    @classmethod
    def of(cls, entry: Entry, scheme: ScoreScheme) -> Scheme:
        by_category: dict[str, set[str]] = {}
        for b in entry.pack.behaviors:
            for c in b.categories:
                by_category.setdefault(c, set()).add(b.code)
        behaviors: list[frozenset[str] | None] = []
        for rule in scheme.rules:
            if rule.behaviors or rule.categories:
                codes = set(rule.behaviors)
                for c in rule.categories:
                    codes |= by_category.get(c, set())
                behaviors.append(frozenset(codes))
            else:
                behaviors.append(None)
        return cls(entry, scheme, tuple(behaviors),
                   frozenset(rule.code for rule in entry.pack.lists))

    @property
    def code(self) -> str:
        return self.scheme.code

    @property
    def policy(self) -> str:
        return self.entry.pack.id

    def bonus_start_year(self) -> int:
        """The first full calendar year the scheme was in force."""
        start = self.entry.pack.effective_from
        return start.year if (start.month, start.day) == (1, 1) else start.year + 1

    def rule_for(self, record: RecordFacts) -> int | None:
        """The index of the first record rule matching `record`, or None."""
        for i, rule in enumerate(self.scheme.rules):
            if rule.lists:
                continue
            if rule.deducts != (record.polarity == "dishonest"):
                continue
            if rule.polarity and record.polarity != rule.polarity:
                continue
            codes = self.behaviors[i]
            if codes is not None and record.behavior not in codes:
                continue
            if rule.min_severity and (SEVERITY_ORDER.get(record.severity, -1)
                                      < SEVERITY_ORDER[rule.min_severity]):
                continue
            return i
        return None

    def list_owner(self, list_code: str) -> str | None:
        """Whose memberships a list rule reads: this pack's, if it defines the list."""
        return self.policy if list_code in self.owned_lists else None


def window_end(rule: ScoreRule, record: RecordFacts) -> dt.date | None:
    """The last day an entry counts by its dates (before any withdrawal or repair)."""
    if rule.counts_months is None:
        return record.ends_on
    assert record.starts_on is not None
    return add_months(record.starts_on, rule.counts_months) - dt.timedelta(days=1)


def counts_on(rule: ScoreRule, record: RecordFacts, day: dt.date) -> bool:
    if rule.counts_months is None:
        return is_published(record, day)
    if record.starts_on is None or record.starts_on > day:
        return False
    if add_months(record.starts_on, rule.counts_months) <= day:
        return False
    return record.status in DATED or (
        record.status in CLOSED and record.closed_on is not None and record.closed_on > day)


def stains(record: RecordFacts, day: dt.date) -> bool:
    """Whether a dishonest record makes its decision year unclean, as known on `day`: it was
    published on some day up to `day` and had not been withdrawn by then."""
    if record.polarity != "dishonest" or record.starts_on is None or record.starts_on > day:
        return False
    if record.status in DATED:
        return True
    if record.status not in CLOSED or record.closed_on is None:
        return False
    if record.closed_on <= record.starts_on:
        return False  # closed before its publicity began
    return not (record.status == WITHDRAWN and record.closed_on <= day)


def step_points(rule: ScoreRule, nth: int, points: int) -> int:
    for step in reversed(rule.steps):
        if nth >= step.from_entry:
            return step.points
    return points


def evaluate(s: Scheme, records: list[RecordFacts], memberships: list[MembershipFacts],
             day: dt.date) -> Score:
    scheme = s.scheme
    items: list[Item] = []
    entries: list[tuple[RecordFacts, int, int]] = []
    for record in sorted(records, key=lambda r: (r.decided_on, r.id)):
        i = s.rule_for(record)
        if i is None:
            continue
        rule = scheme.rules[i]
        points = rule.points_for(record.severity)
        if points and counts_on(rule, record, day):
            entries.append((record, i, points))

    nth: Counter[tuple[int, int]] = Counter()
    year_left: dict[tuple[int, int], int] = {}
    rule_left: dict[int, int] = {}
    category_left = {c.code: c.cap for c in scheme.categories}
    for record, i, full in entries:
        rule = scheme.rules[i]
        year = record.decided_on.year
        nth[(i, year)] += 1
        amount = step_points(rule, nth[(i, year)], full) if full > 0 else full
        note = "递减计分" if amount != full else ""
        if amount > 0:
            limits = []
            if rule.cap_per_year:
                limits.append(("年度上限", year_left.setdefault((i, year), rule.cap_per_year)))
            if rule.cap:
                limits.append(("单项上限", rule_left.setdefault(i, rule.cap)))
            if rule.category:
                limits.append(("类别上限", category_left[rule.category]))
            given = amount
            for why, left in limits:
                if left < given:
                    given, note = left, f"已达{why}"
            if rule.cap_per_year:
                year_left[(i, year)] -= given
            if rule.cap:
                rule_left[i] -= given
            if rule.category:
                category_left[rule.category] -= given
            amount = given
        items.append(Item(
            date=record.decided_on, rule=rule.code, rule_name=rule.name, points=amount,
            policy=s.policy, clause=rule.clause, behavior=record.behavior,
            record_id=record.id, full_points=full, note=note,
            counts_until=window_end(rule, record), objection_open=record.objection_open,
        ))

    for rule in scheme.rules:
        if not rule.lists:
            continue
        active = [m for m in memberships
                  if m.list_code in rule.lists and is_active(m, day)
                  and (s.list_owner(m.list_code) in (None, m.policy))]
        if active:
            first = min(active, key=lambda m: (m.since, m.record_id))
            items.append(Item(
                date=first.since, rule=rule.code, rule_name=rule.name,
                points=rule.points_for(""), policy=s.policy, clause=rule.clause,
                record_id=first.record_id, list_code=first.list_code,
                full_points=rule.points_for(""),
            ))

    bonus = scheme.clean_year_bonus
    if bonus:
        stained = {r.decided_on.year for r in records if stains(r, day)}
        remaining: int | None = bonus.max_total
        for year in range(s.bonus_start_year(), day.year):
            if year in stained or remaining == 0:
                continue
            given = bonus.points if remaining is None else min(bonus.points, remaining)
            if remaining is not None:
                remaining -= given
            items.append(Item(
                date=dt.date(year, 12, 31), rule=CLEAN_YEAR, rule_name=f"{year} 年度无失信记录",
                points=given, policy=s.policy, clause=bonus.clause, full_points=bonus.points,
                note="已达奖励总额上限" if given < bonus.points else "",
            ))

    raw = scheme.base + sum(item.points for item in items)
    points = max(scheme.min, min(scheme.max, raw))
    items.sort(key=lambda item: (item.date, item.record_id or 0, item.rule), reverse=True)
    return Score(
        scheme=scheme.code, name=scheme.name, policy=s.policy, clause=scheme.clause,
        provisional=scheme.provisional, note=scheme.note, base=scheme.base, min=scheme.min,
        max=scheme.max, raw=raw, points=points, level=scheme.level(points), as_of=day,
        items=items,
    )


