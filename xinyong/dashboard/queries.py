"""The office's picture of its own work (工作概览): one plain function per chart.

Each function takes a `Scope` (one unit, or None for every unit; a period; today) and
returns a `Table`: Chinese column headers, rows, the plots the page draws from them and the
figures shown at the top. Each counts with one grouped query per table it reads (a few at
most), never a query per unit or per month, so the cost does not grow with the number of
units or months; the rules they count by (published on a day, in force on a list, overdue,
timeliness, the statistics of commitments, certificates and financing) are the apps' own.

Who sees what: the office every unit, a department its own unit only (`scope_for`). Rows
of a unit's work are read through the models' own `visible_to` with the scope's `viewer`
(a department of that unit, or the office); records and list memberships, whose
`visible_to` also shows other units' public rows, are filtered by the reporting unit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from xinyong.accounts.models import Role, Unit
from xinyong.casework import choices as case_choices
from xinyong.casework.models import overdue_q
from xinyong.certificates import services as certificate_services
from xinyong.certificates.models import Certificate
from xinyong.checks.filtersets import has_feedback
from xinyong.checks.models import Check
from xinyong.commitments import choices as commitment_choices
from xinyong.commitments import services as commitment_services
from xinyong.disclosure import timeliness as timeliness_rules
from xinyong.financing import services as financing_services
from xinyong.financing.models import FinancingNeed
from xinyong.lib.errors import DomainError
from xinyong.lists.models import Membership
from xinyong.objections.models import Objection
from xinyong.policies import rulebook
from xinyong.policies.choices import POLARITY
from xinyong.records.choices import WITHDRAWN
from xinyong.records.models import Record
from xinyong.repairs.models import Repair

MAX_DAYS = 366 * 10  # the longest period asked for: ten years of months on one axis
DISHONEST, GOOD = "dishonest", "good"


# --- the scope ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Viewer:
    """Whom a scope reads as: the office (every unit) or a department of one unit. Handed to
    the models' own `visible_to` and to statistics that take a user, so no rule is copied."""

    role: str
    unit_id: int | None = None
    subject_id: None = None
    institution_id: None = None
    is_authenticated: bool = True


@dataclass(frozen=True)
class Scope:
    """What the charts count: one unit's work (None: every unit), decided or received in
    [date_from, date_to]; what is "now" (in force, overdue) is counted on `today`."""

    unit: Unit | None
    date_from: dt.date
    date_to: dt.date
    today: dt.date = field(default_factory=timezone.localdate)

    @property
    def viewer(self) -> Viewer:
        return Viewer(Role.DEPARTMENT, self.unit.pk) if self.unit else Viewer(Role.OFFICE)

    @property
    def label(self) -> str:
        return self.unit.name if self.unit else "全部成员单位"

    def months(self) -> list[str]:
        """Every month of the period, "YYYY-MM", the first and last included."""
        found = []
        year, month = self.date_from.year, self.date_from.month
        while (year, month) <= (self.date_to.year, self.date_to.month):
            found.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found

    def of_unit(self, rows: QuerySet[Any], path: str = "unit_id", *,
                listed: bool = False) -> QuerySet[Any]:
        """Rows reported by the scope's unit; for every unit all rows, or with `listed` the
        same rows asked for by every unit's id, so that PostgreSQL reads them, unit by unit,
        from an index that begins with the unit (the dashboard's migration)."""
        if self.unit:
            return rows.filter(**{path: self.unit.pk})
        if listed:
            return rows.filter(**{f"{path}__in": list(Unit.objects.values_list("pk", flat=True))})
        return rows

    def received_between(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware datetimes [start, end): a `created_at` range an index serves."""
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(self.date_from, dt.time.min, zone)
        return start, dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, zone)


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last 12 months: from the first day of the month eleven months back to today."""
    month = today.month - 11
    year = today.year - (1 if month < 1 else 0)
    return dt.date(year, month + 12 if month < 1 else month, 1), today


def scope_for(user: Any, unit: Unit | None = None, date_from: dt.date | None = None,
              date_to: dt.date | None = None, today: dt.date | None = None) -> Scope:
    """The scope `user` may see: the office any unit or all; a department its own unit only
    (asking for another unit is refused, 403). Missing dates default to the 12 months up
    to `date_to` (today when not given)."""
    today = today or timezone.localdate()
    role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
    if role == Role.DEPARTMENT:
        if unit is not None and unit.pk != user.unit_id:
            raise DomainError("unit", "成员单位只能查看本单位的工作概览", status=403)
        unit = user.unit
    elif role != Role.OFFICE:
        raise DomainError("", "工作概览仅限信用办和成员单位查看", status=403)
    start, end = default_period(date_to or today)
    date_from, date_to = date_from or start, date_to or end
    if date_from > date_to:
        raise DomainError("date_from", "开始日期不能晚于结束日期")
    if (date_to - date_from).days > MAX_DAYS:
        raise DomainError("date_from", "统计期间不能超过 10 年")
    return Scope(unit, date_from, date_to, today)


# --- what a function returns ---------------------------------------------------------------

@dataclass
class Plot:
    """One chart as the page draws it (static/xinyong/dashboard.js): categories on one axis,
    series of numbers; `kind` bar (columns), hbar (rows, for long names), line or pie;
    `percent`: values are percentages (axis 0–100)."""

    title: str
    kind: str
    categories: list[str]
    series: list[dict[str, Any]]
    percent: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"title": self.title, "kind": self.kind, "categories": self.categories,
                "series": self.series, "percent": self.percent}


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]]
    plots: list[Plot] = field(default_factory=list)
    # (label, value) shown at the top of the page.
    figures: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""


