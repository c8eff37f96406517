"""Points and grades (xinyong/scores): the set-based recompute of every subject against a
single SQL aggregate over the same rows, and one subject's score with its explanation.

The goal (the scores issue): recomputing grades and points for 1,000,000 subjects with
their records on PostgreSQL takes at most 3x a single SQL aggregate over the same rows (the
floor), measured in the same run; a single score with its explanation takes under 5 ms.

1. A fresh PostgreSQL database of its own (BENCH_SCORES_DB, default xinyong_bench_scores),
   `xinyong migrate` (which loads the shipped packs); two member units made through the
   ORM (太仓 320585 and 马尾 350105); then BENCH_SCORES_SUBJECTS (default 1,000,000)
   subjects with their records and list memberships, generated set-based in SQL
   (INSERT … SELECT over generate_series, seeded; not the ORM, not the import):
   - half persons (no plain code, a unique digest), 40% organisations and 10% individual
     businesses with USCC-shaped codes whose region (characters 3–8) is 太仓 320585,
     福州 350105/350102/350100, 苏州 320500 or elsewhere, and a scale (some small);
   - per subject a geometric number of records (mean BENCH_SCORES_MEAN, default 2.3), plus
     20 good records each (2024–2026) for 1% of the persons, so the diminishing steps and
     the caps of 娄城积分 are reached: behaviours of the shipped packs that apply to the
     subject's kind (行政处罚 35%, the local dishonest findings 25%, good behaviours 40%),
     decided 2020-03-01 to yesterday; severities as the packs allow (the 福州 findings only
     serious); publicity windows as the determination gives them (12 months minor and
     general, 36 serious; minor penalties unpublished from 2026-04-01 under cn-2025-22);
     2% deferred, 6% of the dishonest repaired and 3% withdrawn, with consistent
     starts_on/ends_on/closed_on; the unit of the behaviour's pack; the current version of
     that pack (行政处罚: 527 before 2026-04-01, cn-2025-22 from then);
   - the list memberships the packs give those records: 守信激励对象 for every good record
     (12 months, the policy of its own pack), 重点监管对象 for the 福州 findings, 联合惩戒对象
     for the serious 太仓 findings its list names, 重点关注名单 for 太仓 复工复产 findings
     (until the end of publicity; ended when the record was repaired or withdrawn).
   Secondary indexes are dropped during the load and built again after it, foreign-key
   triggers are off for the load (session_replication_role = replica); then VACUUM ANALYZE.
2. In one process (a child with Django set up), on the day the run starts:
   - the floor, CREATE TEMP TABLE … AS SELECT r.subject_id, SUM(CASE r.severity … END)
     FROM records_record r JOIN subjects_subject s ON s.id = r.subject_id GROUP BY
     r.subject_id: every record read once, one row per subject with records; with the
     server's settings (the planner may use parallel workers, which CREATE TABLE AS allows
     and refresh's INSERT … SELECT statements do not get) and serial
     (max_parallel_workers_per_gather = 0), 3 of each before and 3 after the recomputes;
     the floor is the best of them all. For information also the same per subject
     (subjects LEFT JOIN records, one row for every subject);
   - `scores.refresh.refresh(day=…)`, a full run into empty tables (every row inserted),
     then VACUUM ANALYZE of the two result tables, then 3 full runs where nothing changed
     (the nightly case), best of 3; time per statement of each run (execute_wrapper);
   - BENCH_SCORES_SINGLE (default 1,000) random persons' `services.score` and as many
     enterprises' `services.grade` (each with every item explained), p50/p95/max in ms;
   - BENCH_SCORES_VERIFY (default 200) persons and as many enterprises, half at random and
     half among those with list memberships or at least 3 records: the stored SubjectScore
     rows (every scheme in force: points, level, policy) and SubjectGrade (grade, rule,
     policy, adjustments) must equal what `services.score` / `services.grade` compute. Any
     difference is printed and the benchmark fails (exit status 1, after the report).

    .venv/bin/python bench/scores.py [--keep] [--explain DIR] [--out FILE]

prints the section and writes it into today's bench/report-<date>.md, or FILE (replaced if
there). The report names the commit and any local changes to the code under test.
The database (and its var/bench-<db> directory) is dropped at the end unless `--keep`,
which also reuses it if it already holds BENCH_SCORES_SUBJECTS subjects (the stored results
are emptied first). `--explain DIR` also writes EXPLAIN (ANALYZE, BUFFERS) of each statement
of `evaluation_sql` (the one compute statement) to DIR. `make bench` runs it from run.py (BENCH_SKIP_SCORES=1
skips it there); the sizes are BENCH_SCORES_SUBJECTS, BENCH_SCORES_MEAN, BENCH_SCORES_SINGLE
and BENCH_SCORES_VERIFY, the database BENCH_SCORES_DB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT / "bench"))

from run import PG_ADMIN, fresh_db, sh, write_section  # noqa: E402

SECTION = "## 积分与评级批量计算 (scores)"
GOAL_RATIO, GOAL_MS = 3.0, 5.0
UNITS = (("113205850000000011", "太仓市市场监督管理局（基准测试）", "320585"),
         ("113501050030000041", "福州市马尾区市场监督管理局（基准测试）", "350105"))
# Regions of the enterprises' codes, cumulative shares: 太仓, 马尾, 鼓楼 and 福州 itself
# (the 福州 SME adjustment applies), 苏州 (not 太仓), elsewhere.
REGIONS = [("320585", 0.12), ("350105", 0.27), ("350102", 0.35), ("350100", 0.38),
           ("320500", 0.55), ("110105", 0.70), ("440300", 0.85), ("330106", 1.0)]
FLOOR = ("SELECT r.subject_id, SUM(CASE r.severity WHEN 'minor' THEN -20 WHEN 'general' "
         "THEN -50 WHEN 'serious' THEN -100 ELSE 0 END) AS points FROM records_record r "
         "JOIN subjects_subject s ON s.id = r.subject_id GROUP BY r.subject_id")
FLOOR_ALL = ("SELECT s.id AS subject_id, COALESCE(SUM(CASE r.severity WHEN 'minor' THEN -20 "
             "WHEN 'general' THEN -50 WHEN 'serious' THEN -100 ELSE 0 END), 0) AS points "
             "FROM subjects_subject s LEFT JOIN records_record r ON r.subject_id = s.id "
             "GROUP BY s.id")
LOADED = ("subjects_subject", "records_record", "lists_membership")


def log(message: str) -> None:
    print(f"[scores {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- in the child, with Django set up: the data ----------------------------------------

def behaviour_table(book: Any, units: dict[str, int]) -> list[tuple[Any, ...]]:
    """One row per behaviour code of the shipped packs: code, polarity, lowest severity of
    a finding, the kinds it applies to, the unit reporting it (0: by the subject's region),
    the version before and from a switch day (行政处罚 is in two packs, one after the
    other), and its pack's list rules that take it in."""
    from xinyong.policies import jurisdiction

    found: dict[str, dict[str, Any]] = {}
    for entry in sorted(book.entries, key=lambda e: e.pack.effective_from):
        governed = [uid for region, uid in units.items() if jurisdiction.governs(entry, region)]
        for b in entry.pack.behaviors:
            row = found.setdefault(b.code, {
                "code": b.code, "polarity": b.polarity, "min": b.finding_min_severity,
                "kinds": sorted(b.subject_kinds),
                "unit": governed[0] if len(governed) == 1 else 0,
                "old": entry.version_id, "new": entry.version_id, "switch": dt.date(9999, 1, 1),
                "pack": entry.pack.id})
            if row["pack"] != entry.pack.id:
                row["new"], row["switch"] = entry.version_id, entry.pack.effective_from
    return [(i + 1, r["code"], r["polarity"], r["min"], r["unit"], r["old"], r["new"],
             r["switch"], r["pack"], ",".join(r["kinds"])) for i, r in enumerate(found.values())]


def list_rules(book: Any) -> list[tuple[Any, ...]]:
    """The packs' list rules as rows: a record enters a list of its behaviour's own pack that
    names the behaviour, or whose polarity trigger it matches (records.determination)."""
    from xinyong.policies.schema import SEVERITY_ORDER

    out = []
    for entry in book.entries:
        for rule in entry.pack.lists:
            floor = SEVERITY_ORDER[rule.entry.min_severity or "minor"]
            out.append((entry.pack.id, rule.code, rule.name, rule.public, entry.pack.doc_number,
                        rule.clause, rule.duration_months, rule.entry.polarity,
                        [k for k, v in SEVERITY_ORDER.items() if v >= floor],
                        list(rule.entry.behaviors),
                        [x for x in rule.exits if x != "expired"]))
    return out


def slots(behaviours: list[tuple[Any, ...]]) -> list[tuple[str, int, int]]:
    """1,000 slots per class of subject (p person, o organisation, b individual business,
    h the good-heavy persons), each naming a behaviour, in the mix of the docstring."""
    kind_of = {"p": "person", "o": "organization", "b": "individual_business"}
    out = []
    for cls, kind in kind_of.items():
        fits = [b for b in behaviours if kind in b[9].split(",")]
        groups = [([b for b in fits if b[1] == "administrative_penalty"], 0.35),
                  ([b for b in fits if b[2] == "dishonest" and b[1] != "administrative_penalty"],
                   0.25),
                  ([b for b in fits if b[2] == "good"], 0.40)]
        weights = [(b[0], share / len(group)) for group, share in groups for b in group]
        out += _fill(cls, weights)
    codes = {b[1]: b[0] for b in behaviours}
    heavy = [("tc_volunteer_contribution", 0.40), ("tc_donation", 0.25),
             ("tc_frontline_outstanding", 0.15), ("tc_hubei_medical_aid", 0.05),
             ("fz_volunteer_contribution", 0.10), ("fz_donation", 0.05)]
    out += _fill("h", [(codes[c], w) for c, w in heavy if c in codes])
    return out


def _fill(cls: str, weights: list[tuple[int, float]]) -> list[tuple[str, int, int]]:
    total = sum(w for _, w in weights)
    out, acc, slot = [], 0.0, 0
    for idx, w in weights:
        acc += w / total
        while slot < round(acc * 1000):
            out.append((cls, slot, idx))
            slot += 1
    return out


def load(n: int, mean: float, day: dt.date) -> dict[str, Any]:
    from django.db import connection, transaction

    from xinyong.accounts.models import Unit
    from xinyong.policies import rulebook

    start = time.perf_counter()
    units = {}
    for code, name, region in UNITS:
        units[region] = Unit.objects.create(code=code, name=name, region=region).pk
    book = rulebook.current()
    behaviours = behaviour_table(book, units)
    end = day - dt.timedelta(days=1)
    p = mean / (1 + mean)  # geometric: P(k) = (1-p) p^k, mean p/(1-p)
    steps: dict[str, float] = {}

    def step(name: str, sql: str, params: Any = None) -> None:
        t = time.perf_counter()
        cursor.execute(sql, params)
        steps[name] = steps.get(name, 0.0) + time.perf_counter() - t
        log(f"load: {name} {time.perf_counter() - t:.1f} s")

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SELECT setseed(0.42)")
        # Secondary indexes that back no constraint: dropped now, built after the load.
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [list(LOADED)])
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')

        cursor.execute("CREATE TEMP TABLE bench_beh (idx int PRIMARY KEY, code text, "
                       "polarity text, min_sev text, unit_id bigint, v_old bigint, "
                       "v_new bigint, switch date, pack text, kinds text) ON COMMIT DROP")
        cursor.executemany("INSERT INTO bench_beh VALUES (%s, %s, %s, %s, %s, %s, %s, %s, "
                           "%s, %s)", behaviours)
        cursor.execute("CREATE TEMP TABLE bench_slot (cls text, slot int, idx int, "
                       "PRIMARY KEY (cls, slot)) ON COMMIT DROP")
        cursor.executemany("INSERT INTO bench_slot VALUES (%s, %s, %s)", slots(behaviours))
        cursor.execute("ANALYZE bench_beh; ANALYZE bench_slot")

        region_case = "CASE" + "".join(
            f" WHEN u < {share} THEN '{region}'" for region, share in REGIONS[:-1]) \
            + f" ELSE '{REGIONS[-1][0]}' END"
        step("subjects", f"""
            INSERT INTO subjects_subject (id, kind, name, code, code_digest, code_cipher,
                code_masked, scale, created_at, updated_at)
            SELECT g, kind,
                   CASE kind WHEN 'person' THEN '居民' || g
                             WHEN 'organization' THEN '基准测试商贸' || g || '有限公司'
                             ELSE '基准测试个体户' || g END,
                   code, encode(sha256(convert_to(kind || ':' || code || ':' || g, 'UTF8')), 'hex'),
                   '', CASE kind WHEN 'person' THEN '350105********' || lpad((g %% 10000)::text, 4, '0')
                                 ELSE code END,
                   CASE WHEN kind = 'person' THEN ''
                        WHEN kind = 'individual_business' THEN
                             CASE WHEN v < 0.3 THEN '' ELSE 'micro' END
                        WHEN v < 0.15 THEN '' WHEN v < 0.20 THEN 'large' WHEN v < 0.40 THEN 'medium'
                        WHEN v < 0.75 THEN 'small' ELSE 'micro' END,
                   now(), now()
            FROM (SELECT g, kind, v,
                         CASE WHEN kind = 'person' THEN ''
                              ELSE (CASE kind WHEN 'organization' THEN '91' ELSE '92' END)
                                   || region || lpad(g::text, 9, '0') || 'X' END AS code
                  FROM (SELECT g, CASE WHEN g %% 10 < 5 THEN 'person'
                                       WHEN g %% 10 < 9 THEN 'organization'
                                       ELSE 'individual_business' END AS kind,
                               {region_case} AS region, v
                        FROM (SELECT g, random() AS u, random() AS v
                              FROM generate_series(1, %s) g) a) b) c""", [n])
        # Records per subject: geometric, and 20 good ones for 1% of the persons.
        step("records", """
            CREATE TEMP TABLE bench_sk ON COMMIT DROP AS
            SELECT id, name, CASE kind WHEN 'person' THEN 'p' WHEN 'organization' THEN 'o'
                                       ELSE 'b' END AS cls, SUBSTR(code, 3, 6) AS region,
                   floor(ln(1 - random()) / ln(%s))::int AS k,
                   kind = 'person' AND random() < 0.01 AS heavy
            FROM subjects_subject""", [p])
        step("records", """
            CREATE TEMP TABLE bench_r ON COMMIT DROP AS
            SELECT row_number() OVER () AS id, x.* FROM (
              SELECT sk.id AS subject_id, sk.name, sk.cls, sk.region,
                     floor(random() * 1000)::int AS slot, %s::date AS d0,
                     (%s::date - %s::date + 1) AS span,
                     random() AS u_day, random() AS u_sev, random() AS u_stat,
                     random() AS u_close, random() AS u_misc
              FROM bench_sk sk, generate_series(1, sk.k) i
              UNION ALL
              SELECT sk.id, sk.name, 'h', sk.region, floor(random() * 1000)::int, %s::date,
                     (%s::date - %s::date + 1), random(), random(), random(), random(), random()
              FROM bench_sk sk, generate_series(1, 20) i WHERE sk.heavy) x""",
             [dt.date(2020, 3, 1), end, dt.date(2020, 3, 1),
              dt.date(2024, 1, 1), end, dt.date(2024, 1, 1)])
        # Derived step by step: the decision, the severity and the version; the window;
        # the status and the closing.
        step("records", """
            INSERT INTO records_record (id, reported_name, name_mismatch, behavior, polarity,
                severity, occurred_on, decided_on, decision_no, facts, force_majeure,
                epidemic_duty, rectify_by, external_id, violation_type, status, starts_on,
                repairable_from, ends_on, lists, trace, rectified_on, rectification_note,
                closed_on, closed_reason, closed_cause, objection_open, source, version,
                created_at, updated_at, created_by_id, import_job_id, policy_version_id,
                subject_id, unit_id, penalty, severity_derived)
            SELECT id, name, false, code, polarity, severity,
                   decided_on - (u_misc * 60)::int, decided_on,
                   'BENCH〔' || extract(year FROM decided_on) || '〕' || id || '号', '',
                   false, false, rectify_by, '', '', status,
                   starts_on, CASE WHEN status <> 'exempted' THEN repairable_from END,
                   CASE WHEN status <> 'exempted' THEN ends_on END,
                   '[]'::jsonb, '[]'::jsonb, NULL, '', closed_on, '', closed_cause,
                   status = 'published' AND u_misc BETWEEN 0.5 AND 0.505, 'import', 1,
                   now(), now(), NULL, NULL, version_id, subject_id, unit_id, NULL, false
            FROM (
              SELECT w.*,
                CASE WHEN exempt THEN 'exempted'
                     WHEN closing = 'repaired' THEN 'repaired'
                     WHEN closing <> '' THEN 'withdrawn'
                     WHEN rectify_by IS NOT NULL AND rectify_by >= %(day)s THEN 'deferred'
                     WHEN ends_on < %(day)s THEN 'expired' ELSE 'published' END AS status,
                CASE WHEN exempt THEN NULL WHEN closing = 'repaired' THEN
                       repairable_from + (u_close * (LEAST(ends_on, %(day)s) - repairable_from))::int
                     WHEN closing <> '' THEN LEAST(%(day)s, decided_on + 1 + (u_close * 60)::int)
                END AS closed_on,
                CASE WHEN exempt THEN '' ELSE closing END AS closed_cause
              FROM (
                SELECT v.*,
                  CASE WHEN deferred THEN decided_on + 20 END AS rectify_by,
                  CASE WHEN exempt THEN NULL WHEN deferred THEN decided_on + 21
                       ELSE decided_on END AS starts_on,
                  CASE WHEN polarity = 'good' THEN NULL
                       ELSE (decided_on + make_interval(months => months))::date - 1 END AS ends_on,
                  CASE WHEN polarity = 'good' THEN NULL
                       ELSE (decided_on + make_interval(months => min_months))::date END
                    AS repairable_from,
                  CASE WHEN polarity = 'dishonest' AND u_stat < 0.06
                            AND (decided_on + make_interval(months => min_months))::date < %(day)s
                            AND NOT deferred THEN 'repaired'
                       WHEN u_stat >= 0.06 AND u_stat < 0.09 AND polarity = 'dishonest'
                         OR u_stat < 0.03 AND polarity = 'good' THEN
                         CASE WHEN u_close < 0.3 THEN 'objection_upheld' ELSE 'withdrawn' END
                       ELSE '' END AS closing
                FROM (
                  SELECT u.*,
                    polarity = 'dishonest' AND severity = 'minor' AND decided_on >= '2026-04-01'
                      AS exempt,
                    polarity = 'dishonest' AND u_misc < 0.02
                      AND NOT (severity = 'minor' AND decided_on >= '2026-04-01') AS deferred,
                    CASE severity WHEN 'serious' THEN 36 ELSE 12 END AS months,
                    CASE WHEN decided_on >= '2026-04-01' THEN
                           CASE severity WHEN 'serious' THEN 12 WHEN 'general' THEN 3 ELSE 0 END
                         ELSE CASE severity WHEN 'serious' THEN 6 ELSE 3 END END AS min_months
                  FROM (
                    SELECT r.id, r.subject_id, r.name, r.u_stat, r.u_close, r.u_misc,
                      b.code, b.polarity, r.d0 + (r.u_day * (r.span - 1))::int AS decided_on,
                      CASE WHEN b.polarity = 'good' THEN 'minor'
                           WHEN b.min_sev = 'serious' THEN 'serious'
                           WHEN b.min_sev = 'general' THEN
                             CASE WHEN r.u_sev < 0.7 THEN 'general' ELSE 'serious' END
                           WHEN r.u_sev < 0.45 THEN 'minor' WHEN r.u_sev < 0.85 THEN 'general'
                           ELSE 'serious' END AS severity,
                      CASE WHEN r.d0 + (r.u_day * (r.span - 1))::int < b.switch THEN b.v_old
                           ELSE b.v_new END AS version_id,
                      CASE WHEN b.unit_id <> 0 THEN b.unit_id
                           WHEN r.region LIKE '3205%%' THEN %(tc)s ELSE %(fz)s END AS unit_id
                    FROM bench_r r JOIN bench_slot sl ON sl.cls = r.cls AND sl.slot = r.slot
                    JOIN bench_beh b ON b.idx = sl.idx) u) v) w) z""",
             {"day": day, "tc": units["320585"], "fz": units["350105"]})
        # The memberships the packs' list rules give those records.
        cursor.execute("CREATE TEMP TABLE bench_list (pack text, code text, name text, "
                       "public boolean, doc text, clause text, months int, polarity text, "
                       "severities text[], behaviors text[], exits text[]) ON COMMIT DROP")
        cursor.executemany("INSERT INTO bench_list VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, "
                           "%s, %s)", list_rules(book))
        step("memberships", """
            INSERT INTO lists_membership (list_code, list_name, public, policy, doc_number,
                clause, since, until, ended_on, exit_reason, exit_note, record_id, subject_id)
            SELECT l.code, l.name, l.public, l.pack, l.doc, l.clause, r.starts_on,
                   CASE WHEN l.months IS NULL THEN r.ends_on
                        ELSE (r.starts_on + make_interval(months => l.months))::date - 1 END,
                   CASE WHEN r.closed_cause = ANY(l.exits) THEN r.closed_on END,
                   CASE WHEN r.closed_cause = ANY(l.exits) THEN r.closed_cause ELSE '' END,
                   '', r.id, r.subject_id
            FROM records_record r JOIN bench_beh b ON b.code = r.behavior
            JOIN bench_list l ON l.pack = b.pack AND r.severity = ANY(l.severities)
             AND (r.behavior = ANY(l.behaviors) OR l.polarity = r.polarity)
            WHERE r.starts_on IS NOT NULL AND r.status <> 'exempted'""")
        for table in LOADED:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT max(id) FROM {table}))")
        for _, definition in indexes:
            step("indexes", definition)
    with connection.cursor() as cursor:
        t = time.perf_counter()
        for table in LOADED:
            cursor.execute(f"VACUUM ANALYZE {table}")
        steps["vacuum analyze"] = time.perf_counter() - t
    return {"seconds": time.perf_counter() - start, "steps": steps,
            "indexes_rebuilt": len(indexes)}


