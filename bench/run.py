"""`make bench`: the bulk import against a raw COPY of the same file, and SQLite rows/s;
then, on the imported database, the checks (checks.py) and the record export (exports.py);
then the 双公示 benchmarks of issue 13 on a database of their own (shuanggongshi.py), and the
credit report PDFs of issue 14 (reports.py; BENCH_SKIP_REPORTS=1 skips them), and the
recompute of points and grades against a single SQL aggregate (scores.py; BENCH_SKIP_SCORES=1
skips it, BENCH_SCORES_SUBJECTS sets its size, default 1,000,000), and commitments and
force-majeure certificates: signing, verification by number, the queue, a campaign
(commitments.py; BENCH_SKIP_COMMITMENTS=1 skips it), and 信易贷: the credit file read under a
grant among 100,000 grants and 1,000,000 reads, an institution's needs, the honest-SME list,
the statistics (credit_loans.py; BENCH_SKIP_CREDIT_LOANS=1 skips it), and the portal: public
search among 1,000,000 subjects under wrk, the office dashboard's queries and what-if for a
draft pack over 1,000,000 records (portal.py; BENCH_SKIP_PORTAL=1 skips it).

Writes bench/report-<date>.md with the machine and the numbers. Sizes: BENCH_ROWS
(default 1,000,000) for PostgreSQL, BENCH_SQLITE_ROWS (default 100,000) for SQLite.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
XINYONG = str(ROOT / ".venv" / "bin" / "xinyong")
PG_ADMIN = os.getenv("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = "xinyong_bench"
UNIT = "113501050030000041"
COLUMNS = ["subject_kind", "subject_name", "subject_code", "behavior", "occurred_on",
           "decided_on", "decision_no", "facts", "severity", "force_majeure", "epidemic_duty",
           "rectify_by", "external_id"]


def sh(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run a command; wall seconds, its peak RSS in MB, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) // 1024, done.stdout


def fresh_db(name: str, keep: bool, table: str, where: str = "TRUE",
             params: tuple[object, ...] = ()) -> tuple[str, bool]:
    """A benchmark's own PostgreSQL database: its URL, and whether it was kept because it
    already holds rows of `table` matching `where` (with `keep`); else made anew."""
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and keep:
            with psycopg.connect(url) as db:
                row = db.execute("SELECT to_regclass(%s)", [table]).fetchone()
                if row and row[0] is not None and db.execute(
                        f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {where})",
                        params).fetchone()[0]:
                    return url, True
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return url, False


def standalone(title: str, doc: str, child: Callable[[bool], None],
               main: Callable[..., list[str]]) -> None:
    """A capability's benchmark run on its own: `--child` is its measuring process; else it
    runs `main` and writes its section, with the machine's facts, into today's report."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="reuse the database if it is filled")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.keep)
        return
    start = time.perf_counter()
    head = [f"# {title}, {dt.date.today()}", "",
            f"- machine: {platform.node()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, {platform.platform()}"]
    with psycopg.connect(PG_ADMIN) as conn:
        row = conn.execute("show server_version").fetchone()
        head.append(f"- PostgreSQL: {row[0] if row else '?'}")
    lines = main(keep=args.keep)
    # The machine facts go with the section too: the day's file already has its own head.
    lines[3:3] = [f"Machine: {head[2][len('- machine: '):]}; PostgreSQL "
                  f"{head[3][len('- PostgreSQL: '):]}."]
    print("\n".join(head + lines))
    out = ROOT / "bench" / f"report-{dt.date.today()}.md"
    write_section(out, head, lines)
    print(f"\nwritten to {out}")
    print(f"\n(measured in {time.perf_counter() - start:.0f} s)", file=sys.stderr)


def write_section(out: Path, head: list[str], section: list[str]) -> None:
    """A benchmark run on its own puts its section (a blank line, then its "## " title, then
    the rest) into today's report: replaced if there, else added (or a new file)."""
    if not out.exists():
        out.write_text("\n".join(head + section) + "\n", encoding="utf-8")
        return
    title = section[1]
    lines = out.read_text(encoding="utf-8").splitlines()
    if title in lines:
        start = lines.index(title)
        end = next((i - 1 for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
                   len(lines))  # the next section's blank line stays with it
        lines[start - 1:end] = section
    else:
        lines += section
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def fresh_pg() -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DB}")
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_DB


