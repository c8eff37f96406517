"""The set-based recompute of points and grades (积分与评级批量计算).

Every scheme in force and the grade rules are compiled into one SQL statement
(`evaluation_sql`) that reads the records once and the memberships once:

1. `m`: each record that was ever published by the day, with the rule each scheme gives it
   (the rules' first-match order as one CASE per scheme);
2. `y`: per subject and decision year, per scheme and rule, the points of the entries that
   count on the day (or, for a rule with diminishing steps, their number: with a fixed
   value per entry, the sum of the first n steps is a closed form), whether the year is
   stained by a dishonest record, and the published dishonest records the grade rules count;
3. `t`: per subject, the yearly amounts capped by `cap_per_year` and summed, the stained
   years of each scheme's bonus range, the dishonest counts;
4. `l`: per subject, the lists in force each list rule and grade rule names;
5. `f`: per subject, each scheme's raw points (rule caps, category caps, list rules, the
   clean-year bonus) and the grade rule that holds (the most local grade scheme governing
   the region of its USCC); the outer SELECT clamps, names the level, the grade and the
   inspection adjustments.

Caps nest (year within rule within category: a laminar family), so these mins give what
the date-ordered filling of `scores.points` gives. `scores.points` and `scores.grading` are
the reference; the tests hold this SQL to their answers on SQLite and PostgreSQL.

A full run puts the result in a temporary table and writes only the rows that changed (a
nightly run over a million subjects writes the few that did); a scoped run (one subject on
a change of its records, an import's subjects) upserts its rows. Runs: nightly and after a
pack or event changes (every subject), after an import, for one subject after each change of
its records or on request.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from xinyong.lib.dates import add_months
from xinyong.lists.models import active_sql
from xinyong.policies import jurisdiction
from xinyong.policies.rulebook import Entry, Rulebook
from xinyong.policies.schema import SEVERITY_ORDER, ScoreRule
from xinyong.records.choices import WITHDRAWN
from xinyong.records.publicity import CLOSED, DATED, published_sql
from xinyong.scores.grading import OTHERWISE
from xinyong.scores.models import Refresh
from xinyong.scores.points import Scheme

log = logging.getLogger(__name__)

RECORDS = "records_record"
SUBJECTS = "subjects_subject"
MEMBERSHIPS = "lists_membership"
SCORES = "scores_subjectscore"
GRADES = "scores_subjectgrade"


class Sql:
    """An SQL text with its parameters, built in order."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, text: str, *params: Any) -> Sql:
        self.parts.append(text)
        self.params.extend(params)
        return self

    def extend(self, other: Sql) -> Sql:
        return self.add(other.text(), *other.params)

    def text(self) -> str:
        return "".join(self.parts)


def _in(values: Iterable[Any]) -> tuple[str, list[Any]]:
    values = list(values)
    return "(" + ", ".join(["%s"] * len(values)) + ")", values


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _year(column: str) -> str:
    if _pg():
        return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
    return f"CAST(strftime('%%Y', {column}) AS INTEGER)"


def _least(*terms: str) -> str:
    return f"{'LEAST' if _pg() else 'MIN'}({', '.join(terms)})"


def _greatest(*terms: str) -> str:
    return f"{'GREATEST' if _pg() else 'MAX'}({', '.join(terms)})"


def _fence() -> str:
    """Keeps PostgreSQL from folding a subquery into its reader, which would compute each
    of its columns again at every use (the rule CASEs, the raw points)."""
    return " OFFSET 0" if _pg() else ""


def last_start_not_counting(day: dt.date, months: int) -> dt.date:
    """The latest first day of publicity whose `months`-long window is over by `day`
    (add_months(s, months) <= day); entries starting after it still count."""
    candidate = add_months(day, -months)
    while add_months(candidate + dt.timedelta(days=1), months) <= day:
        candidate += dt.timedelta(days=1)
    while add_months(candidate, months) > day:
        candidate -= dt.timedelta(days=1)
    return candidate


def region_sql(entry: Entry, column: str = "s.code") -> tuple[str, list[Any]]:
    """`jurisdiction.governs(entry, region of the USCC in column)` as SQL."""
    if not entry.pack.regions:
        return "1=1", []
    parts, params = [], []
    for area in entry.pack.regions:
        start = jurisdiction.prefix(area)
        parts.append(f"SUBSTR({column}, 3, {len(start)}) = %s")
        params.append(start)
    return "(" + " OR ".join(parts) + ")", params