def shape() -> dict[str, Any]:
    from django.db import connection

    queries = {
        "kinds": "SELECT kind, count(*) FROM subjects_subject GROUP BY 1 ORDER BY 1",
        "scales": "SELECT kind || ':' || scale, count(*) FROM subjects_subject "
                  "WHERE kind <> 'person' GROUP BY 1 ORDER BY 1",
        "regions": "SELECT CASE WHEN SUBSTR(code, 3, 6) = '320585' THEN '太仓 320585' "
                   "WHEN SUBSTR(code, 3, 4) = '3501' THEN '福州 3501xx' ELSE 'other' END, "
                   "count(*) FROM subjects_subject WHERE kind <> 'person' GROUP BY 1 ORDER BY 1",
        "records": "SELECT polarity || ':' || severity, count(*) FROM records_record "
                   "GROUP BY 1 ORDER BY 1",
        "statuses": "SELECT status, count(*) FROM records_record GROUP BY 1 ORDER BY 1",
        "years": "SELECT extract(year FROM decided_on)::int::text, count(*) FROM records_record "
                 "GROUP BY 1 ORDER BY 1",
        "behaviors": "SELECT CASE WHEN behavior = 'administrative_penalty' THEN behavior "
                     "ELSE SUBSTR(behavior, 1, 3) || '* ' || polarity END, count(*) "
                     "FROM records_record GROUP BY 1 ORDER BY 1",
        "memberships": "SELECT list_code || ' (' || policy || ')', count(*) FROM lists_membership "
                       "GROUP BY 1 ORDER BY 1",
        "per_subject": "SELECT LEAST(n, 10)::text, count(*) FROM (SELECT s.id, count(r.id) AS n "
                       "FROM subjects_subject s LEFT JOIN records_record r ON r.subject_id = s.id "
                       "GROUP BY s.id) x GROUP BY LEAST(n, 10) ORDER BY LEAST(n, 10)",
        "sizes": "SELECT relname, pg_total_relation_size(oid) FROM pg_class "
                 "WHERE relname IN ('subjects_subject', 'records_record', 'lists_membership', "
                 "'scores_subjectscore', 'scores_subjectgrade')",
    }
    out: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for key, sql in queries.items():
            cursor.execute(sql)
            out[key] = [[str(k), int(v)] for k, v in cursor.fetchall()]
    return out


