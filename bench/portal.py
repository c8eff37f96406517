"""Portal and office benchmarks (issue 18), on a PostgreSQL database of their own
(BENCH_PORTAL_DB, default xinyong_bench_portal):

1. Data: BENCH_PORTAL_ROWS (default 1,000,000) record rows from generate.py through
   `xinyong import`; then the subjects are brought to BENCH_PORTAL_SUBJECTS (default
   1,000,000) with COPY, and every enterprise gets a name as real ones are made (place, a
   two-character trade name drawn with a skew, industry, form: 福州鑫达贸易有限公司), so a
   two-character fragment matches as many rows as it would on a real platform.
2. Public search: `xinyong serve` (2 workers × 4 threads) on loopback, wrk -t2 -c8 for
   BENCH_PORTAL_SECONDS (default 20) per case, each request a term drawn from the data (a
   trade name, a common word, a code prefix, a whole code); latency percentiles from wrk's
   own histogram (p50, p95, p99). Then one EXPLAIN ANALYZE per case.
3. The office dashboard: every chart's query (`dashboard.queries.CHARTS`) for the office
   over the default period and for one unit, BENCH_PORTAL_RUNS (default 5) runs each in a
   warm process; median and max.
4. What-if: a copy of a pack in force with a threshold changed, evaluated over every record
   (`policies.whatif.evaluate`); seconds, peak memory, what it found.

    .venv/bin/python bench/portal.py [--keep]

`--keep` reuses the database when it is filled. `make bench` runs it from run.py
(BENCH_SKIP_PORTAL=1 skips it there).
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import shutil
import signal
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

from generate import main as generate  # noqa: E402
from run import fresh_db, import_once, prepare, standalone  # noqa: E402
from shuanggongshi import gist  # noqa: E402  (the scans a plan used, for the report)

SECTION = "## 门户、工作概览与政策试算 (portal, dashboard, what-if; issue 18)"
PORT = 8766
DB = os.getenv("BENCH_PORTAL_DB", "xinyong_bench_portal")
VAR = ROOT / "var" / f"bench-{DB}"  # the database's data key lives with it, for --keep

PLACES = ["福州", "马尾", "福清", "长乐", "闽侯", "连江", "罗源", "永泰", "闽清", "平潭",
          "太仓", "苏州", "昆山", "常熟", "厦门", "泉州"]
# Trade-name characters, the first ones more often (a skew like real registers: 鑫, 达 and
# 华 are everywhere, 骐 rarely).
TRADE = list("鑫达华盛恒泰源隆福瑞祥兴宏新金德嘉辉海天龙顺安利丰鼎诚信永昌明光正通远佳和"
             "美优聚创合博力腾晟骏峰荣凯丽航宇润景锦汇捷欣雅中东南北星阳春文亿万百千大众"
             "立方圆益康健乐家宝富贵鸿运发展耀晨曦翔鹏飞扬帆致弘毅睿智慧诺骐")
INDUSTRY = ["贸易", "科技", "食品", "物流", "建材", "医药", "餐饮", "电子", "机械", "服装",
            "装饰", "文化", "网络", "信息", "农业", "水产", "汽车", "酒店", "商贸", "实业"]
FORMS = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司"]
SHOPS = ["小吃店", "便利店", "五金店", "水果店", "理发店", "服装店", "药店", "茶行"]


def trade_name(rng: random.Random) -> str:
    pick = lambda: TRADE[min(int(rng.expovariate(1 / 18)), len(TRADE) - 1)]  # noqa: E731
    return pick() + pick()


def enterprise_name(rng: random.Random, individual: bool) -> str:
    place = rng.choice(PLACES)
    if individual:
        return f"{place}{trade_name(rng)}{rng.choice(SHOPS)}"
    return f"{place}{trade_name(rng)}{rng.choice(INDUSTRY)}{rng.choice(FORMS)}"


def env_for(url: str) -> dict[str, str]:
    return {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_VAR_DIR": str(VAR),
            "DJANGO_SETTINGS_MODULE": "xinyong.settings", "PYTHONPATH": str(ROOT)}


# --- 1. data ------------------------------------------------------------------------------

def fill_child() -> None:
    """Rename the imported enterprises and add new ones up to the target, with COPY (in a
    Django process: codes are found by their keyed digest, made with the database's key)."""
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone
    from stdnum.cn import uscc

    from xinyong.subjects import codes

    target = int(os.environ["BENCH_PORTAL_SUBJECTS"])
    rng = random.Random(20261207)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    regions = ["350105", "350102", "350104", "350181", "320585", "320583", "350121", "350203"]
    with connection.cursor() as cur:
        cur.execute("SELECT id, kind FROM subjects_subject WHERE kind <> 'person' ORDER BY id")
        renames = [(pk, enterprise_name(rng, kind == codes.INDIVIDUAL_BUSINESS))
                   for pk, kind in cur.fetchall()]
        cur.execute("CREATE TEMPORARY TABLE bench_names (id bigint, name text)")
        with cur.copy("COPY bench_names (id, name) FROM STDIN") as copy:
            for row in renames:
                copy.write_row(row)
        cur.execute("UPDATE subjects_subject s SET name = n.name FROM bench_names n "
                    "WHERE s.id = n.id")
        cur.execute("SELECT count(*) FROM subjects_subject")
        have = cur.fetchone()[0]
        now = timezone.now()
        seen: set[str] = set()
        columns = ("kind, name, code, code_digest, code_cipher, code_masked, scale, "
                   "created_at, updated_at")
        with cur.copy(f"COPY subjects_subject ({columns}) FROM STDIN") as copy:
            for _ in range(max(target - have, 0)):
                individual = rng.random() < 0.25
                while True:
                    body = (("92" if individual else "91") + rng.choice(regions)
                            + "".join(rng.choice(alphabet) for _ in range(9)))
                    code = body + uscc.calc_check_digit(body)
                    if code not in seen:
                        seen.add(code)
                        break
                kind = codes.INDIVIDUAL_BUSINESS if individual else codes.ORGANIZATION
                copy.write_row((kind, enterprise_name(rng, individual), code, codes.digest(code),
                                "", code, "", now, now))
    print(json.dumps({"renamed": len(renames), "added": max(target - have, 0)}))


def fill(url: str, work: Path) -> list[str]:
    rows = int(os.getenv("BENCH_PORTAL_ROWS", "1000000"))
    subjects = int(os.getenv("BENCH_PORTAL_SUBJECTS", "1000000"))
    shutil.rmtree(VAR, ignore_errors=True)
    env = env_for(url)
    prepare(env)
    path = work / "records.csv"
    generate(path, rows, subjects_per_row=1.0)
    seconds, peak, summary, _ = import_once(env, path)
    path.unlink()
    start = time.perf_counter()
    done = subprocess.run([str(BIN / "python"), __file__, "--fill-child"], check=False,
                          env={**env, "BENCH_PORTAL_SUBJECTS": str(subjects)},
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"filling subjects failed:\n{done.stderr[-3000:]}")
    filled = json.loads(done.stdout.strip().splitlines()[-1])
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # as autovacuum would have after the loads
    return [f"- data: {rows:,} record rows (generate.py) through `xinyong import` in "
            f"{seconds:.0f} s (peak {peak} MB; `{summary}`); then {filled['renamed']:,} "
            f"enterprises renamed and {filled['added']:,} added with COPY in "
            f"{time.perf_counter() - start:.0f} s."]


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        def one(sql: str) -> int:
            row = conn.execute(sql).fetchone()
            return int(row[0]) if row else 0
        return {
            "subjects": one("SELECT count(*) FROM subjects_subject"),
            "enterprises": one("SELECT count(*) FROM subjects_subject WHERE kind <> 'person'"),
            "records": one("SELECT count(*) FROM records_record"),
            "memberships": one("SELECT count(*) FROM lists_membership"),
        }


# --- 2. search ----------------------------------------------------------------------------

def search_terms(url: str, n: int) -> dict[str, list[str]]:
    """Terms as people type them, drawn from the subjects on file."""
    rng = random.Random(7)
    with psycopg.connect(url) as conn:
        conn.execute("SELECT setseed(0.7)")
        rows = conn.execute(
            "SELECT name, code FROM subjects_subject WHERE kind <> 'person' "
            "ORDER BY random() LIMIT %s", [n]).fetchall()
    places = sorted(PLACES, key=len, reverse=True)

    def trade(name: str) -> str:
        rest = next((name[len(p):] for p in places if name.startswith(p)), name)
        return rest[:2]

    return {
        "名称片段，字号（2 字，如“鑫达”）": [trade(name) for name, _ in rows],
        "名称片段，常见词（2 字，如“贸易”，匹配数万条）":
            [rng.choice(INDUSTRY) for _ in range(n)],
        "名称片段，字号+行业（4 字，如“鑫达贸易”）":
            [trade(name) + next((i for i in INDUSTRY if i in name), "") for name, _ in rows],
        "代码前缀（4 位，如“9135”）": [code[:4] for _, code in rows],
        "代码前缀（8 位）": [code[:8] for _, code in rows],
        "统一社会信用代码（精确）": [code for _, code in rows],
    }


def wrk_case(terms: list[str], seconds: int, work: Path, name: str, connections: int
             ) -> dict[str, Any]:
    """wrk on loopback; each request a term from the list; percentiles from wrk's histogram."""
    from urllib.parse import quote

    lua = work / f"search-{name}.lua"
    paths = [f"/api/v1/search?q={quote(t)}" for t in terms]
    lua.write_text(
        "local paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n"
        "local bad = 0\n"
        "request = function() return wrk.format('GET', paths[math.random(#paths)]) end\n"
        "response = function(status) if status ~= 200 then bad = bad + 1 end end\n"
        "done = function(summary, latency, requests)\n"
        "  io.write(string.format('RESULT %d %d %.3f %.3f %.3f %.3f\\n', summary.requests,\n"
        "    summary.errors.status + bad, latency:percentile(50) / 1000,\n"
        "    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))\n"
        "end\n", encoding="utf-8")
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
                          "-s", str(lua), f"http://127.0.0.1:{PORT}"], capture_output=True, text=True,
                         check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    requests, bad, p50, p95, p99, top = line.split()[1:]
    if int(bad):
        sys.exit(f"search {name}: {bad} answers were not 200\n{out}")
    return {"requests": int(requests), "rps": int(requests) / seconds, "p50": float(p50),
            "p95": float(p95), "p99": float(p99), "max": float(top)}


