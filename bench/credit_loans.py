"""信易贷 (issue 17): the credit file read under a grant among many grants and reads, an
institution's queue of financing needs, the honest-SME list and the office's statistics.

1. A fresh PostgreSQL database of its own (BENCH_LOANS_DB, default
   xinyong_bench_credit_loans), `xinyong migrate` (which loads the shipped packs); one
   member unit (马尾区 350105), an office user, 50 institutions (BENCH_LOANS_INSTITUTIONS)
   with a user each and 200 products (BENCH_LOANS_PRODUCTS; 10 withdrawn);
   BENCH_LOANS_SUBJECTS (default 30,000, at least BENCH_LOANS_LISTED) enterprises with a
   user each; the marked subject (福州马尾信易贷档案样本有限公司) with 12 records through
   `records.services.submit`, a grant of every part to the first bank through
   `grants.services.grant` and a need to that bank's product through
   `financing.services.submit` (which grants profile and records with it).
2. Volume, set-based: BENCH_LOANS_GRANTS (default 100,000) grants in all (bulk_create: to
   every institution and subject; 75% in force, 12% revoked, 13% expired; a few revoked and
   expired ones from the marked subject to the first bank); BENCH_LOANS_READS (default
   1,000,000) GrantRead rows (one INSERT … SELECT over generate_series, spread over every
   grant, 1,000 of them under the marked subject's grant); BENCH_LOANS_NEEDS (default
   50,000) needs: 24 through the services (submit, accept, 补正, outcome lent / declined,
   withdraw: their timelines are copied), the rest bulk_create (80% open to all, the rest
   to 1–2 chosen products of the 50 institutions; 30% waiting, 15% taken, 5% awaiting
   material, 30% lent, 12% declined, 8% withdrawn; over the last year);
   BENCH_LOANS_LISTED (default 20,000) subjects opted in to the honest-SME list (spread
   over the others' ids; 5% opted out since, 2% large enterprises), of which
   BENCH_LOANS_DISHONEST (default a tenth: 2,000) have a dishonest record published today:
   BENCH_LOANS_SUBMITTED (default 300) through
   `records.services.submit` and the usual determination (serious 福州 epidemic findings,
   decided in the last 60 days), the rest bulk_create clones of those rows (their dates,
   status and trace kept, so they are published today) with their list memberships; a
   stored grade (SubjectGrade) for every listed subject; BENCH_LOANS_RECORDS (default
   200,000) more records of the subjects not listed, copied in SQL from those made through
   the determination (good and dishonest, published today), with their memberships, so
   that the list's anti-joins meet a records table of some size.
3. In one warm process (a child with Django set up), through Django's test Client:
   (a) `GET /api/v1/subjects/{id}` of the marked subject by the first bank's user under its
       grant (a token), by a bank without a grant, by the office and anonymously, in turn:
       BENCH_LOANS_REQUESTS (default 200) rounds after 10 warm-up, median / p95 / max, and
       the SQL queries of one request (CaptureQueriesContext, a separate pass, with their
       database time); the grant look-up (`grants.services.live_grant`) and the read log
       (`log_read`) timed alone, with the look-up's plan; `GET /api/v1/grants?page_size=50`
       as the bank and the office;
   (b) the first bank's needs: `GET /api/v1/financing/needs?page_size=50` (token), its web
       queue `/financing/needs/` and `/financing/needs/?status=all` (logged in), and the
       office's `?status=all`, in turn: BENCH_LOANS_PAGE_RUNS (default 20) rounds, queries,
       size, the slowest query of each, the plans of the bank's count and of the slowest
       query of the bank's API list and of the office's page;
   (c) `GET /api/v1/financing/honest-smes` page 1 and a deep page (80% of the way) as the
       bank: BENCH_LOANS_PAGE_RUNS each, queries, and EXPLAIN ANALYZE of the count and of
       the deep page's query;
   (d) `financing.services.stats()` over all needs, BENCH_LOANS_STATS_RUNS (default 3):
       time, queries (per institution and per product), and the warnings `lib.workdays`
       logs; `GET /api/v1/financing/stats` once as the office.

    .venv/bin/python bench/credit_loans.py [--keep]

prints the section and writes it into today's bench/report-<date>.md (replaced if there).
`--keep` reuses the database if it already holds the volume. `make bench` runs it from
run.py (BENCH_SKIP_CREDIT_LOANS=1 skips it).
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
from decimal import Decimal
from functools import cache, partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT / "bench"))

# The helpers the benchmarks of a capability share (bench/commitments.py has them).
from commitments import Counter, code_state, env_int, org_code, percentiles, uscc  # noqa: E402
from run import UNIT, fresh_db, sh, standalone  # noqa: E402

SECTION = "## 信易贷：授权查询、融资需求、诚信中小企业名单 (credit loans)"
MARKER = "福州马尾信易贷档案样本有限公司"  # the subject whose file the bank reads
MARKER_CODE = "91350105MA2Y0LXDK"  # + check digit
FINDINGS = ["fz_market_disruption", "fz_mask_fraud", "fz_medical_waste", "fz_key_venue_unrectified",
            "fz_wildlife_food_trade"]


# --- in the child, with Django set up ----------------------------------------------------

def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = call()
    return (time.perf_counter() - start) * 1000, out


def count_queries(call: Callable[[], Any]) -> tuple[int, Any]:
    n, out, _ = capture(call)
    return n, out


def capture(call: Callable[[], Any]) -> tuple[int, Any, list[str]]:
    n, out, sqls, _ = capture_timed(call)
    return n, out, sqls


def capture_timed(call: Callable[[], Any]) -> tuple[int, Any, list[str], list[float]]:
    """The queries `call` makes: their number, its result, their SQL and seconds each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        out = call()
    return (len(ctx.captured_queries), out, [q["sql"] for q in ctx.captured_queries],
            [float(q["time"]) for q in ctx.captured_queries])