def results() -> dict[str, Any]:
    from django.db import connection

    queries = {
        "levels": "SELECT scheme || ' ' || level, count(*) FROM scores_subjectscore "
                  "GROUP BY 1 ORDER BY 1",
        "points": "SELECT scheme, min(points), max(points), round(avg(points), 1) "
                  "FROM scores_subjectscore GROUP BY 1 ORDER BY 1",
        "grades": "SELECT grade || ' ' || rule, count(*) FROM scores_subjectgrade "
                  "GROUP BY 1 ORDER BY 1",
        "adjusted": "SELECT adjustments, count(*) FROM scores_subjectgrade "
                    "GROUP BY 1 ORDER BY 1",
    }
    out: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for key, sql in queries.items():
            cursor.execute(sql)
            out[key] = [[str(x) for x in row] for row in cursor.fetchall()]
    return out


# --- in the child: the measurements -----------------------------------------------------

class Statements:
    """Time per statement while refresh() runs (Django's execute_wrapper)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, int]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t = time.perf_counter()
        result = execute(sql, params, many, context)
        cursor = context["cursor"]
        self.rows.append((label(sql), time.perf_counter() - t,
                          getattr(cursor, "rowcount", -1)))
        return result


def label(sql: str) -> str:
    s = " ".join(sql.split())
    for prefix, name in (
            ("CREATE TEMPORARY TABLE scores_fresh AS",
             "compute: every scheme and the grades, one statement → temp"),
            ("CREATE TEMPORARY TABLE scores_changed AS SELECT f.subject_id, f.p",
             "points: find changed rows (outer join)"),
            ("CREATE TEMPORARY TABLE scores_changed AS SELECT f.subject_id, f.grade",
             "grades: find changed rows (outer join)"),
            ("UPDATE scores_subjectscore", "points: UPDATE changed"),
            ("INSERT INTO scores_subjectscore", "points: INSERT new"),
            ("DELETE FROM scores_subjectscore", "points: DELETE gone schemes"),
            ("UPDATE scores_subjectgrade", "grades: UPDATE changed"),
            ("INSERT INTO scores_subjectgrade", "grades: INSERT new"),
            ("DELETE FROM scores_subjectgrade", "grades: DELETE uncovered")):
        if s.startswith(prefix):
            return name
    return "other (counts, drops, the Refresh row)"


def timed_refresh(day: dt.date) -> dict[str, Any]:
    from django.db import connection

    from xinyong.scores.refresh import refresh

    watch = Statements()
    t = time.perf_counter()
    with connection.execute_wrapper(watch):
        run = refresh(day=day)
    seconds = time.perf_counter() - t
    statements = []
    schemes = iter(scheme_order(day))
    for name, s, rows in watch.rows:
        if name == "points: compute → temp":
            name = f"points ({next(schemes)}): compute → temp"
        statements.append([name, s, rows])
    return {"seconds": seconds, "subjects": run.subjects, "changed": run.changed,
            "statements": statements}


def scheme_order(day: dt.date) -> list[str]:
    from xinyong.policies import rulebook

    return [s.code for e in rulebook.current().in_force(day) for s in e.pack.scores]


def timed_floor(sql: str, serial: bool = False) -> tuple[float, int]:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if serial:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        t = time.perf_counter()
        cursor.execute("CREATE TEMP TABLE bench_floor AS " + sql)
        seconds = time.perf_counter() - t
        rows = cursor.rowcount
        cursor.execute("DROP TABLE bench_floor")
    return seconds, rows


def percentiles(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"n": len(ms), "p50": statistics.median(ordered), "p95": p95, "max": ordered[-1]}


def sample_ids(kinds: tuple[str, ...], count: int, among: str, seed: int) -> list[int]:
    """`count` random subjects of `kinds`: any (`among` empty), those on a list or with at
    least 3 records ("rich"), or those with at least 10 records ("heavy": the persons with
    many good records, where the steps and caps bite)."""
    from django.db import connection

    where, share = "s.kind = ANY(%s)", 4
    if among == "rich":
        where += (" AND (EXISTS (SELECT 1 FROM lists_membership m WHERE m.subject_id = s.id) "
                  "OR (SELECT count(*) FROM records_record r WHERE r.subject_id = s.id) >= 3)")
        share = 40
    elif among == "heavy":
        where += " AND (SELECT count(*) FROM records_record r WHERE r.subject_id = s.id) >= 10"
        share = 400
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM subjects_subject s TABLESAMPLE BERNOULLI(%s) "
                       f"REPEATABLE (%s) WHERE {where}",
                       [min(100.0, max(0.01, 100.0 * count * share / max(1, _count()))), seed,
                        list(kinds)])
        ids = [row[0] for row in cursor.fetchall()]
    random.Random(seed).shuffle(ids)
    return ids[:count]


def _count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM subjects_subject")
        return int(cursor.fetchone()[0] or 0)


def singles(day: dt.date, count: int) -> dict[str, Any]:
    from xinyong.scores import services
    from xinyong.subjects.models import Subject

    out: dict[str, Any] = {}
    cases: list[tuple[str, tuple[str, ...], Any]] = [
        ("score", ("person",), services.score),
        ("grade", ("organization", "individual_business"), services.grade)]
    for name, kinds, call in cases:
        ids = sample_ids(kinds, count, "", 7)
        subjects = list(Subject.objects.in_bulk(ids).values())
        for subject in subjects[:20]:
            call(subject)  # warm-up
        ms, items = [], []
        for subject in subjects:
            t = time.perf_counter()
            done = call(subject)
            ms.append((time.perf_counter() - t) * 1000)
            items.append(len(done.items) if name == "score" else len(done.basis))
        out[name] = {**percentiles(ms), "items_max": max(items),
                     "items_mean": statistics.mean(items)}
    return out


def verify(day: dt.date, count: int) -> dict[str, Any]:
    from xinyong.policies import rulebook
    from xinyong.scores import services
    from xinyong.scores.models import SubjectGrade, SubjectScore
    from xinyong.subjects.models import Subject

    book = rulebook.current()
    schemes = [s.code for s in services.schemes_for(book, "person", day)]
    bad: list[str] = []
    seen: dict[str, Any] = {"persons": 0, "with_items": 0, "capped_or_stepped": 0,
                            "enterprises": 0, "adjusted": 0, "grades": {}}
    half, quarter = count // 2, count // 4
    persons = (sample_ids(("person",), half, "", 11)
               + sample_ids(("person",), count - half - quarter, "rich", 12)
               + sample_ids(("person",), quarter, "heavy", 15))
    for subject in Subject.objects.filter(pk__in=persons):
        stored = {r.scheme: (r.points, r.level, r.policy)
                  for r in SubjectScore.objects.filter(subject=subject)}
        computed = {}
        for code in schemes:
            score = services.score(subject, as_of=day, scheme=code)
            computed[code] = (score.points, score.level, score.policy)
            seen["with_items"] += bool(score.items)
            seen["capped_or_stepped"] += any(i.note for i in score.items)
        seen["persons"] += 1
        if stored != computed:
            bad.append(f"person {subject.pk}: stored {stored} computed {computed}")
    enterprises = (sample_ids(("organization", "individual_business"), half, "", 13)
                   + sample_ids(("organization", "individual_business"), count - half, "rich",
                                14))
    for subject in Subject.objects.filter(pk__in=enterprises):
        row = SubjectGrade.objects.filter(subject=subject).first()
        stored_g = (row.grade, row.rule, row.policy, row.adjustments) if row else None
        g = services.grade(subject, as_of=day)
        computed_g = (g.grade, g.rule, g.policy, ",".join(g.adjustments))
        seen["enterprises"] += 1
        seen["adjusted"] += bool(g.adjustments)
        seen["grades"][g.grade] = seen["grades"].get(g.grade, 0) + 1
        if stored_g != computed_g:
            bad.append(f"enterprise {subject.pk}: stored {stored_g} computed {computed_g}")
    return {"mismatches": bad, **seen}


def explain(day: dt.date, directory: Path) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of every compute statement of a full run, into files."""
    from django.db import connection, transaction

    from xinyong.policies import rulebook
    from xinyong.scores.refresh import Scope, evaluation_sql

    directory.mkdir(parents=True, exist_ok=True)
    book = rulebook.current()
    queries = [("evaluation", evaluation_sql(book, day, Scope()).sql)]
    written = []
    with transaction.atomic(), connection.cursor() as cursor:
        for name, q in queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, VERBOSE) " + q.text(), q.params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            sql = cursor.mogrify(q.text(), q.params)
            sql = sql.decode() if isinstance(sql, bytes) else sql
            path = directory / f"{name}.txt"
            path.write_text(sql + "\n\n" + plan + "\n", encoding="utf-8")
            written.append(str(path))
        transaction.set_rollback(True)
    return written