@dataclass(frozen=True)
class Scope:
    """Which subjects a run covers: every one, the given ones, or an import's."""

    subject_ids: list[int] | None = None
    import_job: int | None = None

    @property
    def everyone(self) -> bool:
        return self.subject_ids is None and self.import_job is None

    def on(self, column: str) -> Sql:
        """` AND <column> in scope` (nothing for every subject)."""
        if self.import_job is not None:
            return Sql().add(f" AND {column} IN (SELECT subject_id FROM {RECORDS} "
                             "WHERE import_job_id = %s)", self.import_job)
        if self.subject_ids is not None:
            marks, values = _in(self.subject_ids or [0])
            return Sql().add(f" AND {column} IN {marks}", *values)
        return Sql()


def grade_schemes(book: Rulebook, day: dt.date) -> list[Entry]:
    """The packs in force with grade rules, the most local first (as `most_local` picks)."""
    found = [e for e in book.in_force(day) if e.pack.grades]
    return sorted(found, key=lambda e: jurisdiction.LOCALITY[e.pack.level])


@dataclass
class Compiled:
    """The statement and what its columns mean: `subject_id`, then `p{k}`/`l{k}` (points
    and level under `schemes[k]`, NULL for subjects of other kinds), then `grade`, `rule`,
    `policy`, `adjustments` (NULL where no grade scheme covers the subject)."""

    sql: Sql
    schemes: list[Scheme] = field(default_factory=list)
    grades: bool = False


def _rule_condition(s: Scheme, i: int, rule: ScoreRule) -> tuple[str, list[Any]]:
    conds = ["r.polarity = %s"]
    params: list[Any] = ["dishonest" if rule.deducts else "good"]
    codes = s.behaviors[i]
    if codes is not None:
        marks, values = _in(sorted(codes) or [""])
        conds.append(f"r.behavior IN {marks}")
        params += values
    if rule.min_severity:
        allowed = [k for k, v in SEVERITY_ORDER.items() if v >= SEVERITY_ORDER[rule.min_severity]]
        marks, values = _in(allowed)
        conds.append(f"r.severity IN {marks}")
        params += values
    return " AND ".join(conds), params


def _points_expr(rule: ScoreRule) -> tuple[str, list[Any]]:
    if rule.points is not None:
        return str(int(rule.points)), []
    whens, params = [], []
    for severity, points in (rule.points_by_severity or {}).items():
        whens.append(f"WHEN %s THEN {int(points)}")
        params.append(severity)
    return f"(CASE m.severity {' '.join(whens)} ELSE 0 END)", params


def _window(rule: ScoreRule, day: dt.date) -> tuple[str, list[Any]]:
    """The entry counts on `day`: published, or within its own months and not closed."""
    if rule.counts_months is None:
        return "m.pub = 1", []
    return "m.live = 1 AND m.starts_on > %s", [last_start_not_counting(day, rule.counts_months)]


def _amount(k: int, i: int, rule: ScoreRule, day: dt.date) -> Sql:
    """Rule i of scheme k in one group of `y`: its entries' points, stepped and capped by
    year where the rule says so (then the group is one subject's year)."""
    window, wparams = _window(rule, day)
    if rule.steps:
        count = f"SUM(CASE WHEN m.k{k} = {i} AND {window} THEN 1 ELSE 0 END)"
        amount = Sql().add(_stepped_sum(rule, "%%COUNT%%").replace("%%COUNT%%", count))
        # the count appears once per step term: its parameters once per appearance
        amount.params = wparams * _stepped_sum(rule, "%%COUNT%%").count("%%COUNT%%")
    else:
        points, pparams = _points_expr(rule)
        amount = Sql().add(f"SUM(CASE WHEN m.k{k} = {i} AND {window} THEN {points} ELSE 0 END)",
                           *wparams, *pparams)
    if rule.cap_per_year:
        return Sql().add(_least(amount.text(), str(rule.cap_per_year)), *amount.params)
    return amount