def series(name: str, values: Iterable[Any], stack: str | None = None,
           polarity: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {"name": name, "data": [_number(v) for v in values]}
    if stack:
        found["stack"] = stack
    if polarity:
        found["polarity"] = polarity  # the page colours 失信 red and 良好 green
    return found


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _rate(part: int, whole: int) -> float | None:
    """A percentage with one decimal; None when there is nothing to divide."""
    return round(part * 100 / whole, 1) if whole else None


def _shown(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1f}%"


def _unit_names(ids: Iterable[int | None]) -> dict[int | None, str]:
    wanted = {i for i in ids if i is not None}
    names: dict[int | None, str] = dict(Unit.objects.filter(pk__in=wanted).values_list("pk", "name"))
    names[None] = Role.OFFICE.label  # a case the office handles itself
    return names


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@contextmanager
def big_scan() -> Iterator[None]:
    """Around a grouped query over up to a million rows, on PostgreSQL, for its transaction
    only: group in memory (the default 4 MB `work_mem` sorts on disk instead); skip JIT
    compilation (about 100 ms of compiling for a query that runs a few hundred); and let
    the scan run in parallel workers, which the planner shuns because it expects each to
    return as many groups as the product of the columns' distinct values (tens of
    thousands) where they return a few hundred. Evaluate the query inside."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL parallel_setup_cost = 10")
        cursor.execute("SET LOCAL parallel_tuple_cost = 0.001")
        yield


# Count("*"), not Count("pk"): a query that names only indexed columns can be answered from
# an index alone (PostgreSQL's index-only scan), without reading a million table rows.
ROWS = Count("*")


# --- 1. records ------------------------------------------------------------------------------

def records(scope: Scope) -> Table:
    """信用记录 decided in the period, by unit, behaviour, polarity and month of the decision
    (决定日期): one grouped query. Withdrawn records (reported in error) are left out."""
    grouped = (scope.of_unit(Record.objects.filter(decided_on__gte=scope.date_from,
                                                   decided_on__lte=scope.date_to), listed=True)
               .exclude(status=WITHDRAWN).annotate(month=TruncMonth("decided_on"))
               .values_list("unit_id", "behavior", "polarity", "month").annotate(n=ROWS)
               .order_by())
    with big_scan():
        found = [(unit_id, behavior, polarity, _month(month), n)
                 for unit_id, behavior, polarity, month, n in grouped]
    names = _unit_names(u for u, *_ in found)
    book = rulebook.current()
    rows = sorted([[month, names[unit_id], book.behavior_text(behavior), POLARITY.label(polarity), n]
                   for unit_id, behavior, polarity, month, n in found])
    months = scope.months()
    by_month: dict[tuple[str, str], int] = defaultdict(int)
    by_unit: dict[tuple[str, str], int] = defaultdict(int)
    by_behavior: dict[tuple[str, str], int] = defaultdict(int)
    for unit_id, behavior, polarity, month, n in found:
        by_month[month, polarity] += n
        by_unit[names[unit_id], polarity] += n
        by_behavior[book.behavior_text(behavior), polarity] += n
    totals = {p: sum(n for (_, q), n in by_month.items() if q == p) for p in (DISHONEST, GOOD)}
    units = sorted({u for u, _ in by_unit})
    behaviors = sorted({b for b, _ in by_behavior},
                       key=lambda b: -(by_behavior[b, DISHONEST] + by_behavior[b, GOOD]))[:10]

    def stacked(keys: list[str], counts: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
        return [series(POLARITY.label(p), (counts.get((k, p), 0) for k in keys), "记录", p)
                for p in (DISHONEST, GOOD)]

    return Table(
        ["月份", "成员单位", "行为", "性质", "记录数"], rows,
        [Plot("按月份", "bar", months, stacked(months, by_month)),
         Plot("按成员单位", "hbar", units, stacked(units, by_unit)),
         Plot("按行为（前 10 项）", "hbar", behaviors, stacked(behaviors, by_behavior))],
        [("期间内信用记录", f"{sum(totals.values())} 条"),
         ("其中失信", f"{totals[DISHONEST]} 条"), ("其中良好", f"{totals[GOOD]} 条")],
        "按决定日期所在月份统计；不含已撤回的记录。")


# --- 2. publicity in force today ---------------------------------------------------------------

def publicity(scope: Scope) -> Table:
    """Records published today (records.publicity), by unit and polarity: one grouped query.
    A count of today, whatever the period."""
    grouped = (scope.of_unit(Record.objects.published_on(scope.today))
               .values_list("unit_id", "polarity").annotate(n=ROWS).order_by())
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {DISHONEST: 0, GOOD: 0})
    with big_scan():
        found = list(grouped)
    for unit_id, polarity, n in found:
        counts[unit_id][polarity] = counts[unit_id].get(polarity, 0) + n
    names = _unit_names(counts)
    ordered = sorted(counts, key=lambda u: names[u])
    rows = [[names[u], counts[u][DISHONEST], counts[u][GOOD], sum(counts[u].values())]
            for u in ordered]
    labels = [names[u] for u in ordered]
    total = sum(sum(c.values()) for c in counts.values())
    return Table(
        ["成员单位", "失信", "良好", "合计"], rows,
        [Plot("今日公示中的信用记录", "hbar", labels,
              [series(POLARITY.label(p), (counts[u][p] for u in ordered), "公示", p)
               for p in (DISHONEST, GOOD)])],
        [("今日公示中", f"{total} 条")],
        f"{scope.today.isoformat()} 在公示期内的记录，不受统计期间影响。")


# --- 3. list entries and exits -------------------------------------------------------------------

def exit_day(since: dt.date, until: dt.date | None, ended_on: dt.date | None) -> dt.date | None:
    """The first day a membership was off its list: ended early (`ended_on`) or the day after
    its term (`until`), whichever came first; None while it runs, and None if it ended
    before it began (it never put anyone on the list). `lists.models.is_active` agrees."""
    days = [d for d in (ended_on, until + dt.timedelta(days=1) if until else None) if d]
    gone = min(days) if days else None
    return gone if gone is not None and gone > since else None


def lists(scope: Scope) -> Table:
    """Entries (列入, on `since`) and exits (移出, on `exit_day`) in the period, by month and
    list: one grouped query over the memberships that began, ended or ran out in the period,
    by their dates (few distinct ones), bucketed here."""
    start, end = scope.date_from, scope.date_to
    day = dt.timedelta(days=1)
    near = (scope.of_unit(Membership.objects.all(), "record__unit_id")
            .filter(Q(since__gte=start, since__lte=end) | Q(ended_on__gte=start, ended_on__lte=end)
                    | Q(until__gte=start - day, until__lte=end - day))
            .values_list("list_code", "list_name", "since", "until", "ended_on")
            .annotate(n=ROWS).order_by())
    names: dict[str, str] = {}
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    with big_scan():
        found = list(near)
    for code, name, since, until, ended_on, n in found:
        names.setdefault(code, name)
        if start <= since <= end:
            counts[_month(since), code][0] += n
        gone = exit_day(since, until, ended_on)
        if gone is not None and start <= gone <= end:
            counts[_month(gone), code][1] += n
    keys = sorted(counts, key=lambda k: (k[0], names[k[1]]))
    rows = [[month, names[code], *counts[month, code]] for month, code in keys]
    by_month: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_list: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (month, code), (entered, left) in counts.items():
        for bucket in (by_month[month], by_list[code]):
            bucket[0] += entered
            bucket[1] += left
    months = scope.months()
    codes = sorted(names, key=lambda c: names[c])
    entries, exits = (sum(v[i] for v in by_list.values()) for i in (0, 1))
    return Table(
        ["月份", "名单", "列入", "移出"], rows,
        [Plot("按月份", "bar", months, [series(label, (by_month[m][i] for m in months))
                                        for i, label in ((0, "列入"), (1, "移出"))]),
         Plot("按名单", "hbar", [names[c] for c in codes],
              [series(label, (by_list[c][i] for c in codes)) for i, label in ((0, "列入"), (1, "移出"))])],
        [("期间内列入名单", f"{entries} 次"), ("期间内移出名单", f"{exits} 次")],
        "列入按列入日期统计；移出含提前移出（修复、撤销、异议成立、整改、政策失效）和期满移出，"
        "按移出当日统计。")


# --- 4. repairs and objections ------------------------------------------------------------------

CASE_KINDS = [("信用修复", Repair), ("异议处理", Objection)]


def _case_counts(model: Any, scope: Scope) -> dict[int, dict[str, int]]:
    """One grouped query: received, decided, decided on time in the period; overdue today."""
    start, end, today = scope.date_from, scope.date_to, scope.today
    received = Q(submitted_on__gte=start, submitted_on__lte=end)
    # A decision (不予受理 too), not the applicant's withdrawal.
    decided = Q(decided_on__gte=start, decided_on__lte=end) & ~Q(status=case_choices.WITHDRAWN)
    # Every step within its limit: refused (never accepted) by the acceptance limit; else
    # accepted by it and decided by the decision limit (a kind that counts the decision
    # limit from acceptance moves `due_by` then, so a late acceptance must be seen apart).
    on_time = decided & (Q(accepted_on__isnull=True, decided_on__lte=F("accept_by"))
                         | Q(accepted_on__lte=F("accept_by"), decided_on__lte=F("due_by")))
    rows = (model.objects.visible_to(scope.viewer).filter(received | decided | overdue_q(today))
            .values("unit_id").order_by()
            .annotate(received=Count("pk", filter=received), decided=Count("pk", filter=decided),
                      on_time=Count("pk", filter=on_time),
                      overdue=Count("pk", filter=overdue_q(today))))
    return {row.pop("unit_id"): row for row in rows}


def cases(scope: Scope) -> Table:
    """信用修复 and 异议 by unit: received, decided, decided on time, overdue now."""
    found = [(label, _case_counts(model, scope)) for label, model in CASE_KINDS]
    names = _unit_names(u for _, counts in found for u in counts)
    rows = []
    plots = []
    totals = {"received": 0, "overdue": 0}
    for label, counts in found:
        ordered = sorted(counts, key=lambda u: names[u])
        for u in ordered:
            c = counts[u]
            rows.append([names[u], label, c["received"], c["decided"], c["on_time"],
                         _rate(c["on_time"], c["decided"]), c["overdue"]])
            totals["received"] += c["received"]
            totals["overdue"] += c["overdue"]
        plots.append(Plot(label, "bar", [names[u] for u in ordered], [
            series(name, (counts[u][key] for u in ordered))
            for key, name in (("received", "收到"), ("decided", "办结"), ("on_time", "按期办结"),
                              ("overdue", "当前超期"))]))
    return Table(
        ["成员单位", "类别", "收到", "办结", "按期办结", "按期办结率（%）", "当前超期"], rows, plots,
        [("期间内收到修复和异议申请", f"{totals['received']} 件"),
         ("当前超期未办结", f"{totals['overdue']} 件")],
        "收到按申请日期、办结按办结日期在统计期间内统计；办结含不予受理，不含申请人撤回；"
        "按期办结：在受理期限内受理（或不予受理）并在办结期限内办结；"
        f"当前超期：截至 {scope.today.isoformat()} 已过当前期限仍未办结（不受统计期间影响）。")


# --- 5. 双公示 timeliness ---------------------------------------------------------------------------

def timeliness(scope: Scope) -> Table:
    """报送及时率 of 双公示 entries decided in the period, by unit (disclosure.timeliness)."""
    units = Unit.objects.filter(pk=scope.unit.pk) if scope.unit else Unit.objects.all()
    with big_scan():
        stats = [s for s in timeliness_rules.unit_stats(scope.date_from, scope.date_to, units)
                 if s.total]
    stats.sort(key=lambda s: s.unit.name)
    rows = [[s.unit.name, s.total, s.within, s.late, _rate(s.within, s.total), s.limit, s.longest]
            for s in stats]
    total, within = sum(s.total for s in stats), sum(s.within for s in stats)
    return Table(
        ["成员单位", "报送条数", "按时", "超期", "及时率（%）", "时限（工作日）", "最长用时（工作日）"], rows,
        [Plot("报送及时率", "hbar", [s.unit.name for s in stats],
              [series("及时率", (_rate(s.within, s.total) for s in stats))], percent=True)],
        [("双公示报送及时率", _shown(_rate(within, total)))],
        "决定日期在统计期间内的行政处罚和行政许可，从决定日期到报送平台的工作日数与政策规定的时限比较。")


# --- 6. checks and feedback ----------------------------------------------------------------------

def checks(scope: Scope) -> Table:
    """信用核查 made in the period by unit (or institution) and scenario: how many, how many
    hit a measure, how many of those got feedback (反馈率): one grouped query."""
    start, end = scope.received_between()
    hits = Q(restricted__gt=0) | Q(incentivised__gt=0)
    grouped = (Check.objects.visible_to(scope.viewer).filter(created_at__gte=start, created_at__lt=end)
               .values_list("unit_id", "institution__name", "scenario").order_by()
               .annotate(n=Count("pk"), subjects=Sum("subject_count"), punished=Sum("restricted"),
                         rewarded=Sum("incentivised"), hit=Count("pk", filter=hits),
                         answered=Count("pk", filter=hits & Q(has_feedback()))))
    found = list(grouped)
    names = _unit_names(u for u, *_ in found)
    scenarios = rulebook.current().scenarios()
    rows = []
    by_who: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_scenario: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for unit_id, institution, scenario, n, subjects, restricted, incentivised, hit, answered in found:
        who = institution if unit_id is None and institution else names[unit_id]
        label = scenarios.get(scenario, scenario)
        rows.append([who, label, n, subjects or 0, restricted or 0, incentivised or 0, hit, answered,
                     _rate(answered, hit)])
        for key, bucket in ((who, by_who), (label, by_scenario)):
            for i, value in enumerate((n, hit, answered)):
                bucket[key][i] += value
    rows.sort(key=lambda r: (r[0], r[1]))

    def plot(title: str, bucket: dict[str, list[int]]) -> Plot:
        keys = sorted(bucket)
        return Plot(title, "hbar", keys, [series(name, (bucket[k][i] for k in keys))
                                          for i, name in enumerate(("核查次数", "有命中", "已反馈"))])

    n = sum(v[0] for v in by_who.values())
    hit = sum(v[1] for v in by_who.values())
    answered = sum(v[2] for v in by_who.values())
    return Table(
        ["核查方", "场景", "核查次数", "核查主体数", "命中惩戒", "命中激励", "有命中的核查", "已反馈的核查",
         "反馈率（%）"], rows,
        [plot("按核查方", by_who), plot("按场景", by_scenario)],
        [("期间内信用核查", f"{n} 次"), ("核查反馈率", _shown(_rate(answered, hit)))],
        "按核查日期统计；反馈率：命中惩戒或激励措施的核查中，已就措施执行情况反馈的比例。")


# --- 7. commitments, certificates, financing -----------------------------------------------------

def commitments(scope: Scope) -> Table:
    """信用承诺 by letter (commitments.services.stats, as the scope's viewer sees them)."""
    stats = commitment_services.stats(scope.viewer, scope.today)
    s = commitment_choices.STATUS
    rows = [[row["name"], row["doc_number"], row["signed"], row["in_force"], row["fulfilled"],
             row["breached"], row["withdrawn"], row["breach_rate"]] for row in stats["by_template"]]
    names = [row["name"] for row in stats["by_template"]]
    return Table(
        ["承诺书", "依据", "签署", s.label(commitment_choices.IN_FORCE),
         s.label(commitment_choices.FULFILLED), s.label(commitment_choices.BREACHED),
         s.label(commitment_choices.WITHDRAWN), "未履约率"], rows,
        [Plot("按承诺书", "hbar", names, [
            series(label, (row[key] for row in stats["by_template"]), "承诺")
            for key, label in (("in_force", s.label(commitment_choices.IN_FORCE)),
                               ("fulfilled", s.label(commitment_choices.FULFILLED)),
                               ("breached", s.label(commitment_choices.BREACHED)),
                               ("withdrawn", s.label(commitment_choices.WITHDRAWN)))])],
        [("信用承诺", f"{stats['total']} 份")],
        f"全部已签署的承诺（不受统计期间影响）；告知承诺待核查 {stats['due']} 份，"
        f"逾期未核查 {stats['overdue']} 份。未履约率：核查过的承诺中未履约的比例。")


def certificates(scope: Scope) -> Table:
    """不可抗力事实性证明 applied for in the period (certificates.services.stats)."""
    cases = (Certificate.objects.visible_to(scope.viewer)
             .filter(submitted_on__gte=scope.date_from, submitted_on__lte=scope.date_to))
    stats = certificate_services.stats(cases)
    counted = [("applied", "申请"), ("issued", "已出具"), ("not_issued", "不予出具"),
               ("refused", "不予受理"), ("withdrawn", "申请人撤回"), ("open", "办理中")]
    rows: list[list[Any]] = [[label, stats[key]] for key, label in counted]
    rows += [["出具用时中位数（工作日）", _number(stats["median_days"])],
             ["出具最长用时（工作日）", stats["max_days"]]]
    return Table(
        ["指标", "数值"], rows,
        [Plot("不可抗力事实性证明", "bar", [label for _, label in counted],
              [series("件数", (stats[key] for key, _ in counted))])],
        [("不可抗力证明申请", f"{stats['applied']} 件")],
        "按申请日期在统计期间内统计；用时为申请到出具的工作日数。")


def financing(scope: Scope) -> Table:
    """信易贷 needs posted in the period, by institution (financing.services.stats). Needs
    are handled by institutions, not units: counted for the office's view of every unit."""
    if scope.unit is not None:
        return Table(["金融机构"], [], note="信易贷融资需求由金融机构办理，不按成员单位统计。")
    needs = FinancingNeed.objects.filter(submitted_on__gte=scope.date_from,
                                         submitted_on__lte=scope.date_to)
    stats = financing_services.stats(needs, scope.today)
    keys = [("posted", "需求"), ("waiting", "待受理"), ("taken", "已受理"), ("lent", "已放款"),
            ("declined", "未放款"), ("withdrawn", "撤回"), ("overdue", "超期"),
            ("amount_asked_wan", "需求金额（万元）"), ("amount_lent_wan", "放款金额（万元）"),
            ("median_days_to_lend", "放款用时中位数（工作日）")]
    rows = [[row["institution"], *(_number(row[k]) for k, _ in keys)] for row in stats["by_institution"]]
    everything = stats["all"]
    rows.append(["合计（含尚未受理）", *(_number(everything[k]) for k, _ in keys)])
    institutions = [row["institution"] for row in stats["by_institution"]]
    return Table(
        ["金融机构", *(label for _, label in keys)], rows,
        [Plot("按金融机构", "hbar", institutions, [
            series(label, (row[key] for row in stats["by_institution"]))
            for key, label in (("taken", "已受理"), ("lent", "已放款"), ("declined", "未放款"))])],
        [("信易贷融资需求", f"{everything['posted']} 笔")],
        "按需求的发布日期在统计期间内统计；超期按今天计算；用时为发布到放款的工作日数。")


# --- the registry -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    function: Callable[[Scope], Table]
    kind: str  # the main plot's type: bar, hbar
    office_wide: bool = False  # counted for every unit only (absent from one unit's view)


CHARTS: list[Chart] = [
    Chart("records", "信用记录（按成员单位、行为、性质、月份）", records, "bar"),
    Chart("publicity", "今日公示中的信用记录（按成员单位）", publicity, "hbar"),
    Chart("lists", "名单列入和移出（按月份、名单）", lists, "bar"),
    Chart("cases", "信用修复和异议办理（按成员单位）", cases, "bar"),
    Chart("timeliness", "双公示报送及时率（按成员单位）", timeliness, "hbar"),
    Chart("checks", "信用核查和反馈（按核查方、场景）", checks, "hbar"),
    Chart("commitments", "信用承诺（按承诺书）", commitments, "hbar"),
    Chart("certificates", "不可抗力事实性证明", certificates, "bar"),
    Chart("financing", "信易贷融资需求（按金融机构）", financing, "hbar", office_wide=True),
]
BY_KEY = {chart.key: chart for chart in CHARTS}


def charts_for(scope: Scope) -> list[Chart]:
    """The charts of a scope: one unit's view leaves out those counted for every unit only."""
    return [c for c in CHARTS if not (c.office_wide and scope.unit is not None)]
