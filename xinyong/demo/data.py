"""Demo data: units, one user per role, subjects with valid codes, and (once the policy
packs are loaded) a few records under both notices, a green-channel repair application and
an open objection, so every page has something to show. Loading is idempotent.

The codes are made up but valid (check digits computed); the password is for a demo only
and is printed by `make run`. With XINYONG_DEBUG off `xinyong demo` runs only with --force,
and the office's home page names the demo accounts that still accept that password.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.utils import timezone

from xinyong.accounts.models import Institution, Role, Unit, User
from xinyong.articles import demo as articles_demo
from xinyong.certificates import services as certificates
from xinyong.certificates.models import Certificate
from xinyong.commitments import services as commitments
from xinyong.commitments.models import Campaign
from xinyong.lib.dates import add_months
from xinyong.lib.errors import DomainError
from xinyong.licences import services as licences
from xinyong.objections import services as objections
from xinyong.objections.models import Objection
from xinyong.policies import rulebook
from xinyong.records import services as records
from xinyong.records.models import Record
from xinyong.records.penalties import Penalty
from xinyong.repairs import services as repairs
from xinyong.repairs.models import Repair
from xinyong.subjects.models import Subject, get_or_create_subject

DEMO_PASSWORD = "xinyong-demo-2026"  # noqa: S105 (printed by make run; demo only)

# (USCC, name, 行政区划代码): 马尾区 units report under the 福州 notice, the 太仓 unit under
# 太仓's; each only under the packs of its own jurisdiction.
UNITS = [
    ("113501050030000041", "市场监督管理局", "350105"),
    ("11350105003000001P", "发展和改革局", "350105"),
    ("11350105003000002T", "卫生健康委员会", "350105"),
    ("11350105003000003X", "公安局", "350105"),
    ("113501050030000054", "商务局", "350105"),
    ("113501050030000067", "税务局", "350105"),
    ("11320585003000001U", "太仓市农业农村局", "320585"),
]

SUBJECTS = [
    ("organization", "91350105MA2Y00001R", "福州马尾康宁医疗器械有限公司"),
    ("organization", "91350105MA2Y00002W", "福州闽江生鲜超市有限公司"),
    ("organization", "91320585MA1N000039", "太仓娄江纺织进出口有限公司"),
    ("organization", "91350100M000100Y43", "福州示例信用科技有限公司"),
    ("individual_business", "92350105MA2Y000040", "马尾区老陈药店"),
    ("person", "350105198506123010", "陈明"),
    ("person", "350105199203044520", "林晓"),
]

# 企业规模 as the office would have set it: 福州 一.2 gives these two fewer inspections.
SCALES = {"91350105MA2Y00002W": "small", "92350105MA2Y000040": "micro",
          "91350105MA2Y00001R": "medium"}


# Financial institutions (信易贷): (USCC, name, region); the demo bank user works for the first.
INSTITUTIONS = [("91350100MA2Y0BANK8", "示例农商银行马尾支行", "350105")]
INSTITUTION_USERS = {"bank": INSTITUTIONS[0][0]}


@dataclass
class DemoLogin:
    username: str
    role: str
    note: str


DEMO_USERS = [
    ("office", Role.OFFICE, None, None, "信用办管理员"),
    ("scjg", Role.DEPARTMENT, "113501050030000041", None, "市场监督管理局信用联络员"),
    ("kangning", Role.SUBJECT, None, "91350105MA2Y00001R", "康宁医疗器械（企业用户）"),
    ("bank", Role.INSTITUTION, None, None, "示例银行信易贷专员"),
    ("tcny", Role.DEPARTMENT, "11320585003000001U", None, "太仓市农业农村局信用联络员"),
    ("loujiang", Role.SUBJECT, None, "91320585MA1N000039", "娄江纺织进出口（出口企业用户）"),
]



def accounts_with_demo_password() -> list[str]:
    """The demo accounts that can still log in with the published demo password.

    Known by what makes them a risk, not by name alone: an account the office made and
    happened to call "office" is not one, and a demo account whose password was changed,
    or that was deactivated (or whose unit was), is no longer one.
    """
    names = [username for username, *_ in DEMO_USERS]
    rows = (User.objects.filter(username__in=names, is_active=True)
            .exclude(unit__is_active=False).values_list("username", "password"))
    found = {username for username, encoded in rows if _is_demo_hash(encoded)}
    return [name for name in names if name in found]


@lru_cache(maxsize=64)
def _is_demo_hash(encoded: str) -> bool:
    # A stored hash never changes in place, so each is verified once per process (with
    # production's Argon2 settings a verification takes about 0.1 s).
    return check_password(DEMO_PASSWORD, encoded)


# (reporting unit, subject code, behaviour, days before today it was decided, decision
# number, severity, facts). Dated from today so that they are in publicity whenever the
# demo is loaded. Each unit reports under its own jurisdiction's packs.
MAWEI, TAICANG = "113501050030000041", "11320585003000001U"
RECORDS = [
    (MAWEI, "91350105MA2Y00001R", "fz_mask_fraud", 400, "榕马市监罚〔演示〕1号", "serious",
     "疫情期间销售不符合标准的医用口罩 2000 只"),
    (MAWEI, "91350105MA2Y00001R", "administrative_penalty", 20, "榕马市监罚〔演示〕2号", "general",
     "未按规定明码标价"),
    (MAWEI, "91350105MA2Y00002W", "administrative_penalty", 120, "榕马市监罚〔演示〕3号", "general",
     "哄抬蔬菜价格，已责令改正"),
    (TAICANG, "91320585MA1N000039", "tc_wildlife_trade", 70, "太农罚〔演示〕4号", "serious",
     "非法收购、出售野生动物"),
    (TAICANG, "91320585MA1N000039", "tc_work_resumption_not_as_required", 25,
     "太农责改〔演示〕7号", "general", "未按复工复产方案落实返岗职工健康监测，已责令整改"),
    (MAWEI, "350105198506123010", "administrative_penalty", 30, "榕马市监罚〔演示〕5号", "serious",
     "销售过期药品"),
    (MAWEI, "92350105MA2Y000040", "fz_donation", 300, "马尾区表彰〔演示〕6号", "general",
     "向疫情防控一线捐赠药品"),
]


# 行政处罚信息 of the demo penalties (双公示): (categories, content, fine in 万元).
PENALTIES = {
    "榕马市监罚〔演示〕2号": (("警告", "罚款"), "警告，并处罚款 0.5 万元", "0.5"),
    "榕马市监罚〔演示〕3号": (("罚款", "没收违法所得"), "罚款 3 万元，没收违法所得 0.8 万元", "3"),
    "榕马市监罚〔演示〕5号": (("罚款",), "罚款 1.5 万元", "1.5"),
}
PENALTY_BASIS = "《中华人民共和国价格法》第四十二条"

# 行政许可 (双公示) the market regulator granted: (USCC, number, kind, licence, licence no.,
# content, days ago, years valid).
LICENCES = [
    ("91350105MA2Y00001R", "榕马市监许〔演示〕1号", "普通", "第二类医疗器械经营备案凭证",
     "闽榕食药监械经营备20260001号", "第二类医疗器械批发、零售", 40, 5),
    ("91350105MA2Y00002W", "榕马市监许〔演示〕2号", "普通", "食品经营许可证", "JY13501050012345",
     "预包装食品、散装食品、生鲜食品销售", 15, 5),
    ("92350105MA2Y000040", "榕马市监许〔演示〕3号", "普通", "药品经营许可证", "闽CB5910001",
     "中成药、化学药制剂零售", 5, 5),
]


@transaction.atomic
def load() -> list[DemoLogin]:
    for code, name, region in UNITS:
        unit, _ = Unit.objects.get_or_create(code=code, defaults={"name": name, "region": region})
        if not unit.region:  # loaded by a version of the demo that had no regions
            Unit.objects.filter(pk=unit.pk).update(region=region)
    for kind, code, name in SUBJECTS:
        subject, created = get_or_create_subject(kind, code, name)
        if created and code in SCALES:
            Subject.objects.filter(pk=subject.pk).update(scale=SCALES[code])
    for code, name, region in INSTITUTIONS:
        Institution.objects.get_or_create(code=code, defaults={"name": name, "region": region})
    logins = []
    for username, role, unit_code, subject_code, note in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, role=role, display_name=note)
            user.unit = Unit.objects.get(code=unit_code) if unit_code else None
            user.subject = Subject.objects.get(code=subject_code) if subject_code else None
            if username in INSTITUTION_USERS:
                user.institution = Institution.objects.get(code=INSTITUTION_USERS[username])
            user.set_password(DEMO_PASSWORD)
            user.save()
        logins.append(DemoLogin(username, role, note))
    if rulebook.current().entries:  # without packs there are no rules to determine records
        load_cases()
        from xinyong.scores.refresh import refresh

        refresh()  # every subject's points and grade, as the nightly run would
    return logins


def load_cases(today: dt.date | None = None) -> None:
    """Records by the market regulator, the enterprise user's repair application for the
    oldest one (green channel: medical supplies) and its objection to the newest one."""
    today = today or timezone.localdate()
    reporters = {MAWEI: User.objects.get(username="scjg"),
                 TAICANG: User.objects.get(username="tcny")}
    by_number: dict[str, Record] = {}
    for unit_code, code, behavior, days_ago, number, severity, facts in RECORDS:
        unit, reporter = Unit.objects.get(code=unit_code), reporters[unit_code]
        kind, _, name = next(s for s in SUBJECTS if s[1] == code)
        decided = today - dt.timedelta(days=days_ago)
        details = PENALTIES.get(number)
        penalty = None if details is None else Penalty(
            category=details[0], content=details[1], fine_wan=Decimal(details[2]),
            basis=PENALTY_BASIS, authority_name=f"福州市马尾区{unit.name}",
            authority_code=unit.code)
        by_number[number], _ = records.submit(unit, records.Submission(
            subject_kind=kind, subject_name=name, subject_code=code, behavior=behavior,
            occurred_on=decided - dt.timedelta(days=15), decided_on=decided,
            decision_no=number, facts=facts, severity="" if penalty else severity,
            violation_type="违反价格管理规定" if penalty else "", penalty=penalty,
        ), actor=reporter, source="form", today=today)
    market = Unit.objects.get(code=UNITS[0][0])
    for code, number, licence_kind, title, licence_no, content, days_ago, years in LICENCES:
        kind, _, name = next(s for s in SUBJECTS if s[1] == code)
        decided = today - dt.timedelta(days=days_ago)
        licences.submit(market, licences.LicenceSubmission(
            subject_kind=kind, subject_name=name, subject_code=code, decision_no=number,
            kind=licence_kind, decided_on=decided, authority_name=f"福州市马尾区{market.name}",
            authority_code=market.code, decision_name=f"{title}决定书", licence_name=title,
            licence_no=licence_no, content=content,
            valid_to=add_months(decided, 12 * years) - dt.timedelta(days=1),  # 29 Feb safe
        ), actor=reporters[MAWEI], source="form", today=today)
    enterprise = User.objects.get(username="kangning")
    oldest, newest = by_number[RECORDS[0][4]], by_number[RECORDS[1][4]]
    if not Repair.objects.filter(record=oldest).exists():
        try:
            repairs.apply(enterprise, oldest.pk, "已召回并销毁问题口罩，缴清罚款，建立进货查验制度。",
                          True, green_flags=["medical_supplies"], today=today)
        except DomainError:
            pass  # not repairable under the packs loaded (e.g. its minimum period has not passed)
    if not Objection.objects.filter(record=newest).exists():
        objections.submit(enterprise, newest.pk, "价签已按规定公示，现场检查时被顾客遮挡。",
                          evidence="门店监控截图、价签照片", today=today)
    load_commitments(today)
    load_certificates(today)
    load_financing(today)
    articles_demo.load(today)  # typical cases about the records above, news, a reading


def load_commitments(today: dt.date) -> None:
    """福州 一.1: the market regulator's campaign (on behalf of an association) for the
    epidemic integrity letter, signed by the enterprise user; 一.2: its 复工复产 letter under
    告知承诺, approved by the regulator and due for verification."""
    if Campaign.objects.exists():
        return
    regulator, enterprise = User.objects.get(username="scjg"), User.objects.get(username="kangning")
    fuzhou = "\n".join(code for kind, code, _ in SUBJECTS
                       if kind != "person" and code.startswith("9135"))
    try:
        campaign = commitments.launch(
            regulator, "fz_epidemic_integrity", "疫情防控期间诚信守法经营承诺倡议", fuzhou,
            organiser_name="马尾区医疗器械行业协会", today=today,
            starts_on=today - dt.timedelta(days=3), ends_on=today + dt.timedelta(days=30),
            message="请辖区医疗器械、药品经营企业签署并公示信用承诺书。")
        commitments.sign(enterprise, "fz_epidemic_integrity", campaign=campaign, today=today)
        resumption = commitments.sign(enterprise, "fz_work_resumption",
                                      matter="复工复产备案（马尾区快安厂区）",
                                      accepting_unit=MAWEI, today=today)
        commitments.record_approval(regulator, resumption.pk, "榕马市监承诺〔演示〕1号", today,
                                    "复工复产方案、防疫物资储备清单（以承诺代替，核查期内补齐）",
                                    today=today)
    except DomainError:
        pass  # the 福州 notice is no longer in force (its ending event recorded)


def load_certificates(today: dt.date) -> None:
    """太仓 8: the exporter's certificate, issued by the office, and a second application
    waiting for it."""
    if Certificate.objects.exists():
        return
    exporter, office = User.objects.get(username="loujiang"), User.objects.get(username="office")
    try:
        issued = certificates.submit(
            exporter, "LJ-2020-EX-0117", "Hamburg Textile Trading GmbH",
            "太仓市新冠肺炎疫情防控：延迟复工及物流管制", counterparty_region="德国",
            facts="因疫情防控延迟复工，2020年2月计划出运的针织面料无法按期交付，船期取消。",
            goods="针织面料 12,000 米", today=today)
        certificates.workflow.decide(issued.pk, office, "issue", "事实清楚，材料齐全", today=today)
        certificates.submit(
            exporter, "LJ-2020-EX-0121", "Osaka Fabrics Co., Ltd.",
            "太仓港集装箱航线停航", counterparty_region="日本",
            facts="承运人通知2月航次取消，订舱无法执行。", today=today)
    except DomainError:
        pass  # the 太仓 notice is no longer in force


def load_financing(today: dt.date) -> None:
    """信易贷 (福州 一.4, 太仓 7): the bank's two products; the enterprise user's need, open
    to every institution with a grant, taken by the bank and lent; the exporter's priority
    need (受疫情影响较大) waiting; a general grant to the bank with one read; the enterprise
    and the pharmacy on the honest-SME list. Skipped while no 信易贷 rules are in force."""
    from xinyong.financing import services as financing
    from xinyong.financing.models import FinancingNeed, HonestListing, Product
    from xinyong.grants import services as grants
    from xinyong.grants.models import Grant

    if rulebook.current().highest("credit_loans", today) is None:
        return
    bank = User.objects.get(username="bank")
    enterprise, exporter = User.objects.get(username="kangning"), User.objects.get(username="loujiang")
    try:
        if not Product.objects.filter(institution=bank.institution).exists():
            financing.publish_product(
                bank, name="诚信贷", amount_min_wan="10", amount_max_wan="300", term_min_months=6,
                term_max_months=36, rate_min="3.45", rate_max="4.35",
                targets=["honesty_incentive", "sme"], today=today,
                description="面向守信激励对象的中小微企业，纯信用、免抵押，线上申请，最快 3 个工作日放款。")
            financing.publish_product(
                bank, name="复工复产流动资金贷", amount_min_wan="50", amount_max_wan="1000",
                term_min_months=3, term_max_months=24, rate_min="3.65", rate_max="4.85", today=today,
                description="支持企业复工复产采购原材料、支付工资，可采用信用或保证方式。")
        loan_product = Product.objects.get(institution=bank.institution, name="复工复产流动资金贷",
                                           status="published")
        if not FinancingNeed.objects.filter(subject=enterprise.subject).exists():
            need = financing.submit(
                enterprise, "200", 12, "采购医用防护材料原料，扩大复工后的产能", open_to_all=True,
                share_scope=["profile", "records"], today=today)
            financing.workflow.accept(need.pk, bank, note="客户经理已电话联系企业", today=today)
            financing.outcome(bank, need.pk, "lent", amount_wan="150", rate="3.85",
                              product=loan_product.pk, today=today)
        if not FinancingNeed.objects.filter(subject=exporter.subject).exists():
            financing.submit(exporter, "80", 6, "外贸订单延迟交付期间支付工资和房租",
                             products=[loan_product.pk], priority_flags=["epidemic_hit"],
                             share_scope=["profile", "score"], today=today)
        if not Grant.objects.filter(subject=enterprise.subject, need=None).exists():
            general = grants.grant(enterprise, bank.institution, ["profile", "records", "score", "report"],
                                   "申请流动资金贷款授信审查", today=today)
            grants.log_read(general, bank, ["profile", "records"], "web", detail="授信审查")
        if not HonestListing.objects.filter(subject=enterprise.subject).exists():
            financing.opt_in(enterprise, "主营第二类医疗器械批发，拟融资扩大口罩原料储备")
        pharmacy = Subject.objects.by_code("92350105MA2Y000040")
        if pharmacy is not None and not HonestListing.objects.filter(subject=pharmacy).exists():
            # The pharmacy has no demo login: its listing is entered as if it had joined.
            HonestListing.objects.create(subject=pharmacy, note="社区药店，疫情期间保供药品，求周转资金",
                                         opted_in_at=timezone.now(),
                                         by=User.objects.get(username="office"))
    except DomainError:
        pass  # the 信易贷 rules in force refuse (e.g. a subject kind they do not serve)