def _stepped_sum(rule: ScoreRule, n: str) -> str:
    """The sum of the first `n` entries' points of a rule with steps (fixed points)."""
    assert rule.points is not None
    bounds = [(1, rule.points)] + [(st.from_entry, st.points) for st in rule.steps]
    terms = []
    for j, (start, value) in enumerate(bounds):
        end = bounds[j + 1][0] - 1 if j + 1 < len(bounds) else None
        upto = _least(n, str(end)) if end is not None else n
        terms.append(f"{int(value)} * {_greatest('0', f'{upto} - {start - 1}')}")
    return "(" + " + ".join(terms) + ")"


def evaluation_sql(book: Rulebook, day: dt.date, scope: Scope) -> Compiled:
    """Every scheme's points and the grade of every subject in scope, in one statement."""
    schemes = [Scheme.of(e, s) for e in book.in_force(day) for s in e.pack.scores]
    graders = grade_schemes(book, day)
    out = Compiled(Sql(), schemes, bool(graders))
    q = out.sql
    last = day.year - 1

    yearly = [(k, i) for k, s in enumerate(schemes) for i, rule in enumerate(s.scheme.rules)
              if not rule.lists and (rule.steps or rule.cap_per_year)]
    bonus_years = sorted({y for s in schemes if s.scheme.clean_year_bonus
                          for y in range(s.bonus_start_year(), last + 1)})

    # m: each record that was published at some time by the day, computed once per row:
    # each scheme's rule, published on the day, not closed by then, the year it stains.
    published, pparams = published_sql("r", day)
    dated, closed = _in(DATED)[0], _in(CLOSED)[0]
    q.add(f"WITH m AS (SELECT r.subject_id, {_year('r.decided_on')} AS yr, r.severity, "
          f"r.polarity, r.starts_on, CASE WHEN {published} THEN 1 ELSE 0 END AS pub, "
          f"CASE WHEN r.status IN {dated} OR (r.status IN {closed} AND r.closed_on > %s) "
          "THEN 1 ELSE 0 END AS live", *pparams, *DATED, *CLOSED, day)
    if bonus_years:
        q.add(f", CASE WHEN r.polarity = 'dishonest' AND (r.status IN {dated} "
              f"OR (r.status IN {closed} AND r.closed_on > r.starts_on "
              f"AND NOT (r.status = %s AND r.closed_on <= %s))) THEN {_year('r.decided_on')} "
              "END AS sy", *DATED, *CLOSED, WITHDRAWN, day)
    for k, s in enumerate(schemes):
        whens = Sql()
        for i, rule in enumerate(s.scheme.rules):
            if not rule.lists:
                cond, params = _rule_condition(s, i, rule)
                whens.add(f" WHEN {cond} THEN {i}", *params)
        if whens.parts:
            q.add(", CASE").extend(whens).add(f" END AS k{k}")
    q.add(f" FROM {RECORDS} r WHERE r.starts_on <= %s", day)
    q.extend(scope.on("r.subject_id"))
    q.add(f"{_fence()}), ")

    # y: per subject, and per decision year for the entries of rules capped or stepped by
    # year (every other row of a subject falls in one group): each scheme's amounts, capped
    # by year where a rule says so (a year's entries are all in one group), summed into one
    # column except for the rules a total or category cap still applies to; the years
    # stained by a dishonest record; the published dishonest records.
    year_key = "0"
    if yearly:
        picks = " OR ".join(f"m.k{k} = {i}" for k, i in yearly)
        year_key = f"CASE WHEN {picks} THEN m.yr ELSE 0 END"
    q.add(f"y AS (SELECT m.subject_id, {year_key} AS yk")
    for year in bonus_years:
        q.add(f", MAX(CASE WHEN m.sy = {year} THEN 1 ELSE 0 END) AS s{year}")
    for k, s in enumerate(schemes):
        plain = Sql()
        for i, rule in enumerate(s.scheme.rules):
            if rule.lists:
                continue
            amount = _amount(k, i, rule, day)
            if rule.cap or rule.category:
                # INTEGER: summed again in t, where a bigint sum would be a numeric one
                q.add(", CAST(").extend(amount).add(f" AS INTEGER) AS b{k}_{i}")
            else:
                plain.add(" + " if plain.parts else "").extend(amount)
        if plain.parts:
            q.add(", CAST(").extend(plain).add(f" AS INTEGER) AS a{k}")
    q.add(", CAST(SUM(CASE WHEN m.polarity = 'dishonest' AND m.pub = 1 THEN 1 ELSE 0 END) "
          "AS INTEGER) AS d_all")
    for g, entry in enumerate(graders):
        for j, grule in enumerate(entry.pack.grades.rules):  # type: ignore[union-attr]
            if grule.dishonest_at_least:
                floor = SEVERITY_ORDER[grule.dishonest_min_severity or "minor"]
                marks, values = _in(x for x, v in SEVERITY_ORDER.items() if v >= floor)
                q.add(f", CAST(SUM(CASE WHEN m.polarity = 'dishonest' AND m.pub = 1 "
                      f"AND m.severity IN {marks} THEN 1 ELSE 0 END) AS INTEGER) AS d{g}_{j}",
                      *values)
    # (A constant in GROUP BY would name a column by position.)
    q.add(f" FROM m GROUP BY m.subject_id{', ' + year_key if yearly else ''}), ")

    # t: per subject.
    q.add("t AS (SELECT y.subject_id, SUM(y.d_all) AS d_all")
    for k, s in enumerate(schemes):
        if any(not r.lists and not (r.cap or r.category) for r in s.scheme.rules):
            q.add(f", SUM(y.a{k}) AS a{k}")
        for i, rule in enumerate(s.scheme.rules):
            if not rule.lists and (rule.cap or rule.category):
                q.add(f", SUM(y.b{k}_{i}) AS b{k}_{i}")
    for year in bonus_years:
        q.add(f", MAX(y.s{year}) AS s{year}")
    for g, entry in enumerate(graders):
        for j, grule in enumerate(entry.pack.grades.rules):  # type: ignore[union-attr]
            if grule.dishonest_at_least:
                q.add(f", SUM(y.d{g}_{j}) AS d{g}_{j}")
    q.add(" FROM y GROUP BY y.subject_id), ")

    # l: per subject, the lists in force that list rules and grade rules name.
    active, aparams = active_sql("ms", day)
    q.add("l AS (SELECT ms.subject_id, COUNT(*) AS n")
    for k, s in enumerate(schemes):
        for i, rule in enumerate(s.scheme.rules):
            if not rule.lists:
                continue
            marks, values = _in(rule.lists)
            owned = [code for code in rule.lists if s.list_owner(code)]
            own, oparams = "", []
            if owned:
                omarks, ovalues = _in(owned)
                own, oparams = f" AND (ms.list_code NOT IN {omarks} OR ms.policy = %s)", [
                    *ovalues, s.policy]
            q.add(f", MAX(CASE WHEN ms.list_code IN {marks}{own} THEN 1 ELSE 0 END) AS l{k}_{i}",
                  *values, *oparams)
    for g, entry in enumerate(graders):
        for j, grule in enumerate(entry.pack.grades.rules):  # type: ignore[union-attr]
            if grule.on_lists:
                marks, values = _in(grule.on_lists)
                q.add(f", MAX(CASE WHEN ms.list_code IN {marks} THEN 1 ELSE 0 END) AS g{g}_{j}",
                      *values)
    q.add(f" FROM {MEMBERSHIPS} ms WHERE {active}", *aparams)
    q.extend(scope.on("ms.subject_id"))
    q.add(" GROUP BY ms.subject_id), ")

    # f: per subject, raw points per scheme and the grade rule that holds.
    q.add("f AS (SELECT s.id AS subject_id, s.code, s.scale")
    for k, s in enumerate(schemes):
        kinds, kparams = _in(s.scheme.subject_kinds)
        q.add(f", CASE WHEN s.kind IN {kinds} THEN {_raw(k, s, last)} END AS raw{k}", *kparams)
    if graders:
        q.add(", CASE")
        for g, entry in enumerate(graders):
            scheme = entry.pack.grades
            assert scheme is not None
            region, rparams = region_sql(entry)
            kinds, kparams = _in(scheme.subject_kinds)
            q.add(f" WHEN {region} THEN (CASE WHEN s.kind IN {kinds} THEN (CASE", *rparams,
                  *kparams)
            for j, grule in enumerate(scheme.rules):
                conds = []
                if grule.on_lists:
                    conds.append(f"COALESCE(l.g{g}_{j}, 0) = 1")
                if grule.dishonest_at_least:
                    conds.append(f"COALESCE(t.d{g}_{j}, 0) >= {grule.dishonest_at_least}")
                if grule.no_dishonest:
                    conds.append("COALESCE(t.d_all, 0) = 0")
                q.add(f" WHEN {' AND '.join(conds)} THEN {g * 100 + j}")
            q.add(f" ELSE {g * 100 + 99} END) END)")
        q.add(" END AS gi")
    q.add(f" FROM {SUBJECTS} s LEFT JOIN t ON t.subject_id = s.id "
          "LEFT JOIN l ON l.subject_id = s.id WHERE 1=1")
    q.extend(scope.on("s.id"))
    q.add(f"{_fence()}), ")

    # p: points clamped (kept apart so the level's CASE reads a column).
    q.add("p AS (SELECT f.*")
    for k, s in enumerate(schemes):
        lo, hi = s.scheme.min, s.scheme.max
        q.add(f", CASE WHEN f.raw{k} < {lo} THEN {lo} WHEN f.raw{k} > {hi} THEN {hi} "
              f"ELSE f.raw{k} END AS p{k}")
    q.add(f" FROM f{_fence()}) ")

    q.add("SELECT p.subject_id")
    for k, s in enumerate(schemes):
        q.add(f", p.p{k}, CASE")
        for level in s.scheme.levels:
            q.add(f" WHEN p.p{k} BETWEEN {level.min} AND {level.max} THEN %s", level.name)
        q.add(f" WHEN p.p{k} IS NOT NULL THEN '' END AS l{k}")
    if graders:
        grade_case = Sql().add("CASE")
        rule_case = Sql().add("CASE")
        policy_case = Sql().add("CASE")
        for g, entry in enumerate(graders):
            scheme = entry.pack.grades
            assert scheme is not None
            for j, grule in enumerate(scheme.rules):
                grade_case.add(f" WHEN p.gi = {g * 100 + j} THEN %s", grule.grade)
                rule_case.add(f" WHEN p.gi = {g * 100 + j} THEN %s", grule.code)
            grade_case.add(f" WHEN p.gi = {g * 100 + 99} THEN %s", scheme.otherwise)
            rule_case.add(f" WHEN p.gi = {g * 100 + 99} THEN %s", OTHERWISE)
            policy_case.add(f" WHEN p.gi BETWEEN {g * 100} AND {g * 100 + 99} THEN %s",
                            entry.pack.id)
        for part in (grade_case, rule_case, policy_case):
            part.add(" END")
        q.add(", ").extend(grade_case).add(" AS grade, ").extend(rule_case).add(" AS rule, ")
        q.extend(policy_case).add(" AS policy, ")
        pieces = Sql()
        for adj_entry in book.in_force(day):
            for adj in adj_entry.pack.inspection_adjustments:
                smarks, svalues = _in(adj.scales)
                gmarks, gvalues = _in(adj.grades)
                region, rparams = region_sql(adj_entry, "p.code")
                if pieces.parts:
                    pieces.add(" || ")
                pieces.add(f"CASE WHEN p.scale IN {smarks} AND (", *svalues).extend(grade_case)
                pieces.add(f") IN {gmarks} AND {region} THEN %s ELSE '' END",
                           *gvalues, *rparams, f",{adj_entry.pack.id}:{adj.code}")
        if pieces.parts:
            q.add("CASE WHEN p.gi IS NULL THEN NULL ELSE SUBSTR(").extend(pieces).add(
                ", 2) END AS adjustments")
        else:
            q.add("CASE WHEN p.gi IS NULL THEN NULL ELSE '' END AS adjustments")
    q.add(" FROM p")
    return out


