"""Credit report PDFs (xinyong/reports): time per report and peak memory over many reports.

The goal (the reports issue): for a subject with 50 records, in a warm process, a report
takes at most 1.5x the time ReportLab takes to draw the same text on the same number of
pages with a built-in font and no QR code (the floor), measured in the same run, and less
than 15 ms a page; memory stays flat over 10,000 reports in a loop.

1. A fresh PostgreSQL database of its own (BENCH_REPORTS_DB, default xinyong_bench_reports),
   `xinyong migrate` (which loads the shipped packs); a member unit of 350105 (马尾区); an
   organisation with 50 records made with `records.services.submit` (双公示 penalties with
   the national fields, some of them serious by the packs' penalty rules, 福州 findings and
   good behaviours; the list memberships follow from them) and 5 licences
   (`licences.services.submit`); a user of the subject, who asks for the public version.
2. In one warm process (a child with Django set up), after BENCH_REPORTS_WARMUP (default 5)
   rounds, BENCH_REPORTS_RUNS (default 60) rounds of, interleaved:
   (a) `services.issue(subject, requester=owner)`: content from the database, render,
       hash, sign, save with its audit event;
   (b) `pdf.render` of that content alone (embedded TrueType subset, watermark, QR code);
   (c) the floor as the issue defines it: `pdf.render(content, font=pdf.built_in_font(),
       verify_url=None)`: the same text (watermark, headers and footers included) and
       layout with ReportLab's built-in CID font STSong-Light (nothing embedded), no QR code.
   Also `content.build` alone (the database part of (a)). Median and p95 per report and
   per page; the ratios (a)/(c) and (b)/(c).
3. Memory: BENCH_REPORTS_LOOP (default 10,000) reports issued in a loop, exactly as (a),
   inside transactions rolled back every 1,000 reports (the table does not grow); RSS
   (/proc/self/statm) and the objects the garbage collector tracks after a full collection,
   every 1,000
   (with tracemalloc on, the loop had not ended after 34 minutes of CPU; it was dropped).

    .venv/bin/python bench/reports.py [--keep] [--profile FILE]

prints the section and writes it into today's bench/report-<date>.md (replaced if there).
`--keep` reuses the database if it already holds the subject; `--profile FILE` also writes
cProfile's statistics of BENCH_REPORTS_RUNS rounds of (a), (b) and (c) to FILE-issue.prof,
FILE-build.prof, FILE-render.prof and FILE-floor.prof (and skips the loop).
`make bench` runs it from run.py (BENCH_SKIP_REPORTS=1 skips it there).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
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

from run import PG_ADMIN, UNIT, fresh_db, sh, write_section  # noqa: E402

SECTION = "## 信用报告 PDF (reports)"
SUBJECT_CODE = "91350105MA2Y0BENC"  # + check digit
SUBJECT_NAME = "福州马尾信达医疗器械贸易有限公司"
RECORDS = 50
GOAL_RATIO, GOAL_PAGE_MS = 1.5, 15.0


# --- in the child, with Django set up ----------------------------------------------------

def uscc(body: str) -> str:
    from stdnum.cn import uscc as std

    return body + std.calc_check_digit(body)


def make_subject() -> tuple[Any, Any]:
    """The unit, the subject with its 50 records and 5 licences, and the subject's user."""
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from xinyong.accounts.models import Role, Unit, User
    from xinyong.licences import services as licences
    from xinyong.records import services as records
    from xinyong.records.penalties import Penalty
    from xinyong.subjects.models import Subject

    code = uscc(SUBJECT_CODE)
    found = Subject.objects.filter(name=SUBJECT_NAME).first()
    if found is not None:
        return found, User.objects.get(username="bench-report-owner")
    unit = Unit.objects.create(code=UNIT, name="福州市马尾区市场监督管理局", region="350105")
    today = timezone.localdate()
    # 双公示 penalties in the national fields, severities left to the packs: 罚款 of an
    # organisation up to 0.3 万 is minor (not published), above it general, from 10 万 or
    # with 吊销许可证件 / 责令停产停业 serious.
    kinds = [(("警告", "罚款"), "1.5"), (("罚款", "没收违法所得"), "3.2"), (("罚款",), "0.8"),
             (("罚款", "吊销许可证件"), "5"), (("罚款",), "12"), (("罚款", "责令停产停业"), "2"),
             (("警告",), None), (("罚款",), "0.2")]
    facts = ["未按规定明码标价，在同一交易中使用两种标价签",
             "销售的医用外科口罩经抽检不合格，货值金额较大，且未能提供进货查验记录",
             "经营未取得医疗器械注册证的第二类医疗器械，违法所得计 1.2 万元",
             "未依照规定建立并执行进货查验记录制度"]
    n = 0
    for i in range(30):
        categories, fine = kinds[i % len(kinds)]
        day = today - dt.timedelta(days=5 + 9 * i)
        records.submit(unit, records.Submission(
            subject_kind="organization", subject_name=SUBJECT_NAME, subject_code=code,
            behavior="administrative_penalty", occurred_on=day - dt.timedelta(days=20),
            decided_on=day, decision_no=f"榕马市监罚〔{day.year}〕{101 + i}号",
            facts=facts[i % len(facts)], severity="",
            penalty=Penalty(category=categories, content="、".join(categories)
                            + (f"，罚款人民币 {fine} 万元" if fine else ""),
                            fine_wan=Decimal(fine) if fine else None,
                            basis="《中华人民共和国价格法》第四十二条",
                            authority_name="福州市马尾区市场监督管理局")))
        n += 1
    findings = ["fz_market_disruption", "fz_mask_fraud", "fz_medical_waste",
                "fz_key_venue_unrectified", "fz_wildlife_food_trade"]
    good = ["fz_donation", "fz_supplies_production", "fz_full_chain_resumption",
            "fz_supply_market_stability", "fz_volunteer_contribution"]
    for i in range(10):
        day = today - dt.timedelta(days=12 + 23 * i)
        records.submit(unit, records.Submission(
            subject_kind="organization", subject_name=SUBJECT_NAME, subject_code=code,
            behavior=findings[i % len(findings)], occurred_on=day - dt.timedelta(days=3),
            decided_on=day, decision_no=f"榕马市监认〔{day.year}〕{201 + i}号",
            facts="疫情防控期间经群众举报查实，情节比较严重", severity="serious"))
        n += 1
    for i in range(RECORDS - n):
        day = today - dt.timedelta(days=15 + 17 * i)
        records.submit(unit, records.Submission(
            subject_kind="organization", subject_name=SUBJECT_NAME, subject_code=code,
            behavior=good[i % len(good)], occurred_on=day - dt.timedelta(days=3),
            decided_on=day, decision_no=f"榕马发改〔{day.year}〕{301 + i}号",
            facts="向马尾区红十字会捐赠医用口罩 2 万只", severity="minor"))
    for i in range(5):
        day = today - dt.timedelta(days=40 + 60 * i)
        licences.submit(unit, licences.LicenceSubmission(
            subject_kind="organization", subject_name=SUBJECT_NAME, subject_code=code,
            decision_no=f"榕马市监许〔{day.year}〕{401 + i}号", decision_name="医疗器械经营许可决定书",
            kind="普通", licence_name="医疗器械经营许可证",
            licence_no=f"闽榕食药监械经营许{day.year}{401 + i:04d}号",
            content="第三类医疗器械：6815 注射穿刺器械，6864 医用卫生材料及敷料", decided_on=day,
            valid_to=day + dt.timedelta(days=5 * 365), authority_name="福州市马尾区市场监督管理局"))
    subject = Subject.objects.get(name=SUBJECT_NAME)
    owner = User(username="bench-report-owner", role=Role.SUBJECT, subject=subject,
                 password=make_password(None))
    owner.save()
    return subject, owner