def code_state() -> dict[str, Any]:
    """The commit, whether the code under test differs from it, and a digest of the files
    (taken before and after the measurements: the tree may change under a long run)."""
    import hashlib

    paths = ["xinyong/scores", "xinyong/records", "xinyong/lists", "xinyong/policies",
             "xinyong/subjects"]
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, check=False).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "--", *paths], capture_output=True,
                           text=True, check=False).stdout.split("\n")
    digest = hashlib.sha256()
    for name in ("refresh.py", "points.py", "grading.py", "services.py"):
        digest.update((ROOT / "xinyong" / "scores" / name).read_bytes())
    return {"head": head, "dirty": [d.strip() for d in dirty if d.strip() and "/tests/" not in d],
            "digest": digest.hexdigest()[:12]}


def child(n: int, load_data: bool, explain_dir: str | None) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    day = timezone.localdate()
    out: dict[str, Any] = {"day": day.isoformat(), "code": code_state(),
                           "load_before": os.getloadavg()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), "
                       "current_setting('shared_buffers'), current_setting('work_mem'), "
                       "current_setting('max_parallel_workers_per_gather')")
        out["pg"] = list(cursor.fetchone())
    if load_data:
        log(f"loading {n:,} subjects")
        out["load"] = load(n, float(os.getenv("BENCH_SCORES_MEAN", "2.3")), day)
    else:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE scores_subjectscore, scores_subjectgrade, scores_refresh")
    out["shape"] = shape()

    floors: dict[str, list[float]] = {"default": [], "serial": []}
    floors_all: list[float] = []

    def floor_rounds() -> None:
        for _ in range(3):
            for how in floors:
                s, out["floor_rows"] = timed_floor(FLOOR, serial=how == "serial")
                floors[how].append(s)
                log(f"floor ({how}) {s:.2f} s")

    floor_rounds()
    for _ in range(3):
        s, out["floor_all_rows"] = timed_floor(FLOOR_ALL)
        floors_all.append(s)

    log("refresh: first run")
    out["first"] = timed_refresh(day)
    log(f"refresh: first run {out['first']['seconds']:.1f} s")
    with connection.cursor() as cursor:
        t = time.perf_counter()
        cursor.execute("VACUUM ANALYZE scores_subjectscore")
        cursor.execute("VACUUM ANALYZE scores_subjectgrade")
        out["vacuum_results"] = time.perf_counter() - t
    out["nightly"] = []
    for _ in range(3):
        out["nightly"].append(timed_refresh(day))
        log(f"refresh: nightly {out['nightly'][-1]['seconds']:.1f} s")
    floor_rounds()
    out["floors"], out["floors_all"] = floors, floors_all
    out["results"] = results()

    log("single scores and grades")
    out["single"] = singles(day, int(os.getenv("BENCH_SCORES_SINGLE", "1000")))
    log("verifying a sample")
    out["verify"] = verify(day, int(os.getenv("BENCH_SCORES_VERIFY", "200")))
    if explain_dir:
        log("EXPLAIN ANALYZE")
        out["explain"] = explain(day, Path(explain_dir))
    out["code_after"] = code_state()
    out["load_after"] = os.getloadavg()
    print(json.dumps(out, ensure_ascii=False, default=str))