def _raw(k: int, s: Scheme, last: int) -> str:
    """Scheme k's points before clamping, from the columns of t and l."""
    scheme = s.scheme
    terms = [str(scheme.base)]
    if any(not r.lists and not (r.cap or r.category) for r in scheme.rules):
        terms.append(f"COALESCE(t.a{k}, 0)")
    by_category: dict[str, list[str]] = {}
    for i, rule in enumerate(scheme.rules):
        if rule.lists:
            terms.append(f"CASE WHEN COALESCE(l.l{k}_{i}, 0) = 1 THEN {int(rule.points or 0)} "
                         "ELSE 0 END")
            continue
        if not (rule.cap or rule.category):
            continue  # in a{k}
        amount = f"COALESCE(t.b{k}_{i}, 0)"
        if rule.cap:
            amount = _least(amount, str(rule.cap))
        if rule.category:
            by_category.setdefault(rule.category, []).append(amount)
        else:
            terms.append(amount)
    caps = {c.code: c.cap for c in scheme.categories}
    for code, amounts in by_category.items():
        terms.append(_least("(" + " + ".join(amounts) + ")", str(caps[code])))
    bonus = scheme.clean_year_bonus
    if bonus and last >= s.bonus_start_year():
        years = last - s.bonus_start_year() + 1
        stained = " + ".join(f"COALESCE(t.s{y}, 0)" for y in range(s.bonus_start_year(), last + 1))
        amount = f"({years} - ({stained})) * {bonus.points}"
        terms.append(_least(amount, str(bonus.max_total)) if bonus.max_total else amount)
    return "(" + " + ".join(terms) + ")"