def percentiles(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"n": len(ms), "median": statistics.median(ordered), "p95": p95, "max": ordered[-1]}


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def live_objects() -> int:
    """Objects the garbage collector tracks after a full collection: without it the count
    swings by the young generations' size and says nothing about a leak."""
    import gc

    gc.collect()
    return len(gc.get_objects())


def child(profile: str | None) -> None:
    import django

    django.setup()
    import resource

    from django.db import transaction
    from django.utils import timezone
    from pypdf import PdfReader

    from xinyong.lists.models import Membership
    from xinyong.records.models import Record
    from xinyong.reports import content as report_content
    from xinyong.reports import pdf, services
    from xinyong.reports.models import Report

    subject, owner = make_subject()
    warmup = int(os.getenv("BENCH_REPORTS_WARMUP", "5"))
    runs = int(os.getenv("BENCH_REPORTS_RUNS", "60"))
    loop = int(os.getenv("BENCH_REPORTS_LOOP", "10000"))
    every = int(os.getenv("BENCH_REPORTS_EVERY", "1000"))

    issued_at = timezone.localtime().replace(microsecond=0)
    valid_until = issued_at.date() + dt.timedelta(days=30)
    body = report_content.build(subject, version="public", as_of=issued_at.date())
    number = issued_at.strftime("%Y%m%d") + "BENCH000000000"  # as new_number's, never issued
    url = services.verification_url(number)

    def issue() -> Any:
        return services.issue(subject, requester=owner)

    def build() -> Any:
        return report_content.build(subject, version="public", as_of=issued_at.date())

    def render() -> Any:
        return pdf.render(body, number=number, issued_at=issued_at, valid_until=valid_until,
                          verify_url=url)

    def floor() -> Any:
        return pdf.render(body, number=number, issued_at=issued_at, valid_until=valid_until,
                          verify_url=None, font=pdf.built_in_font())

    if profile:
        import cProfile

        written = []
        for name, call in (("issue", issue), ("build", build), ("render", render),
                           ("floor", floor)):
            for _ in range(warmup):
                call()
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(runs):
                call()
            profiler.disable()
            written.append(f"{profile}-{name}.prof")
            profiler.dump_stats(written[-1])
        print(json.dumps({"profile": " and ".join(written)}))
        return

    for _ in range(warmup):
        issue(), build(), render(), floor()
    times: dict[str, list[float]] = {"issue": [], "build": [], "render": [], "floor": []}
    pages: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for _ in range(runs):
        for name, call in (("issue", issue), ("build", build), ("render", render), ("floor", floor)):
            start = time.perf_counter()
            done = call()
            times[name].append((time.perf_counter() - start) * 1000)
            if name == "build":
                continue
            data = done.pdf if name == "issue" else done.data
            pages[name] = done.report.pages if name == "issue" else done.pages
            sizes[name] = len(data)
    # The page counts as a reader sees them, and what the floor's file holds.
    sample = {"render": render().data, "floor": floor().data}
    read_pages = {k: len(PdfReader(__import__("io").BytesIO(v)).pages) for k, v in sample.items()}
    embedded = {k: b"/FontFile2" in v for k, v in sample.items()}

    result: dict[str, Any] = {
        "records": Record.objects.filter(subject=subject).count(),
        "memberships": Membership.objects.filter(subject=subject).count(),
        "rows": sum(len(p.table.rows) for s in body.sections for p in s.parts if p.table),
        "pages": pages, "read_pages": read_pages, "sizes": sizes, "embedded": embedded,
        "times": {k: percentiles(v) for k, v in times.items()},
        "warmup": warmup, "runs": runs,
    }

    if loop:
        samples = []
        base = Report.objects.count()
        start = time.perf_counter()
        samples.append({"n": 0, "rss_mb": rss_mb(), "objects": live_objects(), "s": 0.0})
        done = 0
        while done < loop:
            with transaction.atomic():
                for _ in range(min(every, loop - done)):
                    issue()
                    done += 1
                transaction.set_rollback(True)
            seconds = time.perf_counter() - start  # before the collection below
            samples.append({"n": done, "rss_mb": rss_mb(), "objects": live_objects(),
                            "s": seconds})
            print(f"loop: {done:,} reports, RSS {samples[-1]['rss_mb']:.1f} MB", file=sys.stderr,
                  flush=True)
        result["loop"] = {"samples": samples, "kept": Report.objects.count() - base,
                          "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    print(json.dumps(result, ensure_ascii=False))


# --- the report ----------------------------------------------------------------------------

def measure(url: str, var: Path, profile: str | None = None) -> dict[str, Any]:
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_VAR_DIR": str(var),
           "DJANGO_SETTINGS_MODULE": "xinyong.settings", "PYTHONPATH": str(ROOT)}
    args = [str(BIN / "python"), __file__, "--child"] + (["--profile", profile] if profile else [])
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"reports benchmark failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def section(r: dict[str, Any]) -> list[str]:
    t, pages = r["times"], r["pages"]
    n = pages["render"]
    floor = t["floor"]["median"]

    def row(label: str, key: str) -> str:
        x = t[key]
        return (f"| {label} | {pages[key]} | {x['median']:.1f} / {x['p95']:.1f} | "
                f"**{x['median'] / pages[key]:.1f}** / {x['p95'] / pages[key]:.1f} | "
                f"{x['median'] / floor:.2f}x | {r['sizes'][key] / 1e3:.0f} kB |")

    ratio_a, ratio_b = t["issue"]["median"] / floor, t["render"]["median"] / floor
    rest = t["issue"]["median"] - t["build"]["median"] - t["render"]["median"]
    page_b = t["render"]["median"] / n
    same = pages["floor"] == n == r["read_pages"]["floor"] == r["read_pages"]["render"]
    lines = [
        "", SECTION, "",
        f"A subject (organisation) with {r['records']} records made by `records.services.submit` "
        f"(30 双公示 penalties with the national fields, 10 福州 findings, 10 good behaviours), "
        f"5 licences and {r['memberships']} list memberships that followed from them; the public "
        f"version: {r['rows']} table rows on {n} pages. One warm process, {r['warmup']} warm-up "
        f"rounds, then {r['runs']} rounds of (a), (b), (c) interleaved. Milliseconds.", "",
        "| what | pages | per report median / p95 | per page median / p95 | median / floor | size |",
        "|---|---|---|---|---|---|",
        row("(a) `services.issue`: content from the database, render, hash, sign, save", "issue"),
        row("(b) `pdf.render` of the same content (embedded subset, watermark, QR)", "render"),
        row("(c) floor: same text (watermark included) and layout, built-in STSong-Light (not "
            "embedded), no QR", "floor"),
        "",
        f"Floor pages: {pages['floor']} (render: {n}; read back by pypdf: "
        f"{r['read_pages']['render']} and {r['read_pages']['floor']}): "
        + ("the same." if same else "**NOT the same: the comparison is off.**")
        + f" /FontFile2 in the render: {r['embedded']['render']}, in the floor: "
        f"{r['embedded']['floor']}.",
        "",
        f"Goals: (a)/(c) **{ratio_a:.2f}x** and (b)/(c) **{ratio_b:.2f}x** against at most "
        f"{GOAL_RATIO}x: " + ("met" if ratio_a <= GOAL_RATIO else "NOT met") + " for (a), "
        + ("met" if ratio_b <= GOAL_RATIO else "NOT met") + " for (b); "
        f"{page_b:.1f} ms a page for the render ({t['issue']['median'] / n:.1f} with the issue) "
        f"against under {GOAL_PAGE_MS:.0f}: "
        + ("met" if t["issue"]["median"] / n < GOAL_PAGE_MS else "NOT met") + " for (a), "
        + ("met" if page_b < GOAL_PAGE_MS else "NOT met") + " for (b); the floor itself takes "
        f"{floor / pages['floor']:.1f} ms a page.",
        "",
        f"Where (a) spends its time beyond (b): `content.build` (the subject's records, "
        f"licences and list entries read from the database and laid out as sections) "
        f"{t['build']['median']:.1f} ms median (p95 {t['build']['p95']:.1f}), measured alone in "
        f"the same rounds; the rest of (a) (hash, sign, the report row and its audit event "
        f"in one transaction) about {rest:.1f} ms. The floor does no database work.",
    ]
    loop = r.get("loop")
    if loop:
        s = loop["samples"]
        count = s[-1]["n"]
        lines += [
            "", f"Memory: {count:,} reports issued in a loop, as (a), in transactions rolled back "
            f"every 1,000 (rows kept afterwards: {loop['kept']}). Peak RSS of the process "
            f"{loop['maxrss_mb']:.0f} MB; the objects the garbage collector tracks, counted "
            f"after a full collection every 1,000.", "",
            "| reports | RSS MB | objects tracked by gc | seconds |", "|---|---|---|---|",
            *[f"| {x['n']:,} | {x['rss_mb']:.1f} | {x['objects']:,} | {x['s']:.0f} |" for x in s],
        ]
        if len(s) >= 3:
            rss, objects = [x["rss_mb"] for x in s[1:]], [x["objects"] for x in s[1:]]
            # Flat: RSS within 10 MB and live objects within 1% after the first 1,000.
            flat = (max(rss) - min(rss) < 10) and (max(objects) - min(objects) < 0.01 * min(objects))
            lines += ["", f"After the first 1,000: RSS {min(rss):.1f}–{max(rss):.1f} MB, objects "
                      f"{min(objects):,}–{max(objects):,}: " + ("flat." if flat else "**growing**.")]
    return lines