# --- the report ---------------------------------------------------------------------------

def measure(url: str, var: Path, n: int, load_data: bool, explain_dir: str | None
            ) -> dict[str, Any]:
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_VAR_DIR": str(var),
           "DJANGO_SETTINGS_MODULE": "xinyong.settings", "PYTHONPATH": str(ROOT)}
    args = [str(BIN / "python"), __file__, "--child", str(n)]
    args += ["--load"] if load_data else []
    args += ["--explain", explain_dir] if explain_dir else []
    done = subprocess.run(args, env=env, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        sys.exit("scores benchmark failed (its stderr is above)")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _table(rows: list[list[Any]]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in rows)


def section(r: dict[str, Any], n: int) -> list[str]:
    sh_ = r["shape"]
    floor_default, floor_serial = min(r["floors"]["default"]), min(r["floors"]["serial"])
    floor = min(floor_default, floor_serial)
    floor_all = min(r["floors_all"])
    first, nightly = r["first"], min(r["nightly"], key=lambda x: x["seconds"])
    records = sum(v for _, v in sh_["records"])
    members = sum(v for _, v in sh_["memberships"])
    subjects = sum(v for _, v in sh_["kinds"])
    ratio_first, ratio_night = first["seconds"] / floor, nightly["seconds"] / floor
    single, ver = r["single"], r["verify"]
    pg = r["pg"]
    code = r["code"]
    same_code = code == r["code_after"]
    lines = [
        "", SECTION, "",
        f"PostgreSQL {pg[0]} (shared_buffers {pg[1]}, work_mem {pg[2]}, "
        f"max_parallel_workers_per_gather {pg[3]}), {os.cpu_count()} cores (load average "
        f"{r['load_before'][0]:.1f} at the start, {r['load_after'][0]:.1f} at the end). Day of the run "
        f"{r['day']}. Code: commit {code['head']}"
        + (f", with local changes in {', '.join(code['dirty'])}" if code["dirty"] else
           ", no local changes under xinyong/{scores,records,lists,policies,subjects} "
           "(tests aside)")
        + ("" if same_code else " (**the code under test changed during the run: "
           "figures not reliable**)")
        + ". Data generated set-based in SQL (bench/scores.py):", "",
        f"- subjects: {subjects:,} ({_table(sh_['kinds'])}); enterprises by region "
        f"{_table(sh_['regions'])}; scales {_table(sh_['scales'])}",
        f"- records: {records:,} ({records / subjects:.2f} a subject; records a subject: "
        f"{_table(sh_['per_subject'])} (10 = 10 or more)); {_table(sh_['records'])}; "
        f"statuses {_table(sh_['statuses'])}; behaviours {_table(sh_['behaviors'])}; "
        f"decided {_table(sh_['years'])}",
        f"- list memberships: {members:,} ({_table(sh_['memberships'])})",
        "- sizes: " + ", ".join(f"{k} {v / 1e6:,.0f} MB" for k, v in sh_["sizes"]),
    ]
    if "load" in r:
        ld = r["load"]
        lines.append(f"- generated in {ld['seconds']:.0f} s ("
                     + ", ".join(f"{k} {v:.0f} s" for k, v in ld["steps"].items()) + ")")
    lines += [
        "", "| what | seconds | rows | / floor |", "|---|---|---|---|",
        f"| floor: `CREATE TEMP TABLE … AS {FLOOR}`, default settings (the planner may use "
        f"parallel workers; best of {len(r['floors']['default'])}: "
        + ", ".join(f"{x:.2f}" for x in r["floors"]["default"])
        + f") | {floor_default:.2f} | {r['floor_rows']:,} | {floor_default / floor:.2f}x |",
        "| the same, serial (`SET LOCAL max_parallel_workers_per_gather = 0`, as refresh's "
        f"INSERT … SELECT statements run; best of {len(r['floors']['serial'])}: "
        + ", ".join(f"{x:.2f}" for x in r["floors"]["serial"])
        + f") | {floor_serial:.2f} | {r['floor_rows']:,} | {floor_serial / floor:.2f}x |",
        f"| for information, one row per subject: `… FROM subjects_subject s LEFT JOIN "
        f"records_record r … GROUP BY s.id` (best of 3) | {floor_all:.2f} | "
        f"{r['floor_all_rows']:,} | {floor_all / floor:.2f}x |",
        f"| `refresh()`, first full run (every row inserted) | {first['seconds']:.2f} | "
        f"{first['subjects']:,} computed, {first['changed']:,} written | **{ratio_first:.2f}x** |",
        "| `refresh()`, full run, nothing changed (nightly; best of 3: "
        + ", ".join(f"{x['seconds']:.2f}" for x in r["nightly"]) + f") | {nightly['seconds']:.2f} | "
        f"{nightly['subjects']:,} computed, {nightly['changed']:,} written | **{ratio_night:.2f}x** |",
        "",
        f"The floor is the faster of the two ({floor:.2f} s); against the default-settings floor "
        f"the ratios are {first['seconds'] / floor_default:.2f}x and "
        f"{nightly['seconds'] / floor_default:.2f}x. "
        f"Goal at most {GOAL_RATIO:.0f}x the floor: first run "
        + ("met" if ratio_first <= GOAL_RATIO else "**NOT met**") + ", nightly run "
        + ("met" if ratio_night <= GOAL_RATIO else "**NOT met**")
        + f". (VACUUM ANALYZE of the two result tables between the first run and the nightly "
        f"runs: {r['vacuum_results']:.1f} s, not counted.)",
        "", "Time per statement (seconds; rows affected):", "",
        "| statement | first run | nightly (best run) |", "|---|---|---|",
    ]
    merged: dict[str, list[float | int]] = {}
    for which, run in ((0, first), (1, nightly)):
        for name, s, rows in run["statements"]:
            slot = merged.setdefault(name, [0.0, 0, 0.0, 0])
            slot[2 * which] += s
            slot[2 * which + 1] += max(rows, 0)
    for name, (s1, r1, s2, r2) in merged.items():
        lines.append(f"| {name} | {s1:.2f} ({r1:,}) | {s2:.2f} ({r2:,}) |")
    rest = [run["seconds"] - sum(x[1] for x in run["statements"]) for run in (first, nightly)]
    lines.append("| outside the statements: Python, and the COMMIT (the deferred foreign-key "
                 f"checks of inserted rows) | {rest[0]:.2f} | {rest[1]:.2f} |")
    res = r["results"]
    lines += [
        "", "Stored results: " + "; ".join(f"{row[0]} min {row[1]} max {row[2]} mean {row[3]}"
                                          for row in res["points"])
        + "; levels " + ", ".join(f"{a} {int(b):,}" for a, b in res["levels"])
        + "; grades " + ", ".join(f"{a} {int(b):,}" for a, b in res["grades"])
        + "; adjustments " + ", ".join(f"{a or '(none)'} {int(b):,}" for a, b in res["adjusted"])
        + ".",
        "",
        "One subject on the spot, warm process, random subjects (ms):", "",
        "| what | n | p50 | p95 | max | items |", "|---|---|---|---|---|---|",
    ]
    for name, what in (("score", "`services.score(person)`: points with every item explained"),
                       ("grade", "`services.grade(enterprise)`: grade, rule and adjustments")):
        x = single[name]
        lines.append(f"| {what} | {x['n']:,} | {x['p50']:.2f} | {x['p95']:.2f} | {x['max']:.2f} "
                     f"| mean {x['items_mean']:.1f}, max {x['items_max']} |")
    worst = max(single["score"]["p95"], single["grade"]["p95"])
    lines += [
        "", f"Goal under {GOAL_MS:.0f} ms: " + ("met" if worst < GOAL_MS else "**NOT met**")
        + f" at p95 (max {max(single['score']['max'], single['grade']['max']):.1f} ms).",
        "",
        f"Sample check: {ver['persons']} persons (half random, a quarter on a list or with "
        f"3+ records, a quarter with 10+ records; every scheme in force: points, level, "
        f"policy; {ver['with_items']} scores with items, {ver['capped_or_stepped']} with a "
        f"step or cap) and {ver['enterprises']} enterprises (grade, rule, policy, adjustments; "
        f"grades {', '.join(f'{k} {v}' for k, v in sorted(ver['grades'].items()))}, "
        f"{ver['adjusted']} adjusted; half random, half on a list or with 3+ records): "
        + ("**stored = computed for all**." if not ver["mismatches"]
           else f"**{len(ver['mismatches'])} MISMATCHES**: " + "; ".join(ver["mismatches"][:10])),
    ]
    return lines


def main(work: Path | None = None, keep: bool = False, explain_dir: str | None = None
         ) -> list[str]:
    n = int(os.getenv("BENCH_SCORES_SUBJECTS", "1000000"))
    db = os.getenv("BENCH_SCORES_DB", "xinyong_bench_scores")
    url, filled = fresh_db(db, keep, "subjects_subject",
                           "id = %s AND NOT EXISTS (SELECT 1 FROM subjects_subject WHERE id > %s)",
                           (n, n))
    var = ROOT / "var" / f"bench-{db}"
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_VAR_DIR": str(var)}
    if not filled:
        sh([str(BIN / "xinyong"), "migrate", "--no-input"], env)
    try:
        r = measure(url, var, n, not filled, explain_dir)
    finally:
        if not keep:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
            shutil.rmtree(var, ignore_errors=True)
    lines = section(r, n)
    if r["verify"]["mismatches"]:
        print("\n".join(r["verify"]["mismatches"]), file=sys.stderr)
        lines.append("")
        lines.append("**The stored results differ from the computed ones: see above.**")
    if r.get("explain"):
        lines += ["", "EXPLAIN ANALYZE written to " + ", ".join(r["explain"])]
    return lines


def failed(lines: list[str]) -> bool:
    return any("MISMATCHES" in line for line in lines)


def standalone() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true",
                        help="keep the database, and reuse it if it holds the subjects")
    parser.add_argument("--explain", metavar="DIR", help="EXPLAIN ANALYZE plans into DIR")
    parser.add_argument("--out", metavar="FILE", type=Path,
                        help="the report to write the section into (default: today's)")
    parser.add_argument("--child", type=int, metavar="N", help=argparse.SUPPRESS)
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.load, args.explain)
        return
    start = time.perf_counter()
    head = [f"# Points and grades benchmark, {dt.date.today()}", "",
            f"- machine: {platform.node()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, {platform.platform()}"]
    with psycopg.connect(PG_ADMIN) as conn:
        head.append(f"- PostgreSQL: {conn.execute('show server_version').fetchone()[0]}")
    lines = main(Path(tempfile.mkdtemp(prefix="xinyong-bench-scores-")), keep=args.keep,
                 explain_dir=args.explain)
    print("\n".join(head + lines))
    out = args.out or ROOT / "bench" / f"report-{dt.date.today()}.md"
    write_section(out, head, lines)
    print(f"\nwritten to {out}")
    print(f"\n(measured in {time.perf_counter() - start:.0f} s)", file=sys.stderr)
    if failed(lines):
        sys.exit(1)


if __name__ == "__main__":
    standalone()
