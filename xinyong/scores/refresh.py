"""The set-based recompute of points and grades (积分与评级批量计算).

Each scheme in force is compiled into one SQL statement over records, memberships and
subjects: the rules become CASE expressions, the caps nested aggregates (per rule and
year, per rule, per category: a laminar family, so these mins give what the date-ordered
filling of `scores.points` gives), the clean years a count of the decision years of
dishonest records. The grades are one statement likewise. Results go to a temporary
table, and only rows whose value changed are written: a nightly run over a million
subjects writes the few that changed. `scores.points` and `scores.grading` are the
reference; the tests hold the SQL to their answers.

Runs: nightly and after a pack or event changes (every subject), after an import (its
subjects), and for one subject after each change of its records or on request.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from typing import Any

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


class Sql:
    """An SQL text with its parameters, built in order."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, text: str, *params: Any) -> Sql:
        self.parts.append(text)
        self.params.extend(params)
        return self

    def text(self) -> str:
        return "".join(self.parts)


def _in(values: Iterable[Any]) -> tuple[str, list[Any]]:
    values = list(values)
    return "(" + ", ".join(["%s"] * len(values)) + ")", values


def _year(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
    return f"CAST(strftime('%%Y', {column}) AS INTEGER)"


def _least(a: str, b: str) -> str:
    return f"(CASE WHEN {a} < {b} THEN {a} ELSE {b} END)"


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
        width = 2 if area.endswith("0000") else 4 if area.endswith("00") else 6
        parts.append(f"SUBSTR({column}, 3, {width}) = %s")
        params.append(area[:width])
    return "(" + " OR ".join(parts) + ")", params


def _scope(scope: Sql | None) -> Sql:
    return scope if scope is not None else Sql()


def scope_for(subject_ids: list[int] | None, import_job: int | None) -> Sql | None:
    """The condition on `s.id` limiting a run; None for every subject."""
    if import_job is not None:
        return Sql().add(f" AND s.id IN (SELECT subject_id FROM {RECORDS} WHERE import_job_id = %s)",
                         import_job)
    if subject_ids is not None:
        marks, values = _in(subject_ids or [0])
        return Sql().add(f" AND s.id IN {marks}", *values)
    return None


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
        return "%s", [rule.points]
    whens, params = [], []
    for severity, points in (rule.points_by_severity or {}).items():
        whens.append("WHEN %s THEN %s")
        params += [severity, points]
    return f"(CASE r.severity {' '.join(whens)} ELSE 0 END)", params


def scores_sql(s: Scheme, day: dt.date, scope: Sql | None) -> Sql:
    """SELECT subject_id, points, level for every subject of the scheme's kinds in scope."""
    scheme = s.scheme
    record_rules = [(i, r) for i, r in enumerate(scheme.rules) if not r.lists]
    list_rules = [r for r in scheme.rules if r.lists]
    kinds, kind_params = _in(scheme.subject_kinds)
    q = Sql()
    ctes: list[str] = []

    if record_rules:
        q.add("WITH m AS (SELECT r.id, r.subject_id, r.decided_on, r.severity, "
              f"{_year('r.decided_on')} AS yr, r.starts_on, r.status, r.closed_on, r.ends_on, "
              "CASE")
        for i, rule in record_rules:
            cond, params = _rule_condition(s, i, rule)
            q.add(f" WHEN {cond} THEN {i}", *params)
        q.add(f" END AS rule FROM {RECORDS} r JOIN {SUBJECTS} s ON s.id = r.subject_id "
              f"WHERE s.kind IN {kinds}", *kind_params)
        sc = _scope(scope)
        q.add(sc.text(), *sc.params)
        q.add(" AND r.starts_on <= %s), ", day)
        # c: the entries counting on the day, with their points before steps and caps
        q.add("c AS (SELECT m.id, m.subject_id, m.decided_on, m.yr, m.rule, CASE m.rule")
        for i, rule in record_rules:
            expr, params = _points_expr(rule)
            q.add(f" WHEN {i} THEN {expr.replace('r.severity', 'm.severity')}", *params)
        q.add(" END AS pts FROM m WHERE ")
        windows = []
        wparams: list[Any] = []
        for i, rule in record_rules:
            if rule.counts_months is None:
                cond, params = published_sql("m", day)
            else:
                cond = (f"m.starts_on > %s AND (m.status IN {_in(DATED)[0]} "
                        f"OR (m.status IN {_in(CLOSED)[0]} AND m.closed_on > %s))")
                params = [last_start_not_counting(day, rule.counts_months), *DATED, *CLOSED, day]
            windows.append(f"(m.rule = {i} AND {cond})")
            wparams += params
        q.add("(" + " OR ".join(windows) + ")), ", *wparams)
        stepped = any(r.steps for _, r in record_rules)
        if stepped:
            q.add("n AS (SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.subject_id, c.rule, c.yr "
                  "ORDER BY c.decided_on, c.id) AS nth FROM c WHERE c.pts <> 0), ")
        else:
            q.add("n AS (SELECT c.*, 1 AS nth FROM c WHERE c.pts <> 0), ")
        amount = ["CASE"]
        for i, rule in record_rules:
            if rule.steps:
                inner = " ".join(f"WHEN n.nth >= {st.from_entry} THEN {st.points}"
                                 for st in sorted(rule.steps, key=lambda x: -x.from_entry))
                amount.append(f" WHEN n.rule = {i} THEN (CASE {inner} ELSE n.pts END)")
        amount.append(" ELSE n.pts END")
        stepped_amount = "".join(amount) if len(amount) > 2 else "n.pts"
        q.add(f"y AS (SELECT n.subject_id, n.rule, n.yr, SUM({stepped_amount}) AS amt "
              "FROM n GROUP BY n.subject_id, n.rule, n.yr), ")
        year_cap = _cap_case("y", [(i, r.cap_per_year) for i, r in record_rules])
        q.add(f"ru AS (SELECT y.subject_id, y.rule, SUM({year_cap}) AS amt FROM y "
              "GROUP BY y.subject_id, y.rule), ")
        rule_cap = _cap_case("ru", [(i, r.cap) for i, r in record_rules])
        categories = {c.code: c.cap for c in scheme.categories}
        cat_key = "CASE" + "".join(
            f" WHEN ru.rule = {i} THEN -{1 + list(categories).index(r.category)}"
            for i, r in record_rules if r.category) + " ELSE ru.rule END"
        if cat_key == "CASE ELSE ru.rule END":
            cat_key = "ru.rule"
        q.add(f"ca AS (SELECT ru.subject_id, {cat_key} AS cat, SUM({rule_cap}) AS amt FROM ru "
              f"GROUP BY ru.subject_id, {cat_key}), ")
        cat_cap = _cap_case("ca", [(-(1 + k), cap) for k, cap in enumerate(categories.values())],
                            column="cat")
        q.add(f"tot AS (SELECT ca.subject_id, SUM({cat_cap}) AS amt FROM ca GROUP BY ca.subject_id)")
        ctes.append("tot")

    if list_rules:
        q.add(", " if ctes else "WITH ")
        selects = []
        lparams: list[Any] = []
        for rule in list_rules:
            active, aparams = active_sql("ms", day)
            marks, values = _in(rule.lists)
            owned = [code for code in rule.lists if s.list_owner(code)]
            own = ""
            oparams: list[Any] = []
            if owned:
                omarks, ovalues = _in(owned)
                own = f" AND (ms.list_code NOT IN {omarks} OR ms.policy = %s)"
                oparams = [*ovalues, s.policy]
            selects.append(f"SELECT DISTINCT ms.subject_id, %s AS pts FROM {MEMBERSHIPS} ms "
                           f"WHERE ms.list_code IN {marks}{own} AND {active}")
            lparams += [rule.points, *values, *oparams, *aparams]
        q.add("li AS (SELECT u.subject_id, SUM(u.pts) AS amt FROM ("
              + " UNION ALL ".join(selects) + ") u GROUP BY u.subject_id)", *lparams)
        ctes.append("li")

    bonus = scheme.clean_year_bonus
    first, last = s.bonus_start_year(), day.year - 1
    if bonus and last >= first:
        q.add(", " if ctes else "WITH ")
        q.add(f"st AS (SELECT r.subject_id, COUNT(DISTINCT {_year('r.decided_on')}) AS n "
              f"FROM {RECORDS} r JOIN {SUBJECTS} s ON s.id = r.subject_id "
              f"WHERE s.kind IN {kinds}", *kind_params)
        sc = _scope(scope)
        q.add(sc.text(), *sc.params)
        q.add(f" AND r.polarity = 'dishonest' AND r.starts_on <= %s "
              f"AND (r.status IN {_in(DATED)[0]} OR (r.status IN {_in(CLOSED)[0]} "
              f"AND r.closed_on > r.starts_on AND NOT (r.status = %s AND r.closed_on <= %s))) "
              f"AND r.decided_on >= %s AND r.decided_on <= %s GROUP BY r.subject_id)",
              day, *DATED, *CLOSED, WITHDRAWN, day, dt.date(first, 1, 1), dt.date(last, 12, 31))
        ctes.append("st")
        clean = f"({last - first + 1} - COALESCE(st.n, 0))"
        bonus_expr = f"({clean} * {bonus.points})"
        if bonus.max_total:
            bonus_expr = _least(bonus_expr, str(bonus.max_total))
    else:
        bonus_expr = "0"

    raw = " + ".join([str(scheme.base), *(f"COALESCE({c}.amt, 0)" for c in ctes if c != "st"),
                      bonus_expr])
    q.add(" SELECT x.subject_id, x.points, CASE")
    for level in scheme.levels:
        q.add(" WHEN x.points BETWEEN %s AND %s THEN %s", level.min, level.max, level.name)
    q.add(" ELSE '' END AS level FROM (SELECT s.id AS subject_id, "
          f"CASE WHEN ({raw}) < {scheme.min} THEN {scheme.min} "
          f"WHEN ({raw}) > {scheme.max} THEN {scheme.max} ELSE ({raw}) END AS points "
          f"FROM {SUBJECTS} s")
    for c in ctes:
        q.add(f" LEFT JOIN {c} ON {c}.subject_id = s.id")
    q.add(f" WHERE s.kind IN {kinds}", *kind_params)
    sc = _scope(scope)
    q.add(sc.text(), *sc.params)
    q.add(") x")
    return q


def _cap_case(alias: str, caps: list[tuple[int, int | None]], column: str = "rule") -> str:
    whens = [f" WHEN {alias}.{column} = {i} THEN {_least(f'{alias}.amt', str(cap))}"
             for i, cap in caps if cap]
    if not whens:
        return f"{alias}.amt"
    return "CASE" + "".join(whens) + f" ELSE {alias}.amt END"


def grade_schemes(book: Rulebook, day: dt.date) -> list[Entry]:
    found = [e for e in book.in_force(day) if e.pack.grades]
    return sorted(found, key=lambda e: jurisdiction.LOCALITY[e.pack.level])


def grades_sql(book: Rulebook, entry: Entry, more_local: list[Entry], day: dt.date,
               scope: Sql | None) -> Sql:
    """SELECT subject_id, grade, rule, adjustments for the subjects this scheme decides."""
    scheme = entry.pack.grades
    assert scheme is not None
    kinds, kind_params = _in(scheme.subject_kinds)
    q = Sql()
    published, pparams = published_sql("r", day)
    q.add("WITH d AS (SELECT r.subject_id, COUNT(*) AS n_all")
    for i, rule in enumerate(scheme.rules):
        if rule.dishonest_at_least:
            floor = SEVERITY_ORDER[rule.dishonest_min_severity or "minor"]
            marks, values = _in(k for k, v in SEVERITY_ORDER.items() if v >= floor)
            q.add(f", SUM(CASE WHEN r.severity IN {marks} THEN 1 ELSE 0 END) AS n{i}", *values)
    q.add(f" FROM {RECORDS} r JOIN {SUBJECTS} s ON s.id = r.subject_id WHERE s.kind IN {kinds}",
          *kind_params)
    sc = _scope(scope)
    q.add(sc.text(), *sc.params)
    q.add(f" AND r.polarity = 'dishonest' AND {published} GROUP BY r.subject_id), ", *pparams)
    active, aparams = active_sql("ms", day)
    q.add("l AS (SELECT ms.subject_id, COUNT(*) AS n_any")
    for i, rule in enumerate(scheme.rules):
        if rule.on_lists:
            marks, values = _in(rule.on_lists)
            q.add(f", MAX(CASE WHEN ms.list_code IN {marks} THEN 1 ELSE 0 END) AS l{i}", *values)
    q.add(f" FROM {MEMBERSHIPS} ms JOIN {SUBJECTS} s ON s.id = ms.subject_id "
          f"WHERE s.kind IN {kinds}", *kind_params)
    q.add(sc.text(), *sc.params)
    q.add(f" AND {active} GROUP BY ms.subject_id), ", *aparams)
    q.add("g AS (SELECT s.id AS subject_id, s.code, s.scale, CASE")
    for i, rule in enumerate(scheme.rules):
        conds = []
        if rule.on_lists:
            conds.append(f"COALESCE(l.l{i}, 0) = 1")
        if rule.dishonest_at_least:
            conds.append(f"COALESCE(d.n{i}, 0) >= {rule.dishonest_at_least}")
        if rule.no_dishonest:
            conds.append("COALESCE(d.n_all, 0) = 0")
        q.add(f" WHEN {' AND '.join(conds)} THEN {i}")
    q.add(f" ELSE -1 END AS ri FROM {SUBJECTS} s LEFT JOIN d ON d.subject_id = s.id "
          f"LEFT JOIN l ON l.subject_id = s.id WHERE s.kind IN {kinds}", *kind_params)
    q.add(sc.text(), *sc.params)
    region, rparams = region_sql(entry)
    q.add(f" AND {region}", *rparams)
    for other in more_local:
        region, rparams = region_sql(other)
        q.add(f" AND NOT {region}", *rparams)
    q.add(") ")
    grade_case = "CASE g.ri" + "".join(f" WHEN {i} THEN '{r.grade}'" for i, r in
                                       enumerate(scheme.rules)) + f" ELSE '{scheme.otherwise}' END"
    rule_case = "CASE g.ri" + "".join(f" WHEN {i} THEN '{r.code}'" for i, r in
                                      enumerate(scheme.rules)) + f" ELSE '{OTHERWISE}' END"
    pieces, adj_params = [], []
    for adj_entry in book.in_force(day):
        for adj in adj_entry.pack.inspection_adjustments:
            smarks, svalues = _in(adj.scales)
            gmarks, gvalues = _in(adj.grades)
            region, rparams = region_sql(adj_entry, "g.code")
            pieces.append(f"CASE WHEN g.scale IN {smarks} AND ({grade_case}) IN {gmarks} "
                          f"AND {region} THEN %s ELSE '' END")
            adj_params += [*svalues, *gvalues, *rparams, f",{adj_entry.pack.id}:{adj.code}"]
    adjustments = (f"SUBSTR({' || '.join(pieces)}, 2)" if pieces else "''")
    q.add(f"SELECT g.subject_id, {grade_case} AS grade, {rule_case} AS rule, "
          f"{adjustments} AS adjustments FROM g", *adj_params)
    return q


def refresh(subject_ids: list[int] | None = None, *, import_job: int | None = None,
            day: dt.date | None = None, book: Rulebook | None = None) -> Refresh:
    """Recompute and store points and grades: every subject, those of one import, or the
    given ones; in one transaction, so readers see the old results or the new."""
    from xinyong.policies import rulebook

    book = book or rulebook.current()
    day = day or timezone.localdate()
    now = timezone.now()
    scope = scope_for(subject_ids, import_job)
    name = "all" if scope is None else ("import" if import_job is not None else "subjects")
    clock = time.perf_counter()
    with transaction.atomic():
        run = Refresh.objects.create(scope=name, as_of=day, started_at=now,
                                     import_job_id=import_job)
        changed = subjects = 0
        with connection.cursor() as cursor:
            live = []
            for entry in book.in_force(day):
                for scheme in entry.pack.scores:
                    live.append(scheme.code)
                    q = scores_sql(Scheme.of(entry, scheme), day, scope)
                    n, c = _store(cursor, "score", q, now, day, scope, scheme=scheme.code,
                                  policy=entry.pack.id)
                    subjects, changed = subjects + n, changed + c
            gone = Sql().add("DELETE FROM scores_subjectscore WHERE subject_id IN "
                             f"(SELECT s.id FROM {SUBJECTS} s WHERE 1=1")
            sc = _scope(scope)
            gone.add(sc.text(), *sc.params).add(")")
            if live:
                marks, values = _in(live)
                gone.add(f" AND scheme NOT IN {marks}", *values)
            cursor.execute(gone.text(), gone.params)
            changed += cursor.rowcount or 0
            schemes = grade_schemes(book, day)
            for k, entry in enumerate(schemes):
                q = grades_sql(book, entry, schemes[:k], day, scope)
                n, c = _store(cursor, "grade", q, now, day, scope, policy=entry.pack.id)
                subjects, changed = subjects + n, changed + c
        run.finished_at = timezone.now()
        run.subjects, run.changed = subjects, changed
        run.save(update_fields=["finished_at", "subjects", "changed"])
    log.log(logging.DEBUG if name == "subjects" else logging.INFO,
            "scores refresh %s (%s): %s results, %s changed, %.2fs", run.pk, name, subjects,
            changed, time.perf_counter() - clock)
    return run


def _store(cursor: Any, kind: str, q: Sql, now: dt.datetime, day: dt.date, scope: Sql | None,
           *, policy: str, scheme: str = "") -> tuple[int, int]:
    """Write a statement's results: a scoped run (a few subjects, an import) upserts every
    row (their time says they were just computed); a full run puts them in a temporary
    table first and writes only the rows that changed."""
    if scope is not None:
        return _upsert(cursor, kind, q, now, day, policy=policy, scheme=scheme)
    cursor.execute("DROP TABLE IF EXISTS scores_fresh")
    if kind == "score":
        cursor.execute("CREATE TEMPORARY TABLE scores_fresh (subject_id BIGINT PRIMARY KEY, "
                       "points INTEGER, level VARCHAR(32))")
        cursor.execute("INSERT INTO scores_fresh (subject_id, points, level) " + q.text(), q.params)
        count = cursor.rowcount
        differs = " AND (t.points <> f.points OR t.level <> f.level)"
        cursor.execute(
            "UPDATE scores_subjectscore AS t SET points = f.points, level = f.level, policy = %s, "
            "computed_at = %s, as_of = %s FROM scores_fresh f "
            f"WHERE t.subject_id = f.subject_id AND t.scheme = %s{differs}",
            [policy, now, day, scheme])
        changed = cursor.rowcount
        cursor.execute(
            "INSERT INTO scores_subjectscore (subject_id, scheme, policy, points, level, "
            "computed_at, as_of) SELECT f.subject_id, %s, %s, f.points, f.level, %s, %s "
            "FROM scores_fresh f WHERE NOT EXISTS (SELECT 1 FROM scores_subjectscore t "
            "WHERE t.subject_id = f.subject_id AND t.scheme = %s)",
            [scheme, policy, now, day, scheme])
    else:
        cursor.execute("CREATE TEMPORARY TABLE scores_fresh (subject_id BIGINT PRIMARY KEY, "
                       "grade VARCHAR(1), rule VARCHAR(64), adjustments VARCHAR(300))")
        cursor.execute("INSERT INTO scores_fresh (subject_id, grade, rule, adjustments) "
                       + q.text(), q.params)
        count = cursor.rowcount
        differs = (" AND (t.grade <> f.grade OR t.rule <> f.rule OR t.adjustments <> f.adjustments"
                   " OR t.policy <> %s)")
        cursor.execute(
            "UPDATE scores_subjectgrade AS t SET grade = f.grade, rule = f.rule, policy = %s, "
            "adjustments = f.adjustments, computed_at = %s, as_of = %s FROM scores_fresh f "
            f"WHERE t.subject_id = f.subject_id{differs}",
            [policy, now, day, policy])
        changed = cursor.rowcount
        cursor.execute(
            "INSERT INTO scores_subjectgrade (subject_id, grade, rule, policy, adjustments, "
            "computed_at, as_of) SELECT f.subject_id, f.grade, f.rule, %s, f.adjustments, %s, %s "
            "FROM scores_fresh f WHERE NOT EXISTS (SELECT 1 FROM scores_subjectgrade t "
            "WHERE t.subject_id = f.subject_id)", [policy, now, day])
    changed += cursor.rowcount
    cursor.execute("DROP TABLE scores_fresh")
    return count, changed


def _upsert(cursor: Any, kind: str, q: Sql, now: dt.datetime, day: dt.date, *, policy: str,
            scheme: str) -> tuple[int, int]:
    # "WHERE true": SQLite's parser needs it between a SELECT and ON CONFLICT.
    if kind == "score":
        cursor.execute(
            "INSERT INTO scores_subjectscore (subject_id, scheme, policy, points, level, "
            "computed_at, as_of) SELECT f.subject_id, %s, %s, f.points, f.level, %s, %s "
            f"FROM ({q.text()}) f WHERE true ON CONFLICT (subject_id, scheme) DO UPDATE SET "
            "points = excluded.points, level = excluded.level, policy = excluded.policy, "
            "computed_at = excluded.computed_at, as_of = excluded.as_of",
            [scheme, policy, now, day, *q.params])
    else:
        cursor.execute(
            "INSERT INTO scores_subjectgrade (subject_id, grade, rule, policy, adjustments, "
            "computed_at, as_of) SELECT f.subject_id, f.grade, f.rule, %s, f.adjustments, %s, %s "
            f"FROM ({q.text()}) f WHERE true ON CONFLICT (subject_id) DO UPDATE SET "
            "grade = excluded.grade, rule = excluded.rule, policy = excluded.policy, "
            "adjustments = excluded.adjustments, computed_at = excluded.computed_at, "
            "as_of = excluded.as_of",
            [policy, now, day, *q.params])
    return cursor.rowcount, cursor.rowcount