def explain_child() -> None:
    """EXPLAIN ANALYZE of every query one search page makes, per term given."""
    import django

    django.setup()
    from django.db import connection

    from xinyong.portal import search

    out: dict[str, Any] = {}
    for term in json.loads(os.environ["BENCH_PORTAL_TERMS"]):
        seen: list[tuple[str, Any]] = []

        def capture(execute: Any, sql: str, params: Any, many: bool, context: Any,
                    seen: list[tuple[str, Any]] = seen) -> Any:
            seen.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(capture):
            page = search.search_page(term)
        plans, total = [], 0.0
        with connection.cursor() as cur:
            cur.execute("SET max_parallel_workers_per_gather = 0")  # as search_page runs
            for sql, params in seen:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plan = [row[0] for row in cur.fetchall()]
                found = re.search(r"Execution Time: ([\d.]+)", plan[-1])
                total += float(found.group(1)) if found else 0.0
                plans += [sql, *plan, ""]
        out[term] = {"ms": total, "queries": len(seen), "plans": plans,
                     "count": page.get("count"), "capped": page.get("count_capped")}
    print(json.dumps(out, ensure_ascii=False))


def search_part(url: str, work: Path) -> list[str]:
    seconds = int(os.getenv("BENCH_PORTAL_SECONDS", "15"))
    cases = search_terms(url, 2000)
    env = env_for(url)
    server = subprocess.Popen([str(BIN / "xinyong"), "serve", "--port", str(PORT),
                               "--workers", "2", "--threads", "4"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    results: dict[str, dict[str, Any]] = {}
    saturated: dict[str, dict[str, Any]] = {}
    try:
        time.sleep(4)
        for n, (case, terms) in enumerate(cases.items()):
            wrk_case(terms, 3, work, f"warm{n}", 2)  # warm the workers and the cache
            # Two connections: a request per core (wrk, the server and PostgreSQL share
            # the machine's two cores), the latency a visitor meets; then eight, the
            # server saturated, for throughput and queueing.
            results[case] = wrk_case(terms, seconds, work, str(n), 2)
            saturated[case] = wrk_case(terms, seconds, work, f"{n}c8", 8)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    examples = {case: terms[0] for case, terms in cases.items()}
    done = subprocess.run([str(BIN / "python"), __file__, "--explain-child"], check=False,
                          env={**env, "BENCH_PORTAL_TERMS": json.dumps(list(examples.values()))},
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"search EXPLAIN failed:\n{done.stderr[-3000:]}")
    plans = json.loads(done.stdout.strip().splitlines()[-1])
    (work / "search-plans.txt").write_text(
        "\n".join(line for term in plans.values() for line in term["plans"]), encoding="utf-8")
    lines = [
        "", "### Public search (`GET /api/v1/search?q=`)", "",
        f"`xinyong serve` (2 workers × 4 threads) on loopback; per case wrk -t2 for {seconds} s "
        "with 2 connections (a request per core: wrk, the server and PostgreSQL share the "
        "machine's 2 cores), then with 8 (the server saturated), after a 3 s warm-up; each "
        "request a term drawn from 2,000 subjects on file; latency percentiles from wrk's "
        "histogram, in ms. Matches: the first term's count (a count stops at the cap and says "
        "so). EXPLAIN ANALYZE: every query of one search page for that term.", "",
        "| case (example) | matches | 2 conn.: req/s | p50 | **p95** | p99 | 8 conn.: req/s | p50 | "
        "p95 | EXPLAIN ANALYZE | scans |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for case, r in results.items():
        term = examples[case]
        p = plans[term]
        matches = f"{p['count']:,}" + ("+" if p["capped"] else "") if p["count"] is not None else "–"
        c8 = saturated[case]
        lines.append(
            f"| {case}（`{term}`） | {matches} | {r['rps']:,.0f} | {r['p50']:.1f} | "
            f"**{r['p95']:.1f}** | {r['p99']:.1f} | {c8['rps']:,.0f} | {c8['p50']:.1f} | "
            f"{c8['p95']:.1f} | {p['ms']:.1f} ms, {p['queries']} queries | {gist(p['plans'])} |")
    worst = max(r["p95"] for r in results.values())
    worst8 = max(r["p95"] for r in saturated.values())
    lines += ["", f"Worst p95: **{worst:.1f} ms** with 2 connections (target under 50 ms); "
              f"{worst8:.1f} ms with 8, where requests queue for the two cores."]
    return lines


# --- 3. dashboard and 4. what-if (in one warm Django process) ------------------------------

def office_child() -> None:
    import django

    django.setup()
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from xinyong.accounts.models import Role, Unit, User
    from xinyong.dashboard import queries

    runs = int(os.getenv("BENCH_PORTAL_RUNS", "5"))
    office = User.objects.filter(role=Role.OFFICE, is_active=True).order_by("pk").first()
    from xinyong.records.models import Record

    busiest = (Record.objects.values("unit_id").annotate(n=django.db.models.Count("id"))
               .order_by("-n").first())
    unit = Unit.objects.get(pk=busiest["unit_id"]) if busiest else None
    scopes = {"office, all units": queries.scope_for(office),
              f"office, one unit ({unit.name if unit else '–'})": queries.scope_for(office, unit=unit)}
    charts: dict[str, Any] = {}
    for label, scope in scopes.items():
        for chart in queries.charts_for(scope):
            ms = []
            for _ in range(runs + 1):
                reset_queries()
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    table = chart.function(scope)
                    ms.append((time.perf_counter() - start) * 1000)
            charts.setdefault(chart.key, {"title": chart.title})[label] = {
                "median": statistics.median(ms[1:]), "max": max(ms[1:]), "first": ms[0],
                "queries": len(captured), "rows": len(getattr(table, "rows", table))}
    print(json.dumps({"charts": charts, "scopes": list(scopes)}, ensure_ascii=False))


def whatif_child() -> None:
    import django

    django.setup()
    from xinyong.policies import loader, whatif

    text = Path(os.environ["BENCH_PORTAL_DRAFT"]).read_text(encoding="utf-8")
    parsed = loader.parse(text, "draft.yaml")
    start = time.perf_counter()
    report = whatif.evaluate([parsed])
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "lines": report.lines()},
                     ensure_ascii=False, default=str))