def refresh(subject_ids: list[int] | None = None, *, import_job: int | None = None,
            day: dt.date | None = None, book: Rulebook | None = None) -> Refresh:
    """Recompute and store points and grades: every subject, those of one import, or the
    given ones; in one transaction, so readers see the old results or the new."""
    from xinyong.policies import rulebook

    book = book or rulebook.current()
    day = day or timezone.localdate()
    now = timezone.now()
    scope = Scope(subject_ids, import_job)
    name = "all" if scope.everyone else ("import" if import_job is not None else "subjects")
    clock = time.perf_counter()
    compiled = evaluation_sql(book, day, scope)
    # Runs over everyone and over an import are logged; a few subjects' (after each change
    # of a record) are not: their rows carry their own time.
    run = Refresh(scope=name, as_of=day, started_at=now, import_job_id=import_job)
    with transaction.atomic():
        if name != "subjects":
            run.save()
        with connection.cursor() as cursor:
            if scope.everyone:
                if _pg():  # validated in settings: a size with its unit
                    cursor.execute(f"SET LOCAL work_mem = '{settings.SCORES_WORK_MEM}'")
                subjects, changed = _write_changes(cursor, compiled, now, day)
            else:
                subjects, changed = _upsert(cursor, compiled, now, day)
            gone = Sql().add(f"DELETE FROM {SCORES} WHERE 1=1").extend(scope.on("subject_id"))
            if compiled.schemes:
                marks, values = _in(s.code for s in compiled.schemes)
                gone.add(f" AND scheme NOT IN {marks}", *values)
            cursor.execute(gone.text(), gone.params)
            changed += cursor.rowcount or 0
        run.finished_at = timezone.now()
        run.subjects, run.changed = subjects, changed
        if run.pk:
            run.save(update_fields=["finished_at", "subjects", "changed"])
    log.log(logging.DEBUG if name == "subjects" else logging.INFO,
            "scores refresh %s (%s): %s results, %s changed, %.2fs", run.pk, name, subjects,
            changed, time.perf_counter() - clock)
    return run