def prepare(env: dict[str, str]) -> None:
    sh([XINYONG, "migrate", "--no-input"], env)
    sh([XINYONG, "demo", "--force"], env)  # a throw-away database; the server is not started


def raw_copy(url: str, path: Path) -> float:
    with psycopg.connect(url, autocommit=True) as conn:
        cols = ", ".join(f"{c} text" for c in COLUMNS)
        conn.execute(f"DROP TABLE IF EXISTS bench_raw; CREATE TABLE bench_raw ({cols})")
        start = time.perf_counter()
        with conn.cursor() as cur, cur.copy(
            "COPY bench_raw FROM STDIN WITH (FORMAT csv, HEADER true)"
        ) as copy, path.open("rb") as f:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        return time.perf_counter() - start


def import_once(env: dict[str, str], path: Path) -> tuple[float, int, str, dict[str, float]]:
    """Wall seconds, peak RSS (MB), the summary line and the seconds per stage of one
    `xinyong import --timings`, each process measured alone (a fresh interpreter per run,
    so ru_maxrss is its own)."""
    code = (
        "import resource, subprocess, sys, time;"
        "t=time.perf_counter();"
        f"r=subprocess.run([{XINYONG!r},'import',{str(path)!r},'--unit',{UNIT!r},"
        "'--accept-partial','--timings'],capture_output=True,text=True);"
        "print(time.perf_counter()-t);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss//1024);"
        "print(r.stdout.strip().replace(chr(10),' | ') if r.returncode==0 else "
        "'FAILED '+r.stderr.replace(chr(10),' | ')[-3000:])"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.splitlines()
    if out[2].startswith("FAILED"):
        sys.exit(out[2])
    parts = out[2].split(" | ")
    timings = next((p for p in parts if p.startswith("timings: ")), "timings: ")
    stages = {k: float(v) for k, v in (item.split("=") for item in timings[9:].split())}
    summary = next(p for p in parts if p.startswith("import "))
    return float(out[0]), int(out[1]), summary, stages


STAGES = ["parse", "validate", "determine", "stage", "merge", "memberships", "statistics"]
STAGE_TEXT = {
    "parse": "the child process reading the file, rows to the parent (reading thread)",
    "validate": "cells checked by column, the rest row by row; ID digests and ciphers once per "
                "distinct person (reading thread)",
    "determine": "rule paths once per distinct key, dates by column, list entries (reading thread)",
    "stage": "COPY of each chunk into the staging table (main thread)",
    "merge": "new subjects and records from each chunk, in the run's transaction (main thread)",
    "memberships": "list memberships, the outbox, the job marked done",
    "statistics": "ANALYZE of subjects, records and memberships after the commit",
}


def stage_table(stages: dict[str, float], wall: float) -> list[str]:
    lines = ["| stage | seconds | what |", "|---|---|---|"]
    for name in STAGES:
        if name in stages:
            lines.append(f"| {name} | {stages[name]:.1f} | {STAGE_TEXT[name]} |")
    lines.append(f"| wall clock | {wall:.1f} | the reading thread's stages overlap the main "
                 "thread's, so the rows above add up to more |")
    return lines


# The reads that the bulk path's indexes are kept for, as the pages and checks ask them.
PLANS = {
    "check / profile: a subject's records": (
        "SELECT behavior, polarity FROM records_record WHERE subject_id = "
        "(SELECT subject_id FROM records_record ORDER BY id LIMIT 1) AND status IN "
        "('published', 'expired', 'deferred')"),
    "check: a subject's list memberships": (
        "SELECT list_code FROM lists_membership WHERE subject_id = "
        "(SELECT subject_id FROM lists_membership ORDER BY id LIMIT 1) AND since <= current_date"),
    "a unit's records, newest first (department's list)": (
        "SELECT id, decided_on FROM records_record WHERE unit_id = "
        "(SELECT unit_id FROM records_record ORDER BY id LIMIT 1) "
        "ORDER BY decided_on DESC, id DESC LIMIT 50"),
    "the records of one import job": (
        "SELECT count(*) FROM records_record WHERE import_job_id = "
        "(SELECT max(import_job_id) FROM records_record)"),
    "the daily task: deferrals due": (
        "SELECT id FROM records_record WHERE status = 'deferred' AND rectify_by < current_date"),
    "a subject by code": (
        "SELECT id FROM subjects_subject WHERE code_digest = "
        "(SELECT code_digest FROM subjects_subject ORDER BY id DESC LIMIT 1)"),
}


def plans(url: str) -> list[str]:
    """EXPLAIN ANALYZE of the reads the indexes serve, on the imported database."""
    lines = ["", "### The indexes the bulk path keeps, and the reads that use them", "",
             "Every index on `records_record` costs each imported row a write; these are the "
             "reads they are kept for (EXPLAIN ANALYZE, first plan line and index used).", ""]
    with psycopg.connect(url) as conn:
        for title, sql in PLANS.items():
            rows = [r[0] for r in conn.execute(f"EXPLAIN ANALYZE {sql}").fetchall()]
            used = sorted({w.strip("()") for r in rows for w in r.split()
                           if w.endswith("_idx") or w.startswith(("record", "dashboard_", "lists_",
                                                                  "subjects_subject_code"))})
            timing = next((r for r in rows if r.startswith("Execution Time")), "")
            lines.append(f"- {title}: `{rows[0].split('  (')[0].strip()}` using "
                         f"{', '.join(f'`{u}`' for u in used) or 'no index'}; {timing}")
        sizes = conn.execute(
            "SELECT indexrelname, pg_size_pretty(pg_relation_size(indexrelid)) FROM "
            "pg_stat_user_indexes WHERE relname = 'records_record' ORDER BY 1").fetchall()
    lines += ["", "Indexes on `records_record`: " + ", ".join(f"`{n}` ({z})" for n, z in sizes)
              + "."]
    return lines


def main() -> None:
    rows = int(os.getenv("BENCH_ROWS", "1000000"))
    sqlite_rows = int(os.getenv("BENCH_SQLITE_ROWS", "100000"))
    work = Path(tempfile.mkdtemp(prefix="xinyong-bench-"))
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import main as generate

    lines = [f"# Bulk import benchmark, {dt.date.today()}", "",
             f"- machine: {platform.node()}, {os.cpu_count()} cores, Python "
             f"{platform.python_version()}, {platform.platform()}"]
    with psycopg.connect(PG_ADMIN) as conn:
        lines.append(f"- PostgreSQL: {conn.execute('show server_version').fetchone()[0]}")

    csv_path = work / "records.csv"
    t = time.perf_counter()
    pool = generate(csv_path, rows, subjects_per_row=1.0)
    lines.append(f"- file: {rows:,} rows, {csv_path.stat().st_size / 1e6:.0f} MB, generated in "
                 f"{time.perf_counter() - t:.1f} s (about 3% bad rows; --accept-partial)")

    url = fresh_pg()
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_VAR_DIR": str(work / "var-pg")}
    prepare(env)
    copy_seconds = raw_copy(url, csv_path)
    seconds, peak, summary, stages = import_once(env, csv_path)
    ratio = seconds / copy_seconds
    again, peak2, summary2, stages2 = import_once(env, csv_path)
    lines += ["", "## PostgreSQL", "",
              "| what | seconds | rows/s | peak RSS | / raw COPY |", "|---|---|---|---|---|",
              f"| raw COPY into a bare (logged, like ours) table of text columns "
              f"| {copy_seconds:.1f} | {rows / copy_seconds:,.0f} | – | 1x |",
              f"| `xinyong import` end to end | {seconds:.1f} | {rows / seconds:,.0f} | {peak} MB "
              f"| **{ratio:.1f}x** (target at most 10x) |",
              f"| the same file again (idempotent: nothing added) | {again:.1f} | "
              f"{rows / again:,.0f} | {peak2} MB | **{again / copy_seconds:.1f}x** (target at most 5x) |",
              "", f"Peak memory {max(peak, peak2)} MB (target under 300 MB).", "",
              f"Import said: `{summary}`; again: `{summary2}`.", "",
              "### Where the time goes (first import, `xinyong import --timings`)", "",
              *stage_table(stages, seconds), "",
              "And the second import of the same file:", "", *stage_table(stages2, again)]
    lines += plans(url)
    with psycopg.connect(url) as conn:
        counts = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("subjects_subject", "records_record", "lists_membership")]
    lines += ["", f"Database after the import: {counts[0]:,} subjects, {counts[1]:,} records, "
              f"{counts[2]:,} list memberships."]
    if os.getenv("BENCH_SKIP_CHECKS") != "1":
        from checks import main as check_bench

        lines += check_bench(url, work / "var-pg", pool)
    if os.getenv("BENCH_SKIP_EXPORTS") != "1":
        from exports import main as export_bench

        lines += export_bench(url, work / "var-pg")
    if os.getenv("BENCH_SKIP_SGS") != "1":
        # 双公示 (issue 13): a national-column penalty file and the public search, on a
        # database of its own (shuanggongshi.py; BENCH_SGS_ROWS, default BENCH_ROWS).
        from shuanggongshi import main as sgs_bench

        lines += sgs_bench(work / "sgs")
    if os.getenv("BENCH_SKIP_REPORTS") != "1":
        # Credit report PDFs (issue 14): time per report against ReportLab's floor, and
        # memory over BENCH_REPORTS_LOOP reports (reports.py; its own database).
        from reports import main as reports_bench

        lines += reports_bench(work / "reports")
    if os.getenv("BENCH_SKIP_SCORES") != "1":
        # Points and grades: the set-based recompute of BENCH_SCORES_SUBJECTS (default
        # 1,000,000) subjects against a single SQL aggregate, and one score on the spot
        # (scores.py; its own database, dropped afterwards).
        from scores import main as scores_bench

        lines += scores_bench(work / "scores")
    if os.getenv("BENCH_SKIP_COMMITMENTS") != "1":
        # Commitments and force-majeure certificates: signing against ReportLab's floor, the
        # public check by number among 100,000, the verification queue, a campaign of 10,000
        # codes, a credit file with 50 commitments (commitments.py; its own database).
        from commitments import main as commitments_bench

        lines += commitments_bench(work / "commitments")
    if os.getenv("BENCH_SKIP_CREDIT_LOANS") != "1":
        # 信易贷: the credit file under a grant among BENCH_LOANS_GRANTS grants and
        # BENCH_LOANS_READS reads, a bank's needs and queue, the honest-SME list, the
        # statistics (credit_loans.py; its own database).
        from credit_loans import main as credit_loans_bench

        lines += credit_loans_bench(work / "credit_loans")
    if os.getenv("BENCH_SKIP_PORTAL") != "1":
        # The portal's public search among 1,000,000 subjects under wrk, the office
        # dashboard's queries and what-if for a draft pack over 1,000,000 records
        # (portal.py; its own database).
        from portal import main as portal_bench

        lines += portal_bench(work / "portal")

    small = work / "small.csv"
    generate(small, sqlite_rows)
    env_sqlite = {**os.environ, "XINYONG_DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
                  "XINYONG_VAR_DIR": str(work / "var-sqlite")}
    prepare(env_sqlite)
    s_seconds, s_peak, s_summary, s_stages = import_once(env_sqlite, small)
    lines += ["", "## SQLite", "",
              f"{sqlite_rows:,} rows in {s_seconds:.1f} s: **{sqlite_rows / s_seconds:,.0f} rows/s**, "
              f"peak {s_peak} MB. `{s_summary}`. SQLite has one writer: every row is staged "
              "first and merged in one short transaction at the end.", "",
              *stage_table(s_stages, s_seconds), ""]
    report = "\n".join(lines)
    print(report)
    out = ROOT / "bench" / f"report-{dt.date.today()}.md"
    # Each "## " section replaces the same section of today's report (a benchmark run on
    # its own earlier the same day keeps its own).
    starts = [i for i, line in enumerate(lines) if line.startswith("## ")]
    head = lines[:starts[0] - 1] if starts else lines
    for n, start in enumerate(starts):
        end = starts[n + 1] - 1 if n + 1 < len(starts) else len(lines)
        write_section(out, head, lines[start - 1:end])
    print(f"\nwritten to {out}")
    if any("MISMATCHES" in line for line in lines):
        sys.exit("scores: stored points or grades differ from the computed ones (see the report)")


if __name__ == "__main__":
    main()
