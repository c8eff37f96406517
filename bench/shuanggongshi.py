"""双公示 benchmarks (issue 13): a penalty file in the national 2021 columns through the
bulk import against raw COPY of the same file, then the public 双公示 search on that
database.

1. A fresh PostgreSQL database of its own (BENCH_SGS_DB, default xinyong_bench_sgs),
   migrated, `xinyong demo --force`; a file of BENCH_SGS_ROWS (default 1,000,000) rows
   from generate_national.py (BENCH_SGS_ENCODING utf-8 or gbk); raw COPY of it into a bare
   table of text columns; `xinyong import FILE --unit … --accept-partial` end to end.
2. The search, in one warm process, per case BENCH_SGS_REQUESTS (default 200) requests with
   varied terms drawn from the entries on file, both as the function the API calls
   (`queries.page_of(queries.penalties(...))`) and as the request through Django
   (test Client, GET /api/v1/publicity/penalties?q=…); p50/p95/max in ms. Then one
   EXPLAIN ANALYZE of each case's queries, the full plans in the work directory.

    .venv/bin/python bench/shuanggongshi.py [--keep]

`--keep` reuses the database if it already holds the entries (to measure the search again).
`make bench` runs it from run.py (BENCH_SKIP_SGS=1 skips it there).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
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

from generate_national import HEADER, PLACES  # noqa: E402
from generate_national import main as generate  # noqa: E402
from run import PG_ADMIN, fresh_db, import_once, prepare, write_section  # noqa: E402

SECTION = "## 双公示 (issue 13)"
CASE_BUDGET = float(os.getenv("BENCH_SGS_CASE_SECONDS", "120"))  # per case and path, at most


def raw_copy(url: str, path: Path, encoding: str) -> float:
    """COPY of the same file into a bare (logged) table of text columns, one per column."""
    with psycopg.connect(url, autocommit=True) as conn:
        cols = ", ".join(f"c{n} text" for n in range(len(HEADER)))
        conn.execute(f"DROP TABLE IF EXISTS bench_raw_national; CREATE TABLE bench_raw_national ({cols})")
        pg_encoding = "GBK" if encoding.lower() in ("gbk", "gb18030") else "UTF8"
        start = time.perf_counter()
        with conn.cursor() as cur, cur.copy(
            f"COPY bench_raw_national FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING '{pg_encoding}')"
        ) as copy, path.open("rb") as f:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - start
        conn.execute("DROP TABLE bench_raw_national")
    return seconds


def import_part(url: str, work: Path, var: Path, rows: int, encoding: str) -> tuple[list[str], Path]:
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_VAR_DIR": str(var)}
    prepare(env)
    path = work / f"penalties-national-{encoding}.csv"
    start = time.perf_counter()
    generate(path, rows, encoding=encoding)
    generated = time.perf_counter() - start
    copy_seconds = raw_copy(url, path, encoding)
    seconds, peak, summary, _ = import_once(env, path)
    with psycopg.connect(url) as conn:
        counts = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("subjects_subject", "records_record")]
    lines = [
        f"- file: {rows:,} rows in the national 2021 columns (30, no 情节), {encoding.upper()}, "
        f"{path.stat().st_size / 1e6:.0f} MB, generated in {generated:.1f} s (generate_national.py: "
        "65% organisations, 22% 个体工商户, 13% persons; about 3% bad rows; --accept-partial)",
        "", "| what | seconds | rows/s | peak RSS |", "|---|---|---|---|",
        f"| raw COPY into a bare (logged) table of 30 text columns | {copy_seconds:.1f} | "
        f"{rows / copy_seconds:,.0f} | – |",
        f"| `xinyong import` end to end | {seconds:.1f} | {rows / seconds:,.0f} | {peak} MB |",
        "", f"Ratio import / raw COPY: **{seconds / copy_seconds:.1f}x**. Peak memory {peak} MB.",
        "", f"Import said: `{summary}`", "",
        f"Database after the import: {counts[0]:,} subjects, {counts[1]:,} records.",
    ]
    return lines, path


# --- the search, in a child process with Django set up -----------------------------------

def sample_terms(n: int, seed: int = 7) -> dict[str, list[str]]:
    """Search terms as people type them, from the entries on file."""
    from django.db import connection

    from xinyong.records.publicity import published_sql
    from xinyong.subjects import codes

    where, params = published_sql("r", dt.date.today())
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.42)")
        cur.execute(
            "SELECT s.name, s.kind, s.code, r.decision_no FROM records_record r "
            "JOIN subjects_subject s ON s.id = r.subject_id "
            f"WHERE (r.behavior = 'administrative_penalty' OR r.penalty IS NOT NULL) AND {where} "
            "ORDER BY random() LIMIT %s", [*params, 4 * n])
        found = cur.fetchall()
    rng = random.Random(seed)
    places = sorted(PLACES, key=len, reverse=True)
    orgs = [name for name, kind, _, _ in found if kind == codes.ORGANIZATION]

    def trade_name(name: str) -> str:
        rest = next((name[len(p):] for p in places if name.startswith(p)), name)
        return rest[:2]

    def industry(name: str) -> str:
        rest = next((name[len(p):] for p in places if name.startswith(p)), name)
        return rest[2:4]

    numbers = [no for _, _, _, no in found]

    def number_fragment(no: str) -> str:
        match = re.search(r"(〔\d{4}〕)(\d+)号", no)
        if not match:
            return no
        digits = match.group(2)
        return match.group(1) + digits[:max(len(digits) - 1, min(len(digits), 3))]

    common = ["贸易", "食品", "科技", "物流", "医药", "马尾", "福清", "小吃店", "便利店", "建材"]
    return {
        "名称片段，字号（2 字，如“鑫达”）": [trade_name(o) for o in orgs][:n],
        "名称片段，字号+行业（4 字，如“鑫达贸易”）": [trade_name(o) + industry(o) for o in orgs][:n],
        "名称片段，常见词（如“贸易”“马尾”，匹配数万条）": [rng.choice(common) for _ in range(n)],
        "名称片段“有限公司”（匹配过半）": ["有限公司"] * n,
        "文书号片段（如“〔2026〕1234”）": [number_fragment(no) for no in numbers][:n],
        "完整文书号": numbers[n:2 * n],
        "统一社会信用代码（精确）": [code for _, kind, code, _ in found if code][:n],
        "不带条件（第一页）": [""] * n,
    }


def percentiles(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"n": len(ms), "p50": statistics.median(ordered), "p95": p95, "max": ordered[-1]}


def timed(calls: list[Any]) -> dict[str, float]:
    ms = []
    budget = time.perf_counter() + CASE_BUDGET
    for call in calls:
        start = time.perf_counter()
        call()
        ms.append((time.perf_counter() - start) * 1000)
        if time.perf_counter() > budget:
            break
    return percentiles(ms)


def explain(q: str) -> tuple[list[str], float]:
    """EXPLAIN ANALYZE of every query one page_of call makes; the plans and their total ms."""
    from django.db import connection

    from xinyong.disclosure import queries

    seen: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        queries.page_of(queries.penalties(queries.Filters(q=q)), 1, queries.PAGE_SIZE,
                        queries.penalty_item)
    plans, total = [], 0.0
    with connection.cursor() as cur:
        for sql, params in seen:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [row[0] for row in cur.fetchall()]
            total += float(re.search(r"Execution Time: ([\d.]+)", plan[-1]).group(1))  # type: ignore[union-attr]
            plans.append(sql)
            plans.extend(plan)
            plans.append("")
    return plans, total


def gist(plan: list[str]) -> str:
    """The scans a plan used, for the report: index names, seq scans."""
    used = []
    for line in plan:
        match = re.search(r"(Bitmap Index Scan|Index Only Scan|Index Scan(?: Backward)?|Seq Scan) "
                          r"(?:using (\S+) )?on (\S+)", line)
        if match:
            what = f"{match.group(1)} {match.group(2) or match.group(3)}"
            if what not in used:
                used.append(what)
    return "; ".join(used)


def search_child() -> None:
    import django

    django.setup()
    from django.test import Client

    from xinyong.disclosure import queries

    n = int(os.getenv("BENCH_SGS_REQUESTS", "200"))
    warmup = int(os.getenv("BENCH_SGS_WARMUP", "20"))
    terms = sample_terms(n + warmup)
    client = Client()
    counts = {"penalty records": queries.Record.objects.filter(queries.penalty_q()).count(),
              "published today": queries.penalties(queries.Filters()).count()}
    results: dict[str, Any] = {"counts": counts, "cases": {}}
    plans_out: list[str] = []

    def function(q: str) -> Any:
        return lambda: queries.page_of(queries.penalties(queries.Filters(q=q)), 1,
                                       queries.PAGE_SIZE, queries.penalty_item)

    def request(q: str) -> Any:
        def call() -> None:
            response = client.get("/api/v1/publicity/penalties", {"q": q} if q else {})
            if response.status_code != 200:
                sys.exit(f"HTTP {response.status_code} for q={q!r}: {response.content[:300]!r}")
        return call

    for case, words in terms.items():
        warm, measured = words[:warmup], words[warmup:warmup + n]
        for q in warm:  # a warm process: code paths and the server's cache as in service
            function(q)()
        sample = queries.page_of(queries.penalties(queries.Filters(q=measured[0])), 1,
                                 queries.PAGE_SIZE, queries.penalty_item)
        fn = timed([function(q) for q in measured])
        http = timed([request(q) for q in measured])
        plan, plan_ms = explain(measured[0])
        plans_out += [f"=== {case}: q={measured[0]!r}", *plan]
        results["cases"][case] = {"example": measured[0], "total": sample["total"],
                                  "capped": sample["total_capped"], "function": fn,
                                  "http": http, "plan_ms": plan_ms, "gist": gist(plan)}
    Path(os.environ["BENCH_SGS_PLANS"]).write_text("\n".join(plans_out) + "\n", encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False))


def search_part(url: str, work: Path, var: Path) -> list[str]:
    plans = work / "search-plans.txt"
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_VAR_DIR": str(var),
           "DJANGO_SETTINGS_MODULE": "xinyong.settings", "PYTHONPATH": str(ROOT),
           "BENCH_SGS_PLANS": str(plans)}
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # as autovacuum would have after the import
        indexes = [row[0] for row in conn.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'disclosure_%' ORDER BY 1")]
    done = subprocess.run([str(BIN / "python"), __file__, "--search-child"], env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"search benchmark failed:\n{done.stderr[-3000:]}")
    r = json.loads(done.stdout.strip().splitlines()[-1])
    n = int(os.getenv("BENCH_SGS_REQUESTS", "200"))
    lines = [
        "", "### Public search", "",
        f"{r['counts']['penalty records']:,} penalty records, of which "
        f"{r['counts']['published today']:,} are published today (the rest: minor penalties, "
        "which the packs do not publish, and general ones whose publicity has ended). Search "
        f"indexes: {', '.join(indexes) or 'none'}. Per case {n} requests with varied terms drawn "
        "from the published entries, page 1 of 20, in one warm process after "
        f"{os.getenv('BENCH_SGS_WARMUP', '20')} warm-up requests (a case stops after "
        f"{CASE_BUDGET:.0f} s): the function the API calls "
        "(`queries.page_of(queries.penalties(Filters(q)))`) and the whole request through "
        "Django (test Client, `GET /api/v1/publicity/penalties?q=…`). Milliseconds.", "",
        "| case (example) | matches | function p50 / p95 / max | request p50 / p95 / max | "
        "EXPLAIN ANALYZE | scans |", "|---|---|---|---|---|---|",
    ]
    for case, c in r["cases"].items():
        f, h = c["function"], c["http"]
        total = f"{c['total']:,}" + ("+" if c["capped"] else "")
        short = f" ({h['n']} requests)" if h["n"] < n or f["n"] < n else ""
        lines.append(
            f"| {case}（`{c['example'] or '—'}`）{short} | {total} | {f['p50']:.1f} / "
            f"**{f['p95']:.1f}** / {f['max']:.1f} | {h['p50']:.1f} / **{h['p95']:.1f}** / "
            f"{h['max']:.1f} | {c['plan_ms']:.1f} | {c['gist']} |")
    lines += ["", f"(full plans: {plans})"]
    return lines


def main(work: Path | None = None, keep: bool = False) -> list[str]:
    rows = int(os.getenv("BENCH_SGS_ROWS", os.getenv("BENCH_ROWS", "1000000")))
    encoding = os.getenv("BENCH_SGS_ENCODING", "utf-8")
    work = work or Path(tempfile.mkdtemp(prefix="xinyong-bench-sgs-"))
    work.mkdir(parents=True, exist_ok=True)
    db = os.getenv("BENCH_SGS_DB", "xinyong_bench_sgs")
    url, filled = fresh_db(db, keep, "records_record")
    # The database's keys (codes are found by their keyed digest) live with it, for --keep.
    var = ROOT / "var" / f"bench-{db}"
    lines = ["", SECTION, ""]
    if filled:
        lines.append("- import: not run (`--keep`: the database was imported before)")
    else:
        shutil.rmtree(var, ignore_errors=True)
        imported, path = import_part(url, work, var, rows, encoding)
        lines += imported
        path.unlink()
    return lines + search_part(url, work, var)


def standalone() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="reuse the database if it is filled")
    parser.add_argument("--search-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.search_child:
        search_child()
        return
    start = time.perf_counter()
    head = [f"# 双公示 benchmark, {dt.date.today()}", "",
            f"- machine: {platform.node()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, {platform.platform()}"]
    with psycopg.connect(PG_ADMIN) as conn:
        head.append(f"- PostgreSQL: {conn.execute('show server_version').fetchone()[0]}")
    section = main(keep=args.keep)
    print("\n".join(head + section))
    out = ROOT / "bench" / f"report-{dt.date.today()}.md"
    write_section(out, head, section)
    print(f"\nwritten to {out}")
    print(f"\n(measured in {time.perf_counter() - start:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    standalone()