def explain(sql: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [r[0] for r in cur.fetchall()]


def plan_time(plan: list[str]) -> float | None:
    for line in plan:
        if line.startswith("Execution Time:"):
            return float(line.split()[2])
    return None


def setup_people(n_banks: int, n_products: int) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from xinyong.accounts.models import Institution, Role, Unit, User
    from xinyong.financing import choices
    from xinyong.financing.models import Product

    unit = Unit.objects.get_or_create(code=UNIT, defaults={"name": "福州市马尾区市场监督管理局",
                                                           "region": "350105"})[0]
    office = User.objects.filter(username="bench-l-office").first()
    if office is None:
        office = User(username="bench-l-office", role=Role.OFFICE, password=make_password(None),
                      display_name="信用办")
        office.save()
    banks = []
    for n in range(n_banks):
        region = ("350105", "350100", "350102")[n % 3]
        inst = Institution.objects.get_or_create(
            code=uscc(f"91{region}MA2Y{n:03d}BK"),
            defaults={"name": f"福州示例{n + 1:02d}号商业银行{'马尾' if n % 3 == 0 else '城区'}支行",
                      "region": region})[0]
        user = User.objects.filter(username=f"bench-l-bank-{n}").first()
        if user is None:
            user = User(username=f"bench-l-bank-{n}", role=Role.INSTITUTION, institution=inst,
                        password=make_password(None), display_name=f"{inst.name}客户经理")
            user.save()
        banks.append(user)
    today = timezone.localdate()
    if not Product.objects.exists():
        rnd = random.Random(17)
        targets = [[], [choices.SME], [choices.HONEST], [choices.GRADE_AB, choices.SME],
                   [choices.PRIORITY]]
        rows = []
        for k in range(n_products):
            bank = banks[k % n_banks]
            low = Decimal(rnd.choice([10, 20, 50, 100]))
            withdrawn = k // n_banks == 3 and k % 5 == 0  # each bank keeps 3 on sale
            rows.append(Product(
                institution_id=bank.institution_id, name=f"信易贷·{['诚信', '税易', '科创', '抗疫'][k % 4]}贷"
                                                         f"{k // n_banks + 1}号",
                description="面向马尾区中小微企业的纯信用贷款，随借随还。", amount_min_wan=low,
                amount_max_wan=low * rnd.choice([5, 10, 20]), term_min_months=3,
                term_max_months=rnd.choice([12, 24, 36]), rate_min=Decimal("3.45"),
                rate_max=Decimal(rnd.choice(["4.35", "5.20", "6.00"])), targets=targets[k % 5],
                status=choices.WITHDRAWN if withdrawn else choices.PUBLISHED,
                published_on=today - dt.timedelta(days=rnd.randrange(30, 400)),
                withdrawn_on=today - dt.timedelta(days=rnd.randrange(1, 30)) if withdrawn else None,
                created_by=bank))
        Product.objects.bulk_create(rows)
    products: dict[int, list[int]] = {}
    for pid, inst_id in Product.objects.filter(status=choices.PUBLISHED).values_list(
            "pk", "institution_id").order_by("pk"):
        products.setdefault(inst_id, []).append(pid)
    return {"unit": unit, "office": office, "banks": banks, "products": products}


def make_marked(people: dict[str, Any]) -> tuple[Any, Any]:
    """The marked subject with 12 records (through the determination), its user, a grant of
    every part to the first bank and a need to that bank's product (sharing profile and
    records with it)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from xinyong.accounts.models import Role, User
    from xinyong.financing import services as financing
    from xinyong.grants import services as grants
    from xinyong.records import services as records
    from xinyong.subjects.models import Subject

    found = Subject.objects.filter(name=MARKER).first()
    if found is not None:
        return found, User.objects.get(username="bench-l-owner")
    code = uscc(MARKER_CODE)
    today = timezone.localdate()
    good = ["fz_donation", "fz_supplies_production", "fz_full_chain_resumption"]
    for i in range(12):
        day = today - dt.timedelta(days=8 + 21 * i)
        bad = i % 4 == 0
        records.submit(people["unit"], records.Submission(
            subject_kind="organization", subject_name=MARKER, subject_code=code,
            behavior=FINDINGS[i % len(FINDINGS)] if bad else good[i % len(good)],
            occurred_on=day - dt.timedelta(days=3), decided_on=day,
            decision_no=f"榕马市监认〔{day.year}〕{501 + i}号",
            facts=("疫情防控期间经群众举报查实，情节比较严重" if bad
                   else "向马尾区红十字会捐赠医用口罩 2 万只"),
            severity="serious" if bad else "minor"))
    subject = Subject.objects.get(name=MARKER)
    owner = User(username="bench-l-owner", role=Role.SUBJECT, subject=subject,
                 password=make_password(None), display_name="信易贷样本企业财务")
    owner.save()
    bank = people["banks"][0]
    grants.grant(owner, bank.institution, ["profile", "records", "score", "report"],
                 "申请流动资金贷款（贷前调查）")
    financing.submit(owner, "300", 12, "采购医用防护材料原料",
                     products=[people["products"][bank.institution_id][0]],
                     share_scope=["profile", "records"])
    return subject, owner


def load_subjects(n: int) -> tuple[list[Any], list[Any], list[str]]:
    """`n` enterprises with a user each (bulk_create); their codes."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from xinyong.accounts.models import Role, User
    from xinyong.subjects.models import Subject

    unusable = make_password(None)
    regions = ["350105"] * 6 + ["350102"] * 3 + ["350100"]
    scales = ["micro"] * 5 + ["small"] * 3 + ["medium"] + [""]
    subjects, codes = [], []
    for i in range(n):
        s = Subject(kind="organization", name=f"福州{('马尾', '鼓楼')[i % 2]}信贷{i:05d}商贸有限公司",
                    scale="large" if i % 50 == 7 else scales[i % len(scales)])
        code = org_code(regions[i % len(regions)], i)
        s.set_code(code)
        subjects.append(s)
        codes.append(code)
    with transaction.atomic():
        Subject.objects.bulk_create(subjects, batch_size=5000)
        users = User.objects.bulk_create(
            [User(username=f"bench-l-ent-{i}", role=Role.SUBJECT, subject=s, password=unusable,
                  display_name=f"{s.name}经办人") for i, s in enumerate(subjects)], batch_size=5000)
    return subjects, users, codes


def load_grants(people: dict[str, Any], marked: Any, owner: Any, subjects: list[Any],
                users: list[Any], total: int) -> dict[str, int]:
    from django.utils import timezone

    from xinyong.grants.models import Grant

    rnd = random.Random(20261207)
    today = timezone.localdate()
    now = timezone.now()
    banks = people["banks"]
    scopes = [["profile"], ["profile", "records"], ["profile", "records", "score"],
              ["profile", "records", "score", "report"], ["report"]]
    purposes = ["申请流动资金贷款", "贷前调查", "贷后管理", "续贷审查", "信用贷款授信审批"]
    have = Grant.objects.count()
    counts = {"live": 0, "revoked": 0, "expired": 0}
    batch: list[Any] = []

    def grant(subject: Any, user: Any, bank: Any, state: str) -> Any:
        if state == "expired":
            start = today - dt.timedelta(days=rnd.randrange(400, 800))
            end = start + dt.timedelta(days=rnd.randrange(30, 366))
        else:
            start = today - dt.timedelta(days=rnd.randrange(0, 300))
            end = max(today, start + dt.timedelta(days=365))
        g = Grant(subject=subject, institution_id=bank.institution_id, scope=rnd.choice(scopes),
                  purpose=rnd.choice(purposes), granted_on=start, expires_on=end, granted_by=user)
        if state == "revoked":
            g.revoked_at = now - dt.timedelta(days=rnd.randrange(0, 200))
            g.revoked_by, g.revoke_reason = user, "主体撤销授权"
        counts[state] += 1
        return g

    # The marked subject's earlier grants to the first bank: the look-up sifts past them.
    for k in range(10):
        batch.append(grant(marked, owner, banks[0], ("revoked", "expired")[k % 2]))
    for _ in range(max(0, total - have - len(batch))):
        j = rnd.randrange(len(subjects))
        r = rnd.random()
        state = "live" if r < 0.75 else "revoked" if r < 0.87 else "expired"
        batch.append(grant(subjects[j], users[j], rnd.choice(banks), state))
    Grant.objects.bulk_create(batch, batch_size=5000)
    return counts


def load_reads(marked: Any, n: int, bank: Any) -> int:
    """`n` reads spread over every grant (one INSERT … SELECT), 1,000 under the marked
    subject's grant to the first bank."""
    from django.db import connection
    from django.utils import timezone

    from xinyong.grants.models import Grant

    target = Grant.objects.live_on(timezone.localdate()).filter(subject=marked, need__isnull=True,
                                                           institution_id=bank.institution_id).first()
    mine = min(1000, n)
    with connection.cursor() as cur:
        cur.execute("""
            WITH g AS (
                SELECT gr.id, u.id AS uid, row_number() OVER (ORDER BY gr.id) AS rn
                FROM grants_grant gr
                JOIN accounts_user u ON u.institution_id = gr.institution_id
                                    AND u.username LIKE 'bench-l-bank-%%'),
            drawn AS (
                SELECT s, 1 + ((s::bigint * 7919) %% (SELECT count(*) FROM g)) AS rn
                FROM generate_series(1, %s) AS s)
            INSERT INTO grants_grantread (grant_id, user_id, parts, channel, detail, at)
            SELECT g.id, g.uid,
                   CASE WHEN s %% 3 = 0 THEN '["profile"]' ELSE '["profile", "records"]' END::jsonb,
                   CASE WHEN s %% 5 = 0 THEN 'web' ELSE 'api' END, '信用档案',
                   now() - (s %% 525600) * interval '1 minute'
            FROM drawn JOIN g USING (rn)
        """, [n - mine])
        if target is not None and mine:
            cur.execute("""
                INSERT INTO grants_grantread (grant_id, user_id, parts, channel, detail, at)
                SELECT %s, %s, '["profile", "records"]'::jsonb, 'api', '信用档案',
                       now() - s * interval '3 hours'
                FROM generate_series(1, %s) AS s
            """, [target.pk, bank.pk, mine])
    return n


def proto_needs(people: dict[str, Any], subjects: list[Any], users: list[Any]) -> dict[str, Any]:
    """24 needs through the services, one of each fate; their timelines by status."""
    from xinyong.financing import services
    from xinyong.financing.models import FinancingNeed

    banks = people["banks"]
    made = []
    for i in range(24):
        bank = banks[i % len(banks)]
        chosen = [people["products"][bank.institution_id][0]] if i % 3 == 0 else []
        need = services.submit(users[i], str(100 + 20 * i), 12, "采购原材料、支付职工工资",
                               products=chosen, share_scope=["profile"] if i % 6 == 0 else [],
                               priority_flags=["epidemic_hit"] if i % 4 == 1 else [])
        if 6 <= i < 12:
            services.workflow.accept(need.pk, bank)
            if i >= 10:
                services.workflow.request_material(need.pk, bank, "请提供近一年财务报表及纳税证明")
        elif 12 <= i < 17:
            product = people["products"][bank.institution_id][0]
            services.outcome(bank, need.pk, "lent", amount_wan="100", rate="3.85", product=product)
        elif 17 <= i < 21:
            services.outcome(bank, need.pk, "declined", reason="经营流水不足，暂不符合授信条件")
        elif i >= 21:
            services.workflow.withdraw(need.pk, users[i], "已从他处融资")
        made.append(need.pk)
    timelines = {}
    for need in FinancingNeed.objects.filter(pk__in=made):
        timelines.setdefault(need.status, need.timeline)
    return timelines


def load_needs(people: dict[str, Any], subjects: list[Any], users: list[Any], total: int,
               timelines: dict[str, Any]) -> dict[str, int]:
    from django.utils import timezone

    from xinyong.casework import choices as c
    from xinyong.casework.timeline import new_query_code
    from xinyong.financing import choices
    from xinyong.financing.models import FinancingNeed
    from xinyong.lib import workdays

    rnd = random.Random(1717)
    today = timezone.localdate()
    banks = people["banks"]
    by_inst = {b.institution_id: b for b in banks}
    products = people["products"]
    all_products = [(pid, inst) for inst, pids in products.items() for pid in pids]
    inst_of = dict(all_products)
    add = cache(workdays.add_workdays)
    fates = ([c.SUBMITTED] * 30 + [c.ACCEPTED] * 15 + [c.AWAITING_MATERIAL] * 5
             + [choices.LENT] * 30 + [choices.DECLINED] * 12 + [c.WITHDRAWN] * 8)
    have = FinancingNeed.objects.count()
    codes: set[str] = set()
    counts: dict[str, int] = {}
    rows: list[Any] = []
    chosen_of: list[list[int]] = []
    for _ in range(max(0, total - have)):
        status = rnd.choice(fates)
        j = rnd.randrange(len(subjects))
        code = new_query_code("RZ")
        while code in codes:
            code = new_query_code("RZ")
        codes.add(code)
        open_to_all = rnd.random() < 0.8
        chosen = ([] if open_to_all
                  else sorted({p for p, _ in rnd.sample(all_products, rnd.choice([1, 1, 2]))}))
        open_statuses = (c.SUBMITTED, c.WITHDRAWN)
        submitted = today - dt.timedelta(days=rnd.randrange(0, 20) if status in open_statuses
                                         else rnd.randrange(5, 365))
        accept_by = add(submitted, 5)
        need = FinancingNeed(
            subject=subjects[j], unit=None, applicant=users[j], query_code=code, status=status,
            policy="platform-defaults", clause="信易贷", submitted_on=submitted, accept_by=accept_by,
            due_by=add(accept_by, 15), timeline=timelines.get(status) or timelines[c.SUBMITTED],
            amount_wan=Decimal(rnd.choice([30, 50, 100, 120, 200, 300, 500, 800, 1000])),
            term_months=rnd.choice([6, 12, 12, 24, 36]), purpose="采购原材料、支付职工工资",
            open_to_all=open_to_all)
        if rnd.random() < 0.3:
            need.share_scope, need.share_until = ["profile", "records"], submitted + dt.timedelta(days=90)
        if rnd.random() < 0.1:
            need.priority_flags, need.priority = ["epidemic_hit"], True
        if status not in open_statuses:
            inst = (inst_of[chosen[0]] if chosen
                    else banks[rnd.randrange(len(banks))].institution_id)
            need.institution_id = inst
            need.accepted_on = min(today, submitted + dt.timedelta(days=rnd.randrange(0, 5)))
            need.due_by = add(need.accepted_on, 15)
            if status == c.AWAITING_MATERIAL:
                need.paused_on = min(today, need.accepted_on + dt.timedelta(days=2))
                need.material_request = "请提供近一年财务报表及纳税证明"
            if status in (choices.LENT, choices.DECLINED):
                need.decided_on = min(today, need.accepted_on + dt.timedelta(days=rnd.randrange(1, 25)))
                need.decided_by = by_inst[inst]
                if status == choices.LENT:
                    need.lent_amount_wan = need.amount_wan * Decimal(rnd.choice(["1", "0.8", "0.5"]))
                    need.rate = Decimal(rnd.choice(["3.45", "3.85", "4.35", "4.90"]))
                    need.product_id = rnd.choice(products[inst]) if products.get(inst) else None
                    need.decision_reason = f"已放款 {need.lent_amount_wan} 万元"
                else:
                    need.decision_reason = "经营流水不足，暂不符合授信条件"
        elif status == c.WITHDRAWN:
            need.decided_on = min(today, submitted + dt.timedelta(days=rnd.randrange(0, 5)))
            need.decision_reason = "已从他处融资"
        counts[status] = counts.get(status, 0) + 1
        rows.append(need)
        chosen_of.append(chosen)
    made = FinancingNeed.objects.bulk_create(rows, batch_size=5000)
    through = FinancingNeed.products.through
    links = [through(financingneed_id=n.pk, product_id=p) for n, ps in zip(made, chosen_of, strict=True)
             for p in ps]
    through.objects.bulk_create(links, batch_size=10000)
    counts["links"] = len(links)
    return counts


def load_listing(people: dict[str, Any], subjects: list[Any], users: list[Any], codes: list[str],
                 listed: int, dishonest: int, submitted: int) -> dict[str, Any]:
    """The opted-in subjects; dishonest records published today for some of them (a few
    hundred through the determination, the rest clones); a stored grade for each."""
    from django.utils import timezone

    from xinyong.financing.models import HonestListing
    from xinyong.lists.models import Membership
    from xinyong.records import services as records
    from xinyong.records.models import Record
    from xinyong.scores.models import SubjectGrade

    rnd = random.Random(99)
    today = timezone.localdate()
    now = timezone.now()
    listed = min(listed, len(subjects))
    note = "主营医疗器械批发，寻求 200 万元流动资金贷款"
    rows = [HonestListing(subject=subjects[i], by=users[i], note=note,
                          opted_in_at=now - dt.timedelta(days=rnd.randrange(0, 300)),
                          opted_out_at=now if i % 20 == 3 else None) for i in range(listed)]
    HonestListing.objects.bulk_create(rows, batch_size=5000)
    bad = sorted(rnd.sample(range(listed), min(dishonest, listed)))
    real, clones = bad[:submitted], bad[submitted:]
    t0 = time.perf_counter()
    for k, i in enumerate(real):
        day = today - dt.timedelta(days=rnd.randrange(3, 60))
        records.submit(people["unit"], records.Submission(
            subject_kind="organization", subject_name=subjects[i].name, subject_code=codes[i],
            behavior=FINDINGS[k % len(FINDINGS)], occurred_on=day - dt.timedelta(days=3),
            decided_on=day, decision_no=f"榕马市监认〔{day.year}〕{1001 + k}号",
            facts="疫情防控期间经群众举报查实，情节比较严重", severity="serious"))
    t_submit = time.perf_counter() - t0
    protos = list(Record.objects.filter(subject_id__in=[subjects[i].pk for i in real])
                  .prefetch_related("memberships"))
    skip = {"id", "subject", "reported_name", "decision_no", "created_at", "updated_at"}
    fields = [f for f in Record._meta.concrete_fields if f.name not in skip]
    m_skip = {"id", "subject", "record"}
    m_fields = [f for f in Membership._meta.concrete_fields if f.name not in m_skip]
    made: list[Any] = []
    for k, i in enumerate(clones):
        proto = protos[k % len(protos)]
        r = Record(subject=subjects[i], reported_name=subjects[i].name,
                   decision_no=f"榕马市监认〔{proto.decided_on.year}〕{5001 + k}号",
                   **{f.attname: getattr(proto, f.attname) for f in fields})
        made.append(r)
    Record.objects.bulk_create(made, batch_size=5000)
    memberships = [Membership(subject_id=r.subject_id, record_id=r.pk,
                              **{f.attname: getattr(m, f.attname) for f in m_fields})
                   for k, r in enumerate(made)
                   for m in protos[k % len(protos)].memberships.all()]
    Membership.objects.bulk_create(memberships, batch_size=5000)
    bad_ids = {subjects[i].pk for i in bad}
    grades = [SubjectGrade(subject=s, grade="C" if s.pk in bad_ids else ("A" if i % 10 == 0 else "B"),
                           rule="serious_in_force" if s.pk in bad_ids else "otherwise",
                           policy="platform-defaults", computed_at=now, as_of=today)
              for i, s in enumerate(subjects[:listed])]
    SubjectGrade.objects.bulk_create(grades, batch_size=5000, ignore_conflicts=True)
    published = (Record.objects.published_on(today).filter(polarity="dishonest", subject_id__in=bad_ids)
                 .values("subject_id").distinct().count())
    return {"listed": listed, "opted_out": sum(1 for i in range(listed) if i % 20 == 3),
            "large": sum(1 for s in subjects[:listed] if s.scale == "large"),
            "dishonest": len(bad), "submitted": len(real), "cloned": len(clones),
            "memberships_cloned": len(memberships), "published_today": published,
            "submit_seconds": t_submit,
            "proto_statuses": sorted({p.status for p in protos}),
            "proto_lists": sorted({m.list_code for p in protos for m in p.memberships.all()})}


def load_records(others: list[Any], n: int) -> dict[str, int]:
    """`n` more records of subjects not on the list, so that the list's anti-join meets a
    records table of a platform's size: copies of the records made through the
    determination (the marked subject's good and dishonest ones, the listed subjects'
    dishonest ones: dates, status and trace kept), with their list memberships, in two
    INSERT … SELECT statements. The copy's external_id names its source record."""
    from django.db import connection

    from xinyong.lists.models import Membership
    from xinyong.records.models import Record

    protos = list(Record.objects.filter(external_id="").order_by("pk").values_list("pk", flat=True))
    if not n or not others or not protos:
        return {"records": 0, "memberships": 0}
    fixed = {"subject_id": "sub.id", "reported_name": "sub.name",
             "decision_no": "p.decision_no || '-' || g.s",
             "external_id": "'BENCH:' || p.id || ':' || g.s",
             "created_at": "now()", "updated_at": "now()"}
    cols = [f.column for f in Record._meta.concrete_fields if f.column != "id"]
    exprs = [fixed.get(c, f'p."{c}"') for c in cols]
    m_fixed = {"subject_id": "r.subject_id", "record_id": "r.id"}
    m_cols = [f.column for f in Membership._meta.concrete_fields if f.column != "id"]
    m_exprs = [m_fixed.get(c, f'm."{c}"') for c in m_cols]
    with connection.cursor() as cur:
        cur.execute(f"""
            WITH src AS (SELECT id, row_number() OVER (ORDER BY id) AS rn
                         FROM records_record WHERE id = ANY(%s)),
                 who AS (SELECT id, name, row_number() OVER (ORDER BY id) AS rn
                         FROM subjects_subject WHERE id = ANY(%s)),
                 g AS (SELECT s, 1 + s %% %s AS p_rn, 1 + (s::bigint * 7919) %% %s AS s_rn
                       FROM generate_series(1, %s) AS s)
            INSERT INTO records_record ({", ".join(f'"{c}"' for c in cols)})
            SELECT {", ".join(exprs)}
            FROM g JOIN src ON src.rn = g.p_rn JOIN records_record p ON p.id = src.id
                   JOIN who sub ON sub.rn = g.s_rn
        """, [protos, [o.pk for o in others], len(protos), len(others), n])
        made = cur.rowcount
        cur.execute(f"""
            INSERT INTO lists_membership ({", ".join(f'"{c}"' for c in m_cols)})
            SELECT {", ".join(m_exprs)}
            FROM records_record r
            JOIN lists_membership m ON m.record_id = split_part(r.external_id, ':', 2)::int
            WHERE r.external_id LIKE 'BENCH:%%'
        """)
        return {"records": made, "memberships": cur.rowcount, "sources": len(protos)}


def load_volume(people: dict[str, Any], marked: Any, owner: Any) -> dict[str, Any]:
    from django.db import connection

    n_listed = env_int("BENCH_LOANS_LISTED", 20000)
    n_subjects = max(env_int("BENCH_LOANS_SUBJECTS", 30000), n_listed, 100)
    secs: dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        secs[name] = time.perf_counter() - t
        t = time.perf_counter()
        print(f"  {name}: {secs[name]:.0f} s", file=sys.stderr, flush=True)

    subjects, users, codes = load_subjects(n_subjects)
    lap("subjects")
    # Needs first through the services (some share a part of the file: grants with them).
    timelines = proto_needs(people, subjects[-24:], users[-24:])
    lap("proto_needs")
    grants = load_grants(people, marked, owner, subjects, users, env_int("BENCH_LOANS_GRANTS", 100000))
    lap("grants")
    reads = load_reads(marked, env_int("BENCH_LOANS_READS", 1000000), people["banks"][0])
    lap("reads")
    needs = load_needs(people, subjects, users, env_int("BENCH_LOANS_NEEDS", 50000), timelines)
    lap("needs")
    # The listed subjects spread over the others (ids interleaved, as on a real platform).
    step = len(subjects) / n_listed
    on = sorted({int(i * step) for i in range(n_listed)})
    off = sorted(set(range(len(subjects))) - set(on))
    order = on + off
    listing = load_listing(people, [subjects[i] for i in order], [users[i] for i in order],
                           [codes[i] for i in order], n_listed,
                           env_int("BENCH_LOANS_DISHONEST", n_listed // 10),
                           env_int("BENCH_LOANS_SUBMITTED", 300))
    lap("listing")
    records = load_records([subjects[i] for i in off], env_int("BENCH_LOANS_RECORDS", 200000))
    lap("records")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    lap("analyze")
    return {"subjects": n_subjects, "grants": grants, "reads": reads, "needs": needs,
            "listing": listing, "records": records, "seconds": secs}


def interleaved(cases: list[tuple[Any, str, str]], runs: int, warmup: int) -> list[dict[str, Any]]:
    """Each case (client, path, authorization) requested in turn, `runs` rounds after
    `warmup` (round robin: other work on the machine falls on every case alike); then the
    queries of one more request of each, with their summed and slowest database time."""
    def get(client: Any, path: str, auth: str) -> Any:
        return client.get(path, HTTP_AUTHORIZATION=auth) if auth else client.get(path)

    for _ in range(warmup):
        for case in cases:
            get(*case)
    ms: list[list[float]] = [[] for _ in cases]
    for _ in range(runs):
        for k, case in enumerate(cases):
            t, response = timed(partial(get, *case))
            if response.status_code != 200:
                sys.exit(f"{case[1]}: HTTP {response.status_code} {response.content[:400]!r}")
            ms[k].append(t)
    out = []
    for k, case in enumerate(cases):
        queries, response, sqls, secs = capture_timed(partial(get, *case))
        worst = max(range(len(secs)), key=secs.__getitem__) if secs else None
        out.append({"times": percentiles(ms[k]), "queries": queries, "bytes": len(response.content),
                    "response": response, "sqls": sqls, "sql_ms": sum(secs) * 1000,
                    "slowest_ms": secs[worst] * 1000 if worst is not None else 0.0,
                    "slowest": sqls[worst] if worst is not None else ""})
    return out


def get_all(client: Any, path: str, runs: int, warmup: int, auth: str = "") -> dict[str, Any]:
    return interleaved([(client, path, auth)], runs, warmup)[0]


def shape(sql: str, width: int = 70) -> str:
    """A query shortened for the report (columns without their table): what it selects if
    that is short, what it reads, and how it orders."""
    import re

    sql = re.sub(r'"\w+"\."(\w+)"', r"\1", sql)
    if not sql.startswith("SELECT") or " FROM " not in sql:
        return sql[:width] + "…"
    head, rest = sql.split(" FROM ", 1)
    tail = ""
    if " ORDER BY " in rest:
        rest, order = rest.rsplit(" ORDER BY ", 1)
        tail = " … ORDER BY " + order[:width]
    cut = rest[:width] + ("…" if len(rest) > width else "")
    return f"{head if len(head) <= 80 else 'SELECT …'} FROM {cut}{tail}"


def top_queries(sqls: list[str], k: int = 3) -> list[list[Any]]:
    """The most repeated query shapes (numbers blanked), for N+1 hunting."""
    import re

    shapes: dict[str, int] = {}
    for sql in sqls:
        key = shape(re.sub(r"\b\d+\b", "?", sql))
        shapes[key] = shapes.get(key, 0) + 1
    return [[n, s] for s, n in sorted(shapes.items(), key=lambda x: -x[1])[:k] if n > 1]


def bench_file(people: dict[str, Any], marked: Any, runs: int) -> dict[str, Any]:
    from django.test import Client
    from django.utils import timezone

    from xinyong.accounts.models import ApiToken
    from xinyong.grants import services as grants
    from xinyong.grants.models import Grant, GrantRead

    bank, other, office = people["banks"][0], people["banks"][1], people["office"]
    tokens = {name: "Bearer " + ApiToken.issue(user, "bench-credit-loans")[1]
              for name, user in (("bank", bank), ("other", other), ("office", office))}
    client = Client()
    path = f"/api/v1/subjects/{marked.pk}"
    viewers = [("bank, under its grant", tokens["bank"]), ("another bank, no grant", tokens["other"]),
               ("office", tokens["office"]), ("anonymous", "")]
    before = GrantRead.objects.count()
    measured = interleaved([(client, path, auth) for _, auth in viewers], runs, 10)
    logged = GrantRead.objects.count() - before
    rows = []
    for (label, _), r in zip(viewers, measured, strict=True):
        data = r["response"].json()
        rows.append({"viewer": label, "times": r["times"], "queries": r["queries"],
                     "sql_ms": r["sql_ms"], "bytes": r["bytes"],
                     "records": len(data.get("records", [])),
                     "grant": (data.get("grant") or {}).get("scope"),
                     "top": top_queries(r["sqls"])})
    today = timezone.localdate()
    ms_grant, ms_log = [], []
    for _ in range(10):
        grants.live_grant(bank, marked, today)
    for _ in range(runs):
        t, found = timed(partial(grants.live_grant, bank, marked, today))
        ms_grant.append(t)
    assert found is not None
    q_grant, _, sql_grant = capture(partial(grants.live_grant, bank, marked, today))
    for _ in range(runs):
        t, _ = timed(partial(grants.log_read, found, bank, ["profile", "records"], "api",
                             detail="信用档案"))
        ms_log.append(t)
    q_log, _ = count_queries(partial(grants.log_read, found, bank, ["profile", "records"], "api",
                                     detail="信用档案"))
    plan = explain(sql_grant[-1])
    lists = []
    for label, auth in (("bank", tokens["bank"]), ("office", tokens["office"])):
        r = get_all(client, "/api/v1/grants?page_size=50", max(3, runs // 20), 1, auth)
        lists.append({"viewer": label, "times": r["times"], "queries": r["queries"],
                      "total": r["response"].json()["total"], "sqls": r["sqls"]})
    big = max(lists, key=lambda x: x["times"]["median"])
    page_sql = next((s for s in big["sqls"] if "COUNT(" in s.upper() and "LIMIT" in s.upper()), None)
    list_plan = explain(page_sql) if page_sql else []
    for x in lists:
        del x["sqls"]
    return {"rows": rows, "live_grant": {"times": percentiles(ms_grant), "queries": q_grant,
                                         "grants_found": len(Grant.objects.live_on(today).filter(
                                             subject=marked, institution_id=bank.institution_id))},
            "log_read": {"times": percentiles(ms_log), "queries": q_log}, "plan": plan,
            "grant_lists": lists, "grant_list_plan": list_plan, "grant_list_plan_of": big["viewer"],
            "marked_records": rows[2]["records"], "reads_logged": logged}


def bench_needs(people: dict[str, Any], runs: int) -> dict[str, Any]:
    from django.test import Client
    from django.utils import timezone

    from xinyong.accounts.models import ApiToken
    from xinyong.financing.models import FinancingNeed

    bank, office = people["banks"][0], people["office"]
    token = "Bearer " + ApiToken.issue(bank, "bench-credit-loans-needs")[1]
    api = Client()
    web, web_office = Client(), Client()
    web.force_login(bank)
    web_office.force_login(office)
    visible = FinancingNeed.objects.visible_to(bank)
    facts = {"visible": visible.count(), "open": visible.open().count(),
             "own": FinancingNeed.objects.filter(institution_id=bank.institution_id).count(),
             "all": FinancingNeed.objects.count(),
             "overdue_open": visible.overdue(timezone.localdate()).count()}
    cases = [("API, the bank", api, "/api/v1/financing/needs?page_size=50", token),
             ("web queue, the bank (open)", web, "/financing/needs/", ""),
             ("web queue, the bank (?status=all)", web, "/financing/needs/?status=all", ""),
             ("web queue, the office (?status=all)", web_office, "/financing/needs/?status=all", "")]
    rows = []
    measured = interleaved([(client, path, auth) for _, client, path, auth in cases], runs, 2)
    for (label, _, path, _), r in zip(cases, measured, strict=True):
        body = r["response"].content.decode()
        items = (len(r["response"].json()["items"]) if path.startswith("/api/")
                 else body.count(" data-case="))
        rows.append({"what": label, "path": path, "times": r["times"], "queries": r["queries"],
                     "bytes": r["bytes"], "items": items, "top": top_queries(r["sqls"]),
                     "sql_ms": r["sql_ms"], "slowest_ms": r["slowest_ms"], "slowest": shape(r["slowest"])})
    office_all, api_page = measured[-1]["slowest"], measured[0]["slowest"]
    # The count behind the bank's list (visible_to: its own, or waiting and open to it).
    _, _, sqls = capture(lambda: FinancingNeed.objects.visible_to(bank).count())
    return {"facts": facts, "rows": rows, "plan": explain(sqls[-1]),
            "office_plan": explain(office_all) if office_all.startswith("SELECT") else [],
            "api_plan": explain(api_page) if api_page.startswith("SELECT") else []}


def bench_honest(people: dict[str, Any], runs: int) -> dict[str, Any]:
    from django.test import Client
    from django.utils import timezone

    from xinyong.accounts.models import ApiToken
    from xinyong.financing import services

    bank = people["banks"][0]
    token = "Bearer " + ApiToken.issue(bank, "bench-credit-loans-list")[1]
    client = Client()
    today = timezone.localdate()
    total = services.honest_smes(today).count()
    deep = max(1, int((total + 49) // 50 * 0.8))
    pages = [("page 1", 1), (f"page {deep} (deep)", deep)]
    measured = interleaved([(client, f"/api/v1/financing/honest-smes?page={page}&page_size=50", token)
                            for _, page in pages], runs, 2)
    rows = []
    for (label, _), r in zip(pages, measured, strict=True):
        data = r["response"].json()
        rows.append({"what": label, "times": r["times"], "queries": r["queries"], "bytes": r["bytes"],
                     "items": len(data["items"]), "total": data["total"], "sql_ms": r["sql_ms"],
                     "slowest_ms": r["slowest_ms"], "slowest": shape(r["slowest"]),
                     "top": top_queries(r["sqls"])})
    _, _, count_sql = capture(lambda: services.honest_smes(today).count())
    start = (deep - 1) * 50
    _, _, page_sql = capture(lambda: list(services.honest_smes(today)[start:start + 50]))
    return {"total": total, "rows": rows, "count_plan": explain(count_sql[-1]),
            "page_plan": explain(page_sql[-1])}


def bench_stats(people: dict[str, Any], runs: int) -> dict[str, Any]:
    import logging

    from django.test import Client

    from xinyong.accounts.models import ApiToken
    from xinyong.financing import services
    from xinyong.financing.models import FinancingNeed

    counter = Counter()
    logging.getLogger("xinyong.lib.workdays").addFilter(counter)
    ms, warnings = [], []
    for _ in range(runs):
        before = counter.n
        t, result = timed(services.stats)
        ms.append(t)
        warnings.append(counter.n - before)
    t_counted, (queries, _, sqls, secs) = timed(lambda: capture_timed(services.stats))
    lent = FinancingNeed.objects.filter(status="lent").count()
    # The working days of every loan alone, as `_days` counts them for all needs.
    t_days, _ = timed(lambda: services._days(FinancingNeed.objects.filter(status="lent")
                                             .values_list("submitted_on", "decided_on")))
    token = "Bearer " + ApiToken.issue(people["office"], "bench-credit-loans-stats")[1]
    t_api, response = timed(lambda: Client().get("/api/v1/financing/stats", HTTP_AUTHORIZATION=token))
    if response.status_code != 200:
        sys.exit(f"/api/v1/financing/stats: HTTP {response.status_code} {response.content[:300]!r}")
    return {"ms": ms, "median": statistics.median(ms), "queries": queries, "warnings": warnings,
            "institutions": len(result["by_institution"]), "products": len(result["by_product"]),
            "lent": lent, "days_to_lend_ms": t_days, "counted_ms": t_counted,
            "sql_ms": sum(secs) * 1000, "api_ms": t_api,
            "top": top_queries(sqls), "all": {k: str(v) for k, v in result["all"].items()}}


def child(keep: bool) -> None:
    import django

    django.setup()
    from django.utils import timezone

    from xinyong.financing.models import FinancingNeed, HonestListing
    from xinyong.grants.models import Grant, GrantRead
    from xinyong.lists.models import Membership
    from xinyong.records.models import Record
    from xinyong.subjects.models import Subject

    started = time.perf_counter()
    result: dict[str, Any] = {"day": timezone.localdate().isoformat(), "code": code_state(),
                              "load": [os.getloadavg()[0]]}
    people = setup_people(env_int("BENCH_LOANS_INSTITUTIONS", 50), env_int("BENCH_LOANS_PRODUCTS", 200))
    filled = keep and Subject.objects.filter(name=MARKER).exists()
    marked, owner = make_marked(people)
    if not filled:
        result["volume"] = load_volume(people, marked, owner)
    print(f"volume done ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    result["counts"] = {"grants": Grant.objects.count(), "reads": GrantRead.objects.count(),
                        "needs": FinancingNeed.objects.count(),
                        "listings": HonestListing.objects.count(),
                        "subjects": Subject.objects.count(), "records": Record.objects.count(),
                        "memberships": Membership.objects.count()}
    runs = env_int("BENCH_LOANS_REQUESTS", 200)
    page_runs = env_int("BENCH_LOANS_PAGE_RUNS", 20)
    result["file"] = bench_file(people, marked, runs)
    print(f"file done ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    result["needs"] = bench_needs(people, page_runs)
    print(f"needs done ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    result["honest"] = bench_honest(people, page_runs)
    print(f"honest done ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    result["stats"] = bench_stats(people, env_int("BENCH_LOANS_STATS_RUNS", 3))
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
        sys.exit(f"credit loans benchmark failed (stderr in {log}):\n{tail}")
    r: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    r["stderr_mb"] = log.stat().st_size / 1e6
    return r


def ms(x: dict[str, float]) -> str:
    return f"{x['median']:.1f} / {x['p95']:.1f} / {x['max']:.1f}"


def repeated(top: list[list[Any]]) -> str:
    if not top:
        return "none"
    return "; ".join(f"{n}× `{s[:90]}…`" for n, s in top[:2])


def section(r: dict[str, Any]) -> list[str]:
    code = r["code"]
    dirty = code["dirty"]
    changed = r["code_after"]["dirty"] != dirty or r["code_after"]["head"] != code["head"]
    n = r["counts"]
    lines = [
        "", SECTION, "",
        f"Run on {r['day']} (the platform's day, Asia/Shanghai) in {r['seconds']:.0f} s (one warm "
        f"child process). Code: commit {code['head']}, tree "
        + (f"dirty ({len(dirty)} paths: {', '.join(dirty[:12])}" + (" …" if len(dirty) > 12 else "")
           + ")" if dirty else "clean")
        + (" — **the tree changed during the run**" if changed else "") + ".",
        f"Database: {n['grants']:,} grants, {n['reads']:,} reads under them, {n['needs']:,} financing "
        f"needs, {n['listings']:,} honest-SME listings, {n['subjects']:,} subjects, "
        f"{n['records']:,} records, {n['memberships']:,} list memberships. Load average "
        f"(1 min) at the start and the end of the child: {r['load'][0]:.1f}, {r['load'][1]:.1f}.",
    ]
    v = r.get("volume")
    if v:
        s, g, nd, li = v["seconds"], v["grants"], v["needs"], v["listing"]
        lines.append(
            f"Volume: {v['subjects']:,} enterprises with a user each ({s['subjects']:.0f} s); 24 needs "
            f"through the services ({s['proto_needs']:.0f} s); grants bulk_create: {g['live']:,} in "
            f"force, {g['revoked']:,} revoked, {g['expired']:,} expired ({s['grants']:.0f} s); "
            f"{v['reads']:,} reads by INSERT … SELECT ({s['reads']:.0f} s); needs bulk_create: "
            + ", ".join(f"{k} {x:,}" for k, x in nd.items() if k != "links")
            + f", {nd['links']:,} chosen-product links ({s['needs']:.0f} s); {li['listed']:,} listings "
            f"({li['opted_out']:,} opted out, {li['large']:,} large), {li['dishonest']:,} of them with a "
            f"dishonest record ({li['submitted']:,} through `records.services.submit` in "
            f"{li['submit_seconds']:.0f} s, statuses {li['proto_statuses']}, lists "
            f"{li['proto_lists'] or 'none'}; {li['cloned']:,} cloned with {li['memberships_cloned']:,} "
            f"memberships); {li['published_today']:,} of those subjects have a dishonest record "
            f"published today ({s['listing']:.0f} s in all); {v['records']['records']:,} more records "
            f"of subjects not on the list, copied from the {v['records'].get('sources', 0)} made "
            f"through the determination, with {v['records']['memberships']:,} memberships "
            f"({s['records']:.0f} s).")
    f = r["file"]
    lines += [
        "", "### (a) The credit file under a grant", "",
        f"`GET /api/v1/subjects/{{id}}` of a subject with 12 records ({f['marked_records']} shown to the "
        f"office), {f['rows'][0]['times']['n']} rounds after 10 warm-up, the four viewers in turn; the "
        "queries of one more request each (their database time summed). The bank holds a general "
        "grant of every part and a need's grant (profile, records); its requests logged "
        f"{f['reads_logged']:,} reads. Milliseconds.", "",
        "| viewer | median / p95 / max | SQL queries | of which in the database | records shown "
        "| grant scope | size |",
        "|---|---|---|---|---|---|---|",
        *[f"| {x['viewer']} | {ms(x['times'])} | {x['queries']} | {x['sql_ms']:.1f} | {x['records']} | "
          f"{', '.join(x['grant']) if x['grant'] else '–'} | "
          f"{x['bytes'] / 1e3:.1f} kB |" for x in f["rows"]],
        "",
        f"Alone: `grants.services.live_grant` **{ms(f['live_grant']['times'])} ms** "
        f"({f['live_grant']['queries']} query; {f['live_grant']['grants_found']} grants in force "
        f"found); `grants.services.log_read` **{ms(f['log_read']['times'])} ms** "
        f"({f['log_read']['queries']} queries: the GrantRead row and the audit event). "
        f"The under-grant request costs "
        f"{f['rows'][0]['times']['median'] - f['rows'][2]['times']['median']:+.1f} ms against the "
        "office's (median).",
        "", "Plan of the grant look-up:", "", "```", *f["plan"][:12], "```", "",
        "| `GET /api/v1/grants?page_size=50` | median / p95 / max | SQL queries | total |",
        "|---|---|---|---|",
        *[f"| {x['viewer']} | {ms(x['times'])} | {x['queries']} | {x['total']:,} |"
          for x in f["grant_lists"]],
    ]
    if f["grant_list_plan"]:
        t = plan_time(f["grant_list_plan"])
        lines += ["", f"Plan of the grant list's page query ({f['grant_list_plan_of']}; "
                      f"execution {t:,.1f} ms):" if t is not None else "Plan of the grant list's page query:",
                  "", "```", *f["grant_list_plan"][:16], "```"]
    nd = r["needs"]
    fa = nd["facts"]
    lines += [
        "", "### (b) An institution's needs", "",
        f"The first bank sees {fa['visible']:,} of {fa['all']:,} needs ({fa['open']:,} open, "
        f"{fa['own']:,} it took, {fa['overdue_open']:,} overdue). "
        f"{nd['rows'][0]['times']['n']} rounds after 2 warm-up, the four requests in turn; the queries "
        "of one more (database time summed, and the slowest). Milliseconds.", "",
        "| request | median / p95 / max | SQL queries | database / slowest | rows | size "
        "| most repeated query |",
        "|---|---|---|---|---|---|---|",
        *[f"| {x['what']}: `{x['path']}` | {ms(x['times'])} | {x['queries']} | "
          f"{x['sql_ms']:.0f} / {x['slowest_ms']:.0f} | {x['items']} | "
          f"{x['bytes'] / 1e3:.0f} kB | {repeated(x['top'])} |" for x in nd["rows"]],
        "", "The slowest query of each: "
        + "; ".join(f"{x['what']}: `{x['slowest']}`" for x in nd["rows"]) + ".",
        "", f"Plan of the count of the bank's needs (`visible_to`; execution "
            f"{plan_time(nd['plan']) or 0:,.1f} ms):", "", "```", *nd["plan"][:16], "```",
    ]
    if nd.get("api_plan"):
        lines += ["", f"Plan of the slowest query of the bank's API list (execution "
                      f"{plan_time(nd['api_plan']) or 0:,.1f} ms):", "", "```",
                  *nd["api_plan"][:14], "```"]
    if nd.get("office_plan"):
        lines += ["", f"Plan of the slowest query of the office's `?status=all` (execution "
                      f"{plan_time(nd['office_plan']) or 0:,.1f} ms):", "", "```",
                  *nd["office_plan"][:14], "```"]
    h = r["honest"]
    lines += [
        "", "### (c) The honest-SME list", "",
        f"`GET /api/v1/financing/honest-smes` as the bank: {h['total']:,} subjects on the list. "
        f"{h['rows'][0]['times']['n']} rounds after 2 warm-up, the two pages in turn; the queries of "
        "one more (database time summed, and the slowest). Milliseconds.", "",
        "| page | median / p95 / max | SQL queries | database / slowest | items | size "
        "| most repeated query |",
        "|---|---|---|---|---|---|---|",
        *[f"| {x['what']} | {ms(x['times'])} | {x['queries']} | {x['sql_ms']:.0f} / "
          f"{x['slowest_ms']:.0f} | {x['items']} | "
          f"{x['bytes'] / 1e3:.0f} kB | {repeated(x['top'])} |" for x in h["rows"]],
        "", f"EXPLAIN ANALYZE of the count (execution {plan_time(h['count_plan']) or 0:,.1f} ms):", "",
        "```", *h["count_plan"][:34], "```", "",
        f"EXPLAIN ANALYZE of the deep page's query (execution {plan_time(h['page_plan']) or 0:,.1f} ms):",
        "", "```", *h["page_plan"][:24], "```",
    ]
    st = r["stats"]
    lines += [
        "", "### (d) Statistics", "",
        f"`financing.services.stats()` over {n['needs']:,} needs ({st['lent']:,} lent), "
        f"{st['institutions']} institutions and {st['products']} products with loans: runs "
        f"{', '.join(f'{m:,.0f}' for m in st['ms'])} ms (median **{st['median']:,.0f} ms**), "
        f"**{st['queries']} SQL queries** (a counted run: {st['counted_ms']:,.0f} ms, of which "
        f"{st['sql_ms']:,.0f} ms in the database); `lib.workdays` warnings per run: "
        f"{st['warnings'][0]:,}. "
        f"The working days to lend of every loan alone (`_days` over all loans): "
        f"{st['days_to_lend_ms']:,.0f} ms. `GET /api/v1/financing/stats` as the office: "
        f"{st['api_ms']:,.0f} ms. Most repeated queries: {repeated(st['top'])}.",
        "", f"Totals: {', '.join(f'{k} {x}' for k, x in st['all'].items())}.",
    ]
    return lines + standing_out(r)


def standing_out(r: dict[str, Any]) -> list[str]:
    """What the numbers say of the code, computed: queries repeated per row (N+1), and the
    database's share of the slow requests."""
    found = []
    for where, rows in (("(a)", r["file"]["rows"]), ("(b)", r["needs"]["rows"]),
                        ("(c)", r["honest"]["rows"])):
        for x in rows:
            for n, shape in x["top"]:
                if n >= 10:
                    found.append(f"{where} {x.get('viewer') or x.get('what')}: the same query {n} times "
                                 f"in one request (`{shape[:100]}…`): one per row shown.")
    st = r["stats"]
    if st["queries"] > 20:
        found.append(f"(d) `services.stats` makes {st['queries']} queries: "
                     + "; ".join(f"{n}× `{s[:80]}…`" for n, s in st["top"][:2])
                     + " (per institution and per product).")
    return (["", "### What stands out", "", *[f"- {x}" for x in found]] if found else [])


def main(work: Path | None = None, keep: bool = False) -> list[str]:
    work = work or Path(tempfile.mkdtemp(prefix="xinyong-bench-credit-loans-"))
    work.mkdir(parents=True, exist_ok=True)
    db = os.getenv("BENCH_LOANS_DB", "xinyong_bench_credit_loans")
    url, filled = fresh_db(db, keep, "subjects_subject", "name = %s", (MARKER,))
    var = ROOT / "var" / f"bench-{db}"
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_VAR_DIR": str(var)}
    if not filled:
        sh([str(BIN / "xinyong"), "migrate", "--no-input"], env)
    return section(measure(url, var, work, filled))


if __name__ == "__main__":
    standalone("Credit loans benchmark", __doc__ or "", child, main)