def _write_changes(cursor: Any, compiled: Compiled, now: dt.datetime, day: dt.date
                   ) -> tuple[int, int]:
    """A full run: everything into a temporary table, then only the changed rows written
    (found with one outer join per result table)."""
    results = changed = 0
    cursor.execute("DROP TABLE IF EXISTS scores_fresh")
    cursor.execute("CREATE TEMPORARY TABLE scores_fresh AS " + compiled.sql.text(),
                   compiled.sql.params)
    for k, s in enumerate(compiled.schemes):
        cursor.execute("DROP TABLE IF EXISTS scores_changed")
        cursor.execute(
            "CREATE TEMPORARY TABLE scores_changed AS SELECT f.subject_id, "
            f"f.p{k} AS points, f.l{k} AS level, t.id AS tid FROM scores_fresh f "
            f"LEFT JOIN {SCORES} t ON t.subject_id = f.subject_id AND t.scheme = %s "
            f"WHERE f.p{k} IS NOT NULL AND (t.id IS NULL OR t.points <> f.p{k} "
            f"OR t.level <> f.l{k} OR t.policy <> %s)", [s.code, s.policy])
        cursor.execute(f"SELECT COUNT(*) FROM scores_fresh WHERE p{k} IS NOT NULL")
        results += cursor.fetchone()[0]
        cursor.execute(
            f"UPDATE {SCORES} SET points = c.points, level = c.level, policy = %s, "
            "computed_at = %s, as_of = %s FROM scores_changed c "
            f"WHERE {SCORES}.id = c.tid", [s.policy, now, day])
        changed += cursor.rowcount
        cursor.execute(
            f"INSERT INTO {SCORES} (subject_id, scheme, policy, points, level, computed_at, "
            "as_of) SELECT c.subject_id, %s, %s, c.points, c.level, %s, %s "
            "FROM scores_changed c WHERE c.tid IS NULL", [s.code, s.policy, now, day])
        changed += cursor.rowcount
        cursor.execute("DROP TABLE scores_changed")
    if compiled.grades:
        cursor.execute(
            "CREATE TEMPORARY TABLE scores_changed AS SELECT f.subject_id, f.grade, f.rule, "
            "f.policy, f.adjustments, t.subject_id AS tid FROM scores_fresh f "
            f"LEFT JOIN {GRADES} t ON t.subject_id = f.subject_id WHERE f.grade IS NOT NULL "
            "AND (t.subject_id IS NULL OR t.grade <> f.grade OR t.rule <> f.rule "
            "OR t.policy <> f.policy OR t.adjustments <> f.adjustments)")
        cursor.execute("SELECT COUNT(*) FROM scores_fresh WHERE grade IS NOT NULL")
        results += cursor.fetchone()[0]
        cursor.execute(
            f"UPDATE {GRADES} SET grade = c.grade, rule = c.rule, policy = c.policy, "
            "adjustments = c.adjustments, computed_at = %s, as_of = %s FROM scores_changed c "
            f"WHERE {GRADES}.subject_id = c.tid", [now, day])
        changed += cursor.rowcount
        cursor.execute(
            f"INSERT INTO {GRADES} (subject_id, grade, rule, policy, adjustments, computed_at, "
            "as_of) SELECT c.subject_id, c.grade, c.rule, c.policy, c.adjustments, %s, %s "
            "FROM scores_changed c WHERE c.tid IS NULL", [now, day])
        changed += cursor.rowcount
        cursor.execute("DROP TABLE scores_changed")
    # A subject no grade scheme covers any more has no grade.
    cursor.execute(f"DELETE FROM {GRADES} WHERE NOT EXISTS (SELECT 1 FROM scores_fresh f "
                   f"WHERE f.subject_id = {GRADES}.subject_id AND f.grade IS NOT NULL)")
    changed += cursor.rowcount
    cursor.execute("DROP TABLE scores_fresh")
    return results, changed