def child_json(flag: str, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run([str(BIN / "python"), __file__, flag], env=env, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{flag} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def dashboard_part(url: str) -> list[str]:
    r = child_json("--office-child", env_for(url))
    runs = int(os.getenv("BENCH_PORTAL_RUNS", "5"))
    all_units, one_unit = r["scopes"]
    lines = ["", "### Office dashboard (`dashboard.queries.CHARTS`)", "",
             f"Each chart's queries in one warm process, {runs} runs after a first (cold) one; ms. "
             "The office over the default period (the last 12 months), then filtered to the unit "
             "with the most records.", "",
             f"| chart | {all_units}: median / max (first) | queries | {one_unit}: median / max | rows |",
             "|---|---|---|---|---|"]
    worst = 0.0
    for chart in r["charts"].values():
        a, b = chart[all_units], chart.get(one_unit)
        worst = max(worst, a["max"], b["max"] if b else 0.0)
        unit_ms = f"{b['median']:.0f} / {b['max']:.0f}" if b else "(counted for every unit only)"
        lines.append(f"| {chart['title']} | {a['median']:.0f} / {a['max']:.0f} ({a['first']:.0f}) | "
                     f"{a['queries']} | {unit_ms} | {a['rows']} |")
    lines += ["", f"Slowest run of any chart: **{worst:.0f} ms** (target under 500 ms each)."]
    return lines


def whatif_part(url: str, work: Path) -> list[str]:
    source = ROOT / "xinyong" / "policies" / "packs" / os.getenv(
        "BENCH_PORTAL_PACK", "fuzhou-2020-4.yaml")
    draft = work / "draft.yaml"
    text, changed = draft_of(source.read_text(encoding="utf-8"))
    draft.write_text(text, encoding="utf-8")
    r = child_json("--whatif-child", {**env_for(url), "BENCH_PORTAL_DRAFT": str(draft)})
    return ["", "### What-if for a draft pack (`policies.whatif.evaluate`)", "",
            f"The draft: `{source.name}` with {changed}. Over every record of the database, "
            f"in one process: **{r['seconds']:.1f} s**, peak memory {r['peak_mb']} MB. "
            "What it reported:", "", "```", *r["lines"], "```"]


DRAFT_OLD = ("  - code: fz_market_disruption\n" + "    polarity: dishonest\n    clause: 二.6\n")
DRAFT_EDIT = ("    finding_min_severity: serious\n", "    finding_min_severity: general\n")


def draft_of(text: str) -> tuple[str, str]:
    """The 福州 pack with one threshold changed, as an office would edit it: 扰乱市场秩序
    (二.6) a finding from 一般 up instead of 严重 (the generated file holds both)."""
    start = text.index(DRAFT_OLD)
    end = text.index(DRAFT_EDIT[0], start) + len(DRAFT_EDIT[0])
    edited = text[:start] + text[start:end].replace(*DRAFT_EDIT) + text[end:]
    return edited, ("`fz_market_disruption` (二.6 扰乱市场秩序) a finding from `general` up "
                    "instead of `serious`")


# --- the run ------------------------------------------------------------------------------

def measure(keep: bool) -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="xinyong-bench-portal-"))
    url, filled = fresh_db(DB, keep, "subjects_subject", "kind <> 'person' AND name LIKE %s",
                           ("%鑫%",))
    lines = ["", SECTION, ""]
    if filled:
        # The code may have gained migrations (indexes) since the data was made.
        subprocess.run([str(BIN / "xinyong"), "migrate", "--no-input"], env=env_for(url),
                       check=True, capture_output=True)
        lines.append("- data: kept from an earlier run (`--keep`), migrated")
    else:
        lines += fill(url, work)
    c = counts(url)
    lines.append(f"- database: {c['subjects']:,} subjects ({c['enterprises']:,} enterprises), "
                 f"{c['records']:,} records, {c['memberships']:,} list memberships.")
    lines += search_part(url, work)
    lines += dashboard_part(url)
    lines += whatif_part(url, work)
    return lines


def child(keep: bool) -> None:  # run.standalone's measuring process
    print("\n".join(measure(keep)))


def main(work: Path | None = None, keep: bool = False) -> list[str]:
    return measure(keep)


if __name__ == "__main__":
    if "--fill-child" in sys.argv:
        fill_child()
    elif "--explain-child" in sys.argv:
        explain_child()
    elif "--office-child" in sys.argv:
        office_child()
    elif "--whatif-child" in sys.argv:
        whatif_child()
    else:
        standalone("Portal benchmark", __doc__ or "", child, main)