def main(work: Path | None = None, keep: bool = False, profile: str | None = None) -> list[str]:
    work = work or Path(tempfile.mkdtemp(prefix="xinyong-bench-reports-"))
    work.mkdir(parents=True, exist_ok=True)
    db = os.getenv("BENCH_REPORTS_DB", "xinyong_bench_reports")
    url, filled = fresh_db(db, keep, "subjects_subject", "name = %s", (SUBJECT_NAME,))
    var = ROOT / "var" / f"bench-{db}"  # its keys live with the database, for --keep
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_VAR_DIR": str(var)}
    if not filled:
        sh([str(BIN / "xinyong"), "migrate", "--no-input"], env)
    r = measure(url, var, profile)
    if profile:
        return [f"profile written to {r['profile']}"]
    return section(r)


def standalone() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="reuse the database if it is filled")
    parser.add_argument("--profile", metavar="FILE", help="cProfile renders into FILE, no loop")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.profile)
        return
    start = time.perf_counter()
    head = [f"# Credit report benchmark, {dt.date.today()}", "",
            f"- machine: {platform.node()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, {platform.platform()}"]
    with psycopg.connect(PG_ADMIN) as conn:
        head.append(f"- PostgreSQL: {conn.execute('show server_version').fetchone()[0]}")
    lines = main(keep=args.keep, profile=args.profile)
    print("\n".join(head + lines))
    if not args.profile:
        out = ROOT / "bench" / f"report-{dt.date.today()}.md"
        write_section(out, head, lines)
        print(f"\nwritten to {out}")
    print(f"\n(measured in {time.perf_counter() - start:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    standalone()