def _upsert(cursor: Any, compiled: Compiled, now: dt.datetime, day: dt.date
            ) -> tuple[int, int]:
    """A scoped run (few subjects): the statement once per result table, every row upserted
    ("WHERE true": SQLite's parser needs it between a SELECT and ON CONFLICT)."""
    written = 0
    q = compiled.sql
    for k, s in enumerate(compiled.schemes):
        cursor.execute(
            f"INSERT INTO {SCORES} (subject_id, scheme, policy, points, level, computed_at, "
            f"as_of) SELECT f.subject_id, %s, %s, f.p{k}, f.l{k}, %s, %s FROM ({q.text()}) f "
            f"WHERE f.p{k} IS NOT NULL ON CONFLICT (subject_id, scheme) DO UPDATE SET "
            "points = excluded.points, level = excluded.level, policy = excluded.policy, "
            "computed_at = excluded.computed_at, as_of = excluded.as_of",
            [s.code, s.policy, now, day, *q.params])
        written += cursor.rowcount
    if compiled.grades:
        cursor.execute(
            f"INSERT INTO {GRADES} (subject_id, grade, rule, policy, adjustments, computed_at, "
            f"as_of) SELECT f.subject_id, f.grade, f.rule, f.policy, f.adjustments, %s, %s "
            f"FROM ({q.text()}) f WHERE f.grade IS NOT NULL ON CONFLICT (subject_id) DO UPDATE "
            "SET grade = excluded.grade, rule = excluded.rule, policy = excluded.policy, "
            "adjustments = excluded.adjustments, computed_at = excluded.computed_at, "
            "as_of = excluded.as_of", [now, day, *q.params])
        written += cursor.rowcount
    return written, written
