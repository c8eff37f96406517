"""Commitments (信用承诺, xinyong/commitments) and force-majeure certificates (不可抗力事实性证明,
xinyong/certificates): signing, public verification by number at volume, the verification
queue, a campaign of 10,000 codes and the credit file of a subject with 50 commitments.

1. A fresh PostgreSQL database of its own (BENCH_COMMITMENTS_DB, default
   xinyong_bench_commitments), `xinyong migrate` (which loads the shipped packs); three
   member units (马尾区 350105, the accepting unit; 鼓楼区 350102; 福州市 350100), a
   department user of each of the first two, an office user.
2. In one warm process (a child with Django set up):
   (a) signing, once the volume of (b) is in: BENCH_COMMITMENTS_WARMUP (default 10) then
       BENCH_COMMITMENTS_SIGN (default 200) `services.sign` of 福州's `fz_work_resumption`
       letter (a matter, 马尾区 as the accepting unit) by the users of 10 enterprises in turn,
       interleaved with
       `pdf.render_letter` of one signed letter alone (embedded TrueType subset, QR code)
       and the floor as bench/reports.py defines it (the same letter, ReportLab's built-in
       CID font STSong-Light, nothing embedded, no QR code). Before the volume, a subject
       signs 50 letters through `sign` (30 复工复产 to 马尾区, 20 public 诚信经营), 10 approved, 5
       verified fulfilled, 1 breached (a record through the usual determination);
   (b) volume, set-based through the ORM's bulk_create (not `sign`): BENCH_COMMITMENTS_SUBJECTS
       (default 20,000) enterprises with a user each; commitments up to BENCH_COMMITMENTS_ROWS
       (default 100,000) in all, with numbers as `new_number` draws them, a sha256 and the
       platform's real signature over `signed_message` (so `proof_checks_out` holds):
       BENCH_COMMITMENTS_DUE (default 20,000) 复工复产 letters 马尾区 approved and due for
       verification (approval in the last 150 days, deadline 3 months later: some overdue,
       most in 2026-12 to 2027-03), 10% due at 鼓楼区, 15% other 马尾区 letters (not yet
       approved, or fulfilled), the rest public 诚信经营 letters (5% fulfilled, 5% withdrawn);
       BENCH_COMMITMENTS_CERTS (default 10,000) issued certificates cloned the same way
       from three issued through the workflow (submit, accept, decide "issue");
   (c) public verification: BENCH_COMMITMENTS_REQUESTS (default 500) requests each, after 20
       warm-up, through Django's test Client, anonymous, of numbers drawn at random:
       `GET /api/v1/commitments/by-number/{n}`, `GET /api/v1/force-majeure/certificates/{n}`
       and the two pages a QR code leads to; median / p95 / max and the SQL queries per
       request (CaptureQueriesContext, a separate pass);
   (d) the verification queue of 马尾区's department (BENCH_COMMITMENTS_DUE due rows):
       `services.queue` and `GET /commitments/queue/` (logged in), BENCH_COMMITMENTS_QUEUE_RUNS
       (default 2) each; rows, queries, bytes, and the warnings `lib.workdays` logs for days
       past chinese-calendar's last official table;
   (e) a campaign of BENCH_COMMITMENTS_CODES (default 10,000) codes (half of them subjects on
       file, some of which signed the letter in the campaign's window; half not on file):
       `services.launch`, then `GET /commitments/campaigns/{id}/` as the organiser and
       anonymous; then 1,000 of the codes not on file come onto the platform and the
       organiser's page is loaded again (`refresh_targets`), and once more;
   (f) the credit file `GET /api/v1/subjects/{id}` of the subject with 50 commitments,
       anonymous and with the office's token, against a subject with 5; and
       `GET /api/v1/commitments?subject_id=…&page_size=50` likewise: time and queries.

    .venv/bin/python bench/commitments.py [--keep]

prints the section and writes it into today's bench/report-<date>.md (replaced if there).
`--keep` reuses the database if it already holds the volume (the measurements then run on
what earlier runs left). `make bench` runs it from run.py (BENCH_SKIP_COMMITMENTS=1 skips it).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT / "bench"))

from run import UNIT, fresh_db, sh, standalone  # noqa: E402

SECTION = "## 信用承诺与不可抗力证明 (commitments, certificates)"
MARKER = "福州马尾信诺档案样本有限公司"  # the subject with 50 commitments
MAWEI, GULOU, FUZHOU = UNIT, "113501020030000052", "113501000030000063"
ENTERPRISES = 10
CODE_PATHS = ["xinyong/commitments", "xinyong/certificates", "xinyong/reports",
              "xinyong/casework", "xinyong/subjects", "xinyong/lib", "xinyong/policies"]


def env_int(name: str, default: int) -> int:
    return int(os.getenv(name, str(default)))


# --- in the child, with Django set up ----------------------------------------------------

def uscc(body: str) -> str:
    from stdnum.cn import uscc as std

    return body + std.calc_check_digit(body)


def org_code(region: str, n: int) -> str:
    return uscc(f"91{region}MA{n:07d}")


def percentiles(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"n": len(ms), "median": statistics.median(ordered), "p95": p95, "max": ordered[-1],
            "min": ordered[0]}


class Counter:
    """Counts what a logger emits (a filter that lets everything through)."""

    def __init__(self) -> None:
        self.n = 0

    def filter(self, _record: Any) -> bool:
        self.n += 1
        return True


def code_state() -> dict[str, Any]:
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=False).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True,
                           check=False).stdout.splitlines()
    return {"head": head, "dirty": [d.strip() for d in dirty if d.strip()]}


def setup_people() -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password

    from xinyong.accounts.models import Role, Unit, User

    def unit(code: str, name: str, region: str) -> Any:
        return Unit.objects.get_or_create(code=code, defaults={"name": name, "region": region})[0]

    mawei = unit(MAWEI, "福州市马尾区市场监督管理局", "350105")
    gulou = unit(GULOU, "福州市鼓楼区市场监督管理局", "350102")
    unit(FUZHOU, "福州市发展和改革委员会", "350100")

    def user(name: str, role: str, **kw: Any) -> Any:
        found = User.objects.filter(username=name).first()
        if found is None:
            found = User(username=name, role=role, password=make_password(None), **kw)
            found.save()
        return found

    return {"mawei": mawei, "gulou": gulou,
            "dept": user("bench-c-mawei", Role.DEPARTMENT, unit=mawei, display_name="马尾区市场监管局核查员"),
            "dept2": user("bench-c-gulou", Role.DEPARTMENT, unit=gulou,
                          display_name="鼓楼区市场监管局核查员"),
            "office": user("bench-c-office", Role.OFFICE, display_name="信用办")}


def enterprise(n: int, name: str) -> tuple[Any, Any]:
    from django.contrib.auth.hashers import make_password

    from xinyong.accounts.models import Role, User
    from xinyong.subjects.models import get_or_create_subject

    subject = get_or_create_subject("organization", org_code("350105", 9000000 + n), name)[0]
    found = User.objects.filter(username=f"bench-c-ent-{n}").first()
    if found is None:
        found = User(username=f"bench-c-ent-{n}", role=Role.SUBJECT, subject=subject,
                     password=make_password(None), display_name=f"{name}经办人")
        found.save()
    return subject, found


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = call()
    return (time.perf_counter() - start) * 1000, out


def count_queries(call: Callable[[], Any]) -> tuple[int, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        out = call()
    return len(ctx.captured_queries), out


def bench_sign(people: dict[str, Any], warmup: int, runs: int) -> dict[str, Any]:
    from django.utils import timezone

    from xinyong.commitments import services
    from xinyong.reports import documents, pdf

    signers = [enterprise(i, f"福州马尾信诺{i:02d}号机械制造有限公司")[1] for i in range(ENTERPRISES)]
    matter = "复工复产备案（马尾区快安厂区，返岗职工 120 人）"

    def sign(k: int) -> Any:
        return services.sign(signers[k % len(signers)], "fz_work_resumption", matter=matter,
                             accepting_unit=people["mawei"])

    c0 = sign(0)
    letter = services.letter_for(c0)
    issued_at = timezone.localtime(c0.issued_at)
    url = documents.verification_url("commitments:check_number", c0.number)

    def render() -> Any:
        return pdf.render_letter(letter, number=c0.number, issued_at=issued_at, verify_url=url)

    def floor() -> Any:
        return pdf.render_letter(letter, number=c0.number, issued_at=issued_at, verify_url=None,
                                 font=pdf.built_in_font())

    for k in range(warmup):
        sign(k), render(), floor()
    times: dict[str, list[float]] = {"sign": [], "render": [], "floor": []}
    pages: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for k in range(runs):
        ms, c = timed(partial(sign, k))
        times["sign"].append(ms)
        sizes["sign"] = c.pdf_size
        for name, call in (("render", render), ("floor", floor)):
            ms, doc = timed(call)
            times[name].append(ms)
            pages[name], sizes[name] = doc.pages, len(doc.data)
    queries, _ = count_queries(lambda: sign(runs))
    embedded = {"render": b"/FontFile2" in render().data, "floor": b"/FontFile2" in floor().data}
    return {"times": {k: percentiles(v) for k, v in times.items()}, "pages": pages,
            "sizes": sizes, "queries": queries, "embedded": embedded, "warmup": warmup,
            "runs": runs, "signed": warmup + runs + 2, "chars": len(c0.text)}


def make_profile_subject(people: dict[str, Any], n: int) -> Any:
    """A subject with `n` commitments made through the services: 60% 复工复产 to 马尾区
    (10 approved, 5 of them verified fulfilled, 1 breached), 40% public 诚信经营."""
    from django.utils import timezone

    from xinyong.commitments import services

    subject, user = enterprise(99, MARKER)
    today = timezone.localdate()
    made = []
    for i in range(n):
        if i % 5 < 3:
            made.append(services.sign(user, "fz_work_resumption", matter=f"复工复产备案（第 {i + 1} 批）",
                                      accepting_unit=people["mawei"]))
        else:
            made.append(services.sign(user, "fz_epidemic_integrity"))
    approval = [c for c in made if c.template == "fz_work_resumption"][:10]
    for i, c in enumerate(approval):
        services.record_approval(people["dept"], c.pk, f"榕马复工备〔{today.year}〕{i + 1}号", today,
                                 "复工复产方案、返岗职工健康监测台账（以承诺替代，3 个月内补齐）")
    for c in approval[:5]:
        services.verify(people["dept"], c.pk, "fulfilled", "实地调查", "经实地核查，防控措施落实到位")
    services.verify(people["dept"], approval[5].pk, "breached", "书面核查",
                    "逾期未补齐返岗职工健康监测台账，经催告仍未提交")
    return subject


def issue_certificates(people: dict[str, Any], k: int) -> tuple[list[Any], str]:
    """`k` certificates through the workflow (submit, accept, decide "issue"): today if a
    pack in force offers the service, else on the days the certificate tests use."""
    from django.utils import timezone

    from xinyong.certificates import services

    today = timezone.localdate()
    if services.offered(today) is not None:
        days, note = (today, today, today), f"applied for and issued today ({today})"
    else:
        d = dt.date(2026, 8, 3)
        days = (d, d + dt.timedelta(days=1), d + dt.timedelta(days=2))
        note = (f"no pack in force offers the service today ({today}): applied for on {days[0]}, "
                f"issued with decision day {days[2]}")
    _, exporter = enterprise(98, "太仓信诺进出口贸易有限公司")
    made = []
    for i in range(k):
        cert = services.submit(exporter, f"TC-EX-2020-{100 + i:03d}", "Müller Medizintechnik GmbH",
                               "新冠肺炎疫情防控：延迟复工及国际航运中断",
                               "2020 年 2 月 10 日前按太仓市政府通知延迟复工；\n"
                               "原定 2 月 20 日的船期被船公司取消。",
                               counterparty_region="德国", goods="医用防护口罩 20 万只",
                               contract_date=dt.date(2020, 1, 6), today=days[0])
        services.workflow.accept(cert.pk, people["office"], today=days[1])
        made.append(services.workflow.decide(cert.pk, people["office"], "issue", "材料齐全，事实属实",
                                             today=days[2]))
    return made, note


def load_volume(people: dict[str, Any], rows: int, n_subjects: int, due: int, certs: int,
                protos: list[Any]) -> dict[str, Any]:
    """Subjects with a user each, commitments up to `rows` and `certs` issued certificates,
    bulk-created with real numbers, hashes and signatures."""
    import hashlib

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from xinyong.accounts.models import Role, User
    from xinyong.casework.timeline import new_query_code
    from xinyong.certificates.models import Certificate
    from xinyong.commitments import choices, services
    from xinyong.commitments.models import Commitment
    from xinyong.lib.dates import add_months
    from xinyong.reports import signing
    from xinyong.reports.models import new_number
    from xinyong.subjects.models import Subject

    rnd = random.Random(20261207)
    start = time.perf_counter()
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    unusable = make_password(None)
    regions = ["350105"] * 6 + ["350102"] * 3 + ["350100"]
    subjects = []
    for i in range(n_subjects):
        district = ("马尾", "鼓楼")[i % 2]
        s = Subject(kind="organization", name=f"福州{district}信承{i:05d}贸易有限公司")
        s.set_code(org_code(regions[i % len(regions)], i))
        subjects.append(s)
    with transaction.atomic():
        Subject.objects.bulk_create(subjects, batch_size=5000)
        users = User.objects.bulk_create(
            [User(username=f"bench-c-bulk-{i}", role=Role.SUBJECT, subject=s, password=unusable,
                  display_name=f"{s.name}经办人") for i, s in enumerate(subjects)], batch_size=5000)
    t_subjects = time.perf_counter() - start

    resumption = services.find_template("fz_work_resumption", today)
    integrity = services.find_template("fz_epidemic_integrity", today)
    assert resumption is not None and integrity is not None
    have = Commitment.objects.count()
    want = max(0, rows - have)
    n_due_here = min(due, want)
    n_due_there = min(want - n_due_here, rows // 10)
    n_other_here = min(want - n_due_here - n_due_there, rows * 15 // 100)
    plan = ([("due_here", i) for i in range(n_due_here)]
            + [("due_there", i) for i in range(n_due_there)]
            + [("other_here", i) for i in range(n_other_here)])
    plan += [("public", i) for i in range(want - len(plan))]
    numbers: set[str] = set()

    def number(day: dt.date) -> str:
        while True:
            n = new_number(day)
            if n not in numbers:
                numbers.add(n)
                return n

    def signed(doc: Any) -> None:
        doc.sha256 = hashlib.sha256(rnd.randbytes(32)).hexdigest()
        doc.signature = signing.sign(doc.signed_message())

    batch: list[Any] = []
    made = 0
    for k, (what, i) in enumerate(plan):
        j = rnd.randrange(n_subjects)
        s, u = subjects[j], users[j]
        if what == "public":
            found, unit, matter = integrity, None, ""
            days_ago = rnd.randrange(0, 90)
        else:
            found, unit = resumption, people["mawei"] if what != "due_there" else people["gulou"]
            matter = f"复工复产备案（第 {k % 40 + 1} 号厂区）"
            days_ago = rnd.randrange(3, 155)
        day = today - dt.timedelta(days=days_ago)
        at = dt.datetime.combine(day, dt.time(9 + rnd.randrange(9), rnd.randrange(60),
                                              rnd.randrange(60)), tz)
        t = found.template
        c = Commitment(
            subject=s, subject_name=s.name, template=t.code, policy=found.policy,
            doc_number=found.doc_number, clause=t.clause, kind=t.kind, name=t.name,
            text=services.fill(t, s, matter, unit, day), matter=matter, accepting_unit=unit,
            public=t.public, signed_by=u, signer_name=u.display_name, signed_at=at,
            number=number(day), issued_at=at, pdf_size=rnd.randrange(55000, 65000))
        if what in ("due_here", "due_there") or (what == "other_here" and i % 2):
            c.approved_on = min(today, day + dt.timedelta(days=rnd.randrange(0, 4)))
            c.approval_no = f"榕复工备〔{day.year}〕{k + 1}号"
            c.approved_by = people["dept"] if unit == people["mawei"] else people["dept2"]
            c.materials_replaced = "复工复产方案、返岗职工健康监测台账"
            c.verify_by = add_months(c.approved_on, 3)
        if what == "other_here" and i % 2:
            c.status, c.verified_on, c.verified_by = choices.FULFILLED, today, people["dept"]
            c.verified_unit, c.method, c.verification_note = people["mawei"], "书面核查", "材料已补齐"
        if what == "public" and i % 20 == 0:
            c.status, c.verified_on, c.method = choices.FULFILLED, today, "公示核查"
        elif what == "public" and i % 20 == 1:
            c.status, c.withdrawn_on, c.withdrawn_reason = choices.WITHDRAWN, today, "信用主体撤回"
        signed(c)
        batch.append(c)
        if len(batch) == 5000:
            Commitment.objects.bulk_create(batch)
            made += len(batch)
            batch = []
    if batch:
        Commitment.objects.bulk_create(batch)
        made += len(batch)
    t_commitments = time.perf_counter() - start - t_subjects

    proto = protos[0]
    skip = {"id", "pk", "query_code", "number", "subject", "subject_id", "subject_name",
            "applicant", "applicant_id", "issued_at", "sha256", "signature", "pdf", "contract_no"}
    fields = {f.attname: getattr(proto, f.attname) for f in Certificate._meta.concrete_fields
              if f.attname not in skip and f.name not in skip}
    have_certs = Certificate.objects.filter(number__isnull=False).count()
    codes_seen: set[str] = set()
    batch = []
    made_certs = 0
    for k in range(max(0, certs - have_certs)):
        j = rnd.randrange(n_subjects)
        s = subjects[j]
        at = timezone.localtime(proto.issued_at) - dt.timedelta(minutes=rnd.randrange(0, 200000))
        code = new_query_code("BK")
        while code in codes_seen:
            code = new_query_code("BK")
        codes_seen.add(code)
        cert = Certificate(**fields, query_code=code, subject=s, subject_name=s.name,
                           applicant=users[j], contract_no=f"FZ-EX-{at.year}-{k:05d}",
                           number=number(at.date()), issued_at=at)
        signed(cert)
        batch.append(cert)
        if len(batch) == 5000:
            Certificate.objects.bulk_create(batch)
            made_certs += len(batch)
            batch = []
    if batch:
        Certificate.objects.bulk_create(batch)
        made_certs += len(batch)
    t_certs = time.perf_counter() - start - t_subjects - t_commitments
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {"subjects": n_subjects, "commitments": made, "certificates": made_certs,
            "due_here": n_due_here, "due_there": n_due_there, "other_here": n_other_here,
            "seconds": {"subjects": t_subjects, "commitments": t_commitments, "certificates": t_certs}}


def bench_verification(requests: int, warmup: int) -> dict[str, Any]:
    from django.test import Client

    from xinyong.certificates.models import Certificate
    from xinyong.commitments.models import Commitment

    rnd = random.Random(7)
    client = Client()
    c_numbers = list(Commitment.objects.filter(number__isnull=False).values_list("number", flat=True))
    f_numbers = list(Certificate.objects.filter(number__isnull=False).values_list("number", flat=True))
    cases = {
        "commitment_api": ("/api/v1/commitments/by-number/{}", c_numbers),
        "certificate_api": ("/api/v1/force-majeure/certificates/{}", f_numbers),
        "commitment_page": ("/commitments/check/{}/", c_numbers),
        "certificate_page": ("/force-majeure/certificates/{}/", f_numbers),
    }
    out: dict[str, Any] = {"table": {"commitments": len(c_numbers), "certificates": len(f_numbers)}}
    for name, (path, pool) in cases.items():
        drawn = [rnd.choice(pool) for _ in range(warmup + requests)]
        bad = 0

        def get(n: str, path: str = path) -> Any:
            return client.get(path.format(n))

        for n in drawn[:warmup]:
            get(n)
        ms = []
        invalid = 0
        for n in drawn[warmup:]:
            t, response = timed(partial(get, n))
            ms.append(t)
            if response.status_code != 200:
                bad += 1
            elif "api" in name and response.json()["valid"] is not True:
                invalid += 1
        valid = invalid == 0 if "api" in name else None
        counts = [count_queries(partial(get, n))[0] for n in drawn[warmup:warmup + 50]]
        wrong = drawn[0][:8] + "00000000000000"
        miss_q, miss = count_queries(partial(get, wrong))
        out[name] = {"times": percentiles(ms), "non_200": bad, "valid": valid,
                     "queries": sorted(set(counts)), "miss_status": miss.status_code,
                     "miss_queries": miss_q}
    return out


def bench_queue(people: dict[str, Any], runs: int) -> dict[str, Any]:
    import logging

    from django.db.models import Q
    from django.test import Client
    from django.utils import timezone

    from xinyong.commitments import services
    from xinyong.commitments.models import Commitment

    today = timezone.localdate()
    counter = Counter()
    logging.getLogger("xinyong.lib.workdays").addFilter(counter)
    dept = people["dept"]
    client = Client()
    client.force_login(dept)
    due = Commitment.objects.due_for_verification().filter(accepting_unit=people["mawei"])
    facts = {"due": due.count(), "overdue": due.filter(verify_by__lt=today).count(),
             "in_2027": due.filter(verify_by__year__gte=2027).count(),
             "last_deadline": str(due.order_by("-verify_by").values_list("verify_by", flat=True)
                                  .first())}
    out: dict[str, Any] = {"facts": facts}
    for name, call in (
            # Every due row with its working days (what an export of the queue would build).
            ("service", lambda: services.due_rows(services.queue(dept, today), today)),
            ("service_overdue", lambda: services.due_rows(services.queue(dept, today, "overdue"), today)),
            ("page", lambda: client.get("/commitments/queue/"))):
        ms, warnings, size, rows = [], [], 0, 0
        for _ in range(runs):
            # A handful of queries: capturing them costs nothing next to the run.
            before = counter.n
            t, (queries, result) = timed(partial(count_queries, call))
            ms.append(t)
            warnings.append(counter.n - before)
        if name == "page":
            size = len(result.content)
            rows = result.content.decode().count("<tr data-commitment=")
            if result.status_code != 200:
                sys.exit(f"queue page: HTTP {result.status_code}")
        else:
            rows = len(result)
        out[name] = {"ms": ms, "median": statistics.median(ms), "queries": queries,
                     "rows": rows, "bytes": size, "warnings": warnings}
    # Without chinese-calendar's missing years: how much of it is the per-day count.
    from xinyong.lib import workdays

    deadlines = [d for d in due.values_list("verify_by", flat=True) if d is not None]
    before = counter.n
    t, _ = timed(lambda: [workdays.workdays_between(today, d) if d >= today
                          else workdays.workdays_between(d, today) for d in deadlines])
    out["workdays_only"] = {"ms": t, "warnings": counter.n - before, "rows": len(deadlines)}
    # The same with the warning switched off (the bench's logger setting, not the code's).
    logger = logging.getLogger("xinyong.lib.workdays")
    logger.disabled = True
    t, _ = timed(lambda: [workdays.workdays_between(today, d) if d >= today
                          else workdays.workdays_between(d, today) for d in deadlines])
    logger.disabled = False
    out["workdays_quiet"] = {"ms": t, "distinct": len(set(deadlines))}
    t, built = timed(lambda: list(
        Commitment.objects.due_for_verification().select_related("subject", "accepting_unit")
        .filter(Q(accepting_unit_id=dept.unit_id) | Q(campaign__unit_id=dept.unit_id))
        .order_by("verify_by", "id")))
    out["orm_only"] = {"ms": t, "rows": len(built)}
    from django.db import connection

    # The queue's query as services.queue makes it for a department.
    sql, params = (Commitment.objects.due_for_verification().select_related("subject", "accepting_unit")
                   .filter(Q(accepting_unit_id=dept.unit_id) | Q(campaign__unit_id=dept.unit_id))
                   .order_by("verify_by", "id").query.sql_with_params())
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [r[0] for r in cur.fetchall()]
    out["plan"] = plan
    return out


def bench_campaign(people: dict[str, Any], n_codes: int, n_subjects: int, later: int) -> dict[str, Any]:
    from django.test import Client
    from django.utils import timezone

    from xinyong.commitments import services
    from xinyong.commitments.models import CampaignTarget
    from xinyong.subjects.models import Subject

    today = timezone.localdate()
    regions = ["350105"] * 6 + ["350102"] * 3 + ["350100"]
    on_file = [org_code(regions[i % len(regions)], i) for i in range(0, min(n_subjects, n_codes // 2))]
    fresh = [org_code("350105", 5000000 + i) for i in range(n_codes - len(on_file))]
    codes = on_file + fresh
    random.Random(3).shuffle(codes)
    text = "\n".join(codes)
    dept = people["dept"]

    def launch() -> Any:
        return services.launch(dept, "fz_epidemic_integrity", "马尾区商贸企业疫情防控诚信经营承诺", text,
                               organiser_name="马尾区商贸行业协会", message="请会员单位在线签署",
                               starts_on=today - dt.timedelta(days=30),
                               ends_on=today + dt.timedelta(days=30))

    t_launch, campaign = timed(launch)
    launch_queries, _ = count_queries(launch)  # a second campaign, for the count only
    targets = campaign.targets.count()
    signed = campaign.targets.filter(commitment__isnull=False).count()
    with_subject = campaign.targets.filter(subject__isnull=False).count()
    organiser, public = Client(), Client()
    organiser.force_login(dept)
    path = f"/commitments/campaigns/{campaign.pk}/"

    def get(client: Any, label: str) -> Any:
        response = client.get(path)
        if response.status_code != 200:
            sys.exit(f"campaign page ({label}): HTTP {response.status_code}")
        return response

    def page(client: Any, label: str, arrive: list[str] | None = None) -> dict[str, Any]:
        """Timed (no query capture), then the queries counted on a second load; with
        `arrive`, each load comes after half of those codes came onto the platform."""
        if arrive:
            newcomers(arrive[:len(arrive) // 2])
        t, response = timed(lambda: get(client, label))
        if arrive:
            newcomers(arrive[len(arrive) // 2:])
        queries, _ = count_queries(lambda: get(client, label))
        return {"label": label, "ms": t, "queries": queries, "bytes": len(response.content)}

    def newcomers(codes: list[str]) -> None:
        made = []
        for code in codes:
            s = Subject(kind="organization", name=f"福州马尾新设{code[-7:]}商贸有限公司")
            s.set_code(code)
            made.append(s)
        Subject.objects.bulk_create(made)

    pages = [page(organiser, "organiser (unsigned listed too)"),
             page(public, "anonymous (signers only)")]
    # Codes not on file come onto the platform: the organiser's next load finds them.
    pages.append(page(organiser, f"organiser, after {later // 2:,} targets came onto the platform "
                                 "(refresh_targets)", fresh[:later]))
    pages.append(page(organiser, "organiser, nothing new"))
    refreshed = CampaignTarget.objects.filter(campaign=campaign, subject__isnull=False).count()
    return {"codes": n_codes, "launch_ms": t_launch, "launch_queries": launch_queries,
            "targets": targets, "signed": signed, "with_subject": with_subject,
            "with_subject_after": refreshed, "pages": pages}


def bench_profile(people: dict[str, Any], subject: Any, runs: int) -> dict[str, Any]:
    from django.db.models import Count
    from django.test import Client

    from xinyong.accounts.models import ApiToken
    from xinyong.commitments.models import Commitment

    _, token = ApiToken.issue(people["office"], "bench-commitments")
    small = (Commitment.objects.values("subject_id").annotate(n=Count("id"))
             .filter(n__gte=4, n__lte=6).order_by("subject_id").first())
    client = Client()
    viewers: dict[str, dict[str, str]] = {"anonymous": {}, "office": {"auth": f"Bearer {token}"}}
    out: dict[str, Any] = {"commitments": Commitment.objects.filter(subject=subject).count(),
                           "small_commitments": small["n"] if small else None, "rows": []}
    for what, path in (("GET /api/v1/subjects/{id}", "/api/v1/subjects/{}"),
                       ("GET /api/v1/commitments?subject_id={id}&page_size=50",
                        "/api/v1/commitments?subject_id={}&page_size=50")):
        for viewer, headers in viewers.items():
            for label, sid in (("50", subject.pk), ("small", small["subject_id"] if small else None)):
                if sid is None:
                    continue

                def get(path: str = path, sid: Any = sid, auth: str = headers.get("auth", "")) -> Any:
                    if auth:
                        return client.get(path.format(sid), HTTP_AUTHORIZATION=auth)
                    return client.get(path.format(sid))

                for _ in range(5):
                    get()
                ms = []
                for _ in range(runs):
                    t, response = timed(get)
                    if response.status_code != 200:
                        sys.exit(f"{path.format(sid)} as {viewer}: HTTP {response.status_code}"
                                 f" {response.content[:300]!r}")
                    ms.append(t)
                queries, response = count_queries(get)
                data = response.json()
                items = len(data.get("commitments", data.get("items", [])))
                out["rows"].append({"what": what, "viewer": viewer, "subject": label,
                                    "items": items, "times": percentiles(ms), "queries": queries})
    return out


def child(keep: bool) -> None:
    import django

    django.setup()
    from django.utils import timezone

    from xinyong.certificates.models import Certificate
    from xinyong.commitments.models import Commitment
    from xinyong.subjects.models import Subject

    started = time.perf_counter()
    result: dict[str, Any] = {"day": timezone.localdate().isoformat(), "code": code_state(),
                              "load": [os.getloadavg()[0]]}
    people = setup_people()
    subject = Subject.objects.filter(name=MARKER).first()
    if subject is None or not keep:
        subject = make_profile_subject(people, env_int("BENCH_COMMITMENTS_PROFILE", 50))
    protos, cert_note = issue_certificates(people, 3)
    result["cert_note"] = cert_note
    rows, certs = env_int("BENCH_COMMITMENTS_ROWS", 100000), env_int("BENCH_COMMITMENTS_CERTS", 10000)
    n_subjects = env_int("BENCH_COMMITMENTS_SUBJECTS", 20000)
    if Subject.objects.filter(name__contains="信承").count() < n_subjects:
        result["volume"] = load_volume(people, rows, n_subjects, env_int("BENCH_COMMITMENTS_DUE", 20000),
                                       certs, protos)
    print(f"volume done ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    # Signing at volume: the table holds the commitments above when it is measured.
    result["sign"] = bench_sign(people, env_int("BENCH_COMMITMENTS_WARMUP", 10),
                                env_int("BENCH_COMMITMENTS_SIGN", 200))
    print(f"signing done ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    result["counts"] = {"commitments": Commitment.objects.count(),
                        "certificates": Certificate.objects.filter(number__isnull=False).count(),
                        "subjects": Subject.objects.count()}
    result["verification"] = bench_verification(env_int("BENCH_COMMITMENTS_REQUESTS", 500), 20)
    print(f"verification done ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    result["queue"] = bench_queue(people, env_int("BENCH_COMMITMENTS_QUEUE_RUNS", 2))
    print(f"queue done ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    result["campaign"] = bench_campaign(people, env_int("BENCH_COMMITMENTS_CODES", 10000), n_subjects,
                                        env_int("BENCH_COMMITMENTS_LATER", 1000))
    print(f"campaign done ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    result["profile"] = bench_profile(people, subject, env_int("BENCH_COMMITMENTS_PROFILE_RUNS", 50))
    result["code_after"] = code_state()
    result["load"].append(os.getloadavg()[0])
    result["seconds"] = time.perf_counter() - started
    print(json.dumps(result, ensure_ascii=False, default=str))


# --- the report ----------------------------------------------------------------------------

def measure(url: str, var: Path, work: Path, keep: bool) -> dict[str, Any]:
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_VAR_DIR": str(var),
           "DJANGO_SETTINGS_MODULE": "xinyong.settings", "PYTHONPATH": str(ROOT)}
    args = [str(BIN / "python"), __file__, "--child"] + (["--keep"] if keep else [])
    log = work / "child-stderr.log"
    with log.open("w") as err:
        done = subprocess.run(args, env=env, stdout=subprocess.PIPE, stderr=err, text=True,
                              check=False)
    if done.returncode != 0:
        with log.open("rb") as f:
            f.seek(max(0, log.stat().st_size - 4000))
            tail = f.read().decode(errors="replace")
        sys.exit(f"commitments benchmark failed (stderr in {log}):\n{tail}")
    r: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    r["stderr_mb"] = log.stat().st_size / 1e6
    return r


def ms(x: dict[str, float]) -> str:
    return f"{x['median']:.1f} / {x['p95']:.1f} / {x['max']:.1f}"


def section(r: dict[str, Any]) -> list[str]:
    code = r["code"]
    dirty = code["dirty"]
    changed = r["code_after"]["dirty"] != dirty or r["code_after"]["head"] != code["head"]
    s = r["sign"]
    t = s["times"]
    floor, render, sign = t["floor"]["median"], t["render"]["median"], t["sign"]["median"]
    lines = [
        "", SECTION, "",
        f"Run on {r['day']} (the platform's day, Asia/Shanghai) in {r['seconds']:.0f} s (one warm "
        f"child process). Code: commit "
        f"{code['head']}, tree " + (f"dirty ({len(dirty)} paths: {', '.join(dirty[:12])}"
                                    + (" …" if len(dirty) > 12 else "") + ")" if dirty else "clean")
        + (" — **the tree changed during the run**" if changed else "") + ".",
        f"Database: {r['counts']['commitments']:,} commitments, {r['counts']['certificates']:,} issued "
        f"certificates, {r['counts']['subjects']:,} subjects. Load average (1 min) at the start and "
        f"the end of the child: {r['load'][0]:.1f}, {r['load'][1]:.1f} (other work on the machine "
        "shows in the p95 and max).",
    ]
    v = r.get("volume")
    if v:
        sec = v["seconds"]
        lines.append(
            f"Volume made with bulk_create (real numbers, hashes, Ed25519 signatures): "
            f"{v['subjects']:,} enterprises with a user each ({sec['subjects']:.0f} s), "
            f"{v['commitments']:,} commitments ({sec['commitments']:.0f} s: {v['due_here']:,} "
            f"复工复产 due at 马尾区, {v['due_there']:,} due at 鼓楼区, {v['other_here']:,} other "
            f"马尾区, the rest public 诚信经营), {v['certificates']:,} certificates "
            f"({sec['certificates']:.0f} s). Certificates through the workflow: {r['cert_note']}.")
    lines += [
        "", "### Signing (`services.sign`, 福州 fz_work_resumption, 马尾区)", "",
        f"{s['runs']} signatures after {s['warmup']} warm-up, by the users of {ENTERPRISES} "
        f"enterprises in turn; interleaved with the render alone and the floor (the same letter, "
        f"{s['chars']} characters of text). Milliseconds.", "",
        "| what | pages | median / p95 / max | median / floor | size |", "|---|---|---|---|---|",
        f"| `services.sign`: checks, number, render, hash, sign, PDF file, audit, notices "
        f"| {s['pages']['render']} | {ms(t['sign'])} | {sign / floor:.2f}x "
        f"| {s['sizes']['sign'] / 1e3:.0f} kB |",
        f"| `pdf.render_letter` of the same letter (embedded subset, QR) | {s['pages']['render']} "
        f"| {ms(t['render'])} | {render / floor:.2f}x | {s['sizes']['render'] / 1e3:.0f} kB |",
        f"| floor: same letter, built-in STSong-Light, no QR | {s['pages']['floor']} | {ms(t['floor'])} "
        f"| 1.00x | {s['sizes']['floor'] / 1e3:.0f} kB |",
        "",
        f"The render is **{render / sign:.0%}** of a signature's median; the rest (about "
        f"{sign - render:.1f} ms: the subject locked, bar and template checks, the signature, the "
        f"PDF written to storage, the row, the campaign targets, the audit entry and two notices) "
        f"takes {s['queries']} SQL queries per signature. /FontFile2 in the render: "
        f"{s['embedded']['render']}, in the floor: {s['embedded']['floor']}.",
    ]
    ver = r["verification"]
    lines += [
        "", "### Public verification by number", "",
        f"{ver['table']['commitments']:,} commitments and {ver['table']['certificates']:,} issued "
        f"certificates in the tables; anonymous requests through the test Client, numbers drawn at "
        f"random, {ver['commitment_api']['times']['n']} each after 20 warm-up; queries counted on 50 "
        f"of them in a separate pass. Milliseconds.", "",
        "| request | median / p95 / max | SQL queries | non-200 | a wrong number |",
        "|---|---|---|---|---|",
    ]
    labels = {"commitment_api": "`GET /api/v1/commitments/by-number/{n}`",
              "certificate_api": "`GET /api/v1/force-majeure/certificates/{n}`",
              "commitment_page": "`GET /commitments/check/{n}/` (the QR code's page)",
              "certificate_page": "`GET /force-majeure/certificates/{n}/` (the QR code's page)"}
    for key, label in labels.items():
        x = ver[key]
        lines.append(f"| {label} | {ms(x['times'])} | {', '.join(map(str, x['queries']))} | "
                     f"{x['non_200']} | {x['miss_status']}, {x['miss_queries']} queries |")
    valid = [ver[k]["valid"] for k in ("commitment_api", "certificate_api")]
    lines += ["", "The last answer of each API said `valid: true`: " + ("yes." if all(valid) else
                                                                        f"**no** ({valid}).")]
    q = r["queue"]
    f = q["facts"]
    lines += [
        "", "### Verification queue (马尾区's department)", "",
        f"{f['due']:,} commitments due for verification at 马尾区 ({f['overdue']:,} overdue; "
        f"{f['in_2027']:,} with a deadline in 2027; the last {f['last_deadline']}). "
        f"{len(q['service']['ms'])} runs each. Milliseconds.", "",
        "| what | runs | median | rows | SQL queries | page size | workdays warnings per run |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, label in (("service", "`due_rows(queue(dept, today))`: every row"),
                       ("service_overdue", "`due_rows(queue(dept, today, \"overdue\"))`"),
                       ("page", "`GET /commitments/queue/`")):
        x = q[key]
        lines.append(f"| {label} | {', '.join(f'{m:.0f}' for m in x['ms'])} | **{x['median']:,.0f}** | "
                     f"{x['rows']:,} | {x['queries']} | "
                     + (f"{x['bytes'] / 1e6:.1f} MB" if x["bytes"] else "–")
                     + f" | {x['warnings'][0]:,} |")
    w, orm = q["workdays_only"], q["orm_only"]
    per_row = q["service"]["median"] / max(1, q["service"]["rows"])
    lines += [
        "",
        f"Every due row with its working days ({q['service']['rows']:,} rows, "
        f"{per_row * 1000:.0f} µs a row); the page shows one page of them "
        f"({q['page']['rows']:,} rows, {q['page']['bytes'] / 1e6:.2f} MB). The remaining-days "
        f"column alone (`lib.workdays.workdays_between` for each of the {w['rows']:,} deadlines, "
        f"{q['workdays_quiet']['distinct']} distinct days) takes {w['ms']:,.0f} ms and logs "
        f"{w['warnings']:,} warnings; with that logger switched off, "
        f"{q['workdays_quiet']['ms']:,.0f} ms. The query and the {orm['rows']:,} model instances "
        f"alone (`list()` of the queue's queryset): {orm['ms']:,.0f} ms. The child's stderr came "
        f"to {r['stderr_mb']:.1f} MB.",
        "", "Plan of the queue's query (EXPLAIN ANALYZE):", "", "```",
        *[p for p in q["plan"][:14]], "```",
    ]
    c = r["campaign"]
    lines += [
        "", "### Campaign of " + f"{c['codes']:,} codes", "",
        f"`services.launch` (fz_epidemic_integrity, 30 days back and 30 ahead): "
        f"**{c['launch_ms']:,.0f} ms**, "
        f"{c['launch_queries']} SQL queries; {c['targets']:,} targets, {c['with_subject']:,} on file, "
        f"{c['signed']:,} already signed in the window.", "",
        "| `GET /commitments/campaigns/{id}/` | ms | SQL queries | size |", "|---|---|---|---|",
        *[f"| {p['label']} | **{p['ms']:,.0f}** | {p['queries']:,} | {p['bytes'] / 1e6:.2f} MB |"
          for p in c["pages"]],
        "", f"Targets on file after the refresh: {c['with_subject_after']:,}. The page lists one "
        f"page of targets (signed, or for the organiser unsigned), with the counts from the database.",
    ]
    p = r["profile"]
    lines += [
        "", "### Credit file and commitment list of a subject with "
        f"{p['commitments']} commitments", "",
        f"The subject's {p['commitments']} commitments were made through `sign` (with approvals, "
        f"verifications and a breach); compared with a subject of {p['small_commitments']} (bulk). "
        "Milliseconds over the runs after 5 warm-up.", "",
        "| request | viewer | subject | items | median / p95 / max | SQL queries |",
        "|---|---|---|---|---|---|",
        *[f"| `{x['what']}` | {x['viewer']} | {x['subject']} | {x['items']} | {ms(x['times'])} | "
          f"{x['queries']} |" for x in p["rows"]],
    ]
    return lines


def main(work: Path | None = None, keep: bool = False) -> list[str]:
    work = work or Path(tempfile.mkdtemp(prefix="xinyong-bench-commitments-"))
    work.mkdir(parents=True, exist_ok=True)
    db = os.getenv("BENCH_COMMITMENTS_DB", "xinyong_bench_commitments")
    url, filled = fresh_db(db, keep, "subjects_subject", "name = %s", (MARKER,))
    var = ROOT / "var" / f"bench-{db}"  # its keys and PDFs live with the database, for --keep
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_VAR_DIR": str(var)}
    if not filled:
        import shutil

        shutil.rmtree(var / "media", ignore_errors=True)
        sh([str(BIN / "xinyong"), "migrate", "--no-input"], env)
    return section(measure(url, var, work, filled))


if __name__ == "__main__":
    standalone("Commitments benchmark", __doc__ or "", child, main)
