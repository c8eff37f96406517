"""信易贷 financing (福州 一.4, 太仓 7): institutions publish products; a subject posts a
need (融资需求) to chosen products or to every institution, optionally granting them
access to its credit file while it waits; an institution takes the need (受理), may ask for
material (补正), and reports the outcome: lent (amount, rate) or declined (reason). The
steps are the shared case handling's (`xinyong.casework.services`), with institutions as
handlers and the time limits of the 信易贷 rules in force (`credit_loans`).

Also here: the opt-in honest-SME list (诚信中小企业名单) institutions browse, what a subject
meets of a product's targets, and the statistics the office reads.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from xinyong.accounts.models import Institution, Role
from xinyong.audit.models import record as audit
from xinyong.casework import choices as c
from xinyong.casework.models import Case
from xinyong.casework.services import Workflow, clean_text
from xinyong.financing import choices
from xinyong.financing.models import Evidence, FinancingNeed, HonestListing, Product
from xinyong.grants import services as grants
from xinyong.lib import workdays
from xinyong.lib.errors import DomainError
from xinyong.policies import rulebook
from xinyong.policies.schema import SUBJECT_FLAGS
from xinyong.records.penalties import parse_amount

MAX_AMOUNT_WAN = Decimal("1000000")  # 100 亿元: beyond any SME loan; stops typing slips
MAX_TERM_MONTHS = 360
MAX_RATE = Decimal("36")  # 年利率 above 36% is not protected by the courts (民间借贷司法解释)


# --- checks of amounts -------------------------------------------------------------------------

def amount(value: Any, field: str) -> Decimal:
    """A positive amount in 万元 with at most two decimals, written as people write amounts
    (`1,200.5`, full-width digits: `records.penalties.parse_amount`)."""
    try:
        number = parse_amount(str(value if value is not None else ""))
    except ValueError as exc:
        raise DomainError(field, str(exc)) from None
    if number is None or number <= 0:
        raise DomainError(field, "应大于 0（单位：万元）")
    if number > MAX_AMOUNT_WAN:
        raise DomainError(field, f"不能超过 {MAX_AMOUNT_WAN} 万元")
    if number != number.quantize(Decimal("0.01")):
        raise DomainError(field, "最多两位小数（单位：万元）")
    return number


def rate(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(field, "应为年利率百分数，如 3.85") from None
    if not number.is_finite() or number <= 0 or number > MAX_RATE:
        raise DomainError(field, f"年利率应大于 0 且不超过 {MAX_RATE}%")
    if number != number.quantize(Decimal("0.01")):
        raise DomainError(field, "年利率最多两位小数")
    return number


def term(value: Any, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_TERM_MONTHS:
        raise DomainError(field, f"期限应为 1 至 {MAX_TERM_MONTHS} 个月的整数")
    return value


def _institution_of(user: Any) -> Institution:
    if getattr(user, "role", None) != Role.INSTITUTION or user.institution_id is None:
        raise DomainError("institution", "只有金融机构用户可以办理", status=403)
    return user.institution  # type: ignore[no-any-return]


# --- products ----------------------------------------------------------------------------------

@transaction.atomic
def publish_product(user: Any, *, name: str, amount_min_wan: Any, amount_max_wan: Any,
                    term_min_months: int, term_max_months: int, rate_min: Any, rate_max: Any,
                    targets: Iterable[str] = (), description: str = "", request: Any = None,
                    today: dt.date | None = None) -> Product:
    """An institution publishes a loan product (信易贷产品)."""
    today = today or timezone.localdate()
    institution = _institution_of(user)
    name = clean_text(name, "name", required="请填写产品名称", limit=100)
    description = clean_text(description, "description", limit=2000)
    low, high = amount(amount_min_wan, "amount_min_wan"), amount(amount_max_wan, "amount_max_wan")
    if low > high:
        raise DomainError("amount_max_wan", "最高额度不能低于最低额度")
    t_low, t_high = term(term_min_months, "term_min_months"), term(term_max_months, "term_max_months")
    if t_low > t_high:
        raise DomainError("term_max_months", "最长期限不能短于最短期限")
    r_low, r_high = rate(rate_min, "rate_min"), rate(rate_max, "rate_max")
    if r_low > r_high:
        raise DomainError("rate_max", "最高年利率不能低于最低年利率")
    targets = list(dict.fromkeys(targets))
    unknown = [t for t in targets if t not in choices.TARGETS]
    if unknown:
        raise DomainError("targets", f"未知的服务对象“{'、'.join(unknown)}”；可选："
                                     f"{'、'.join(choices.TARGETS.values)}")
    if Product.objects.filter(institution=institution, name=name, status=choices.PUBLISHED).exists():
        raise DomainError("name", f"本机构已有在售产品“{name}”")
    product = Product.objects.create(
        institution=institution, name=name, description=description, amount_min_wan=low,
        amount_max_wan=high, term_min_months=t_low, term_max_months=t_high, rate_min=r_low,
        rate_max=r_high, targets=targets, published_on=today, created_by=user)
    audit("financing.product_publish", actor=user, request=request, obj=product,
          summary=f"{institution.name} 发布信易贷产品“{name}”")
    return product


@transaction.atomic
def withdraw_product(user: Any, product_id: int, *, request: Any = None,
                     today: dt.date | None = None) -> Product:
    """下架: the product stops being offered; needs that chose it keep it."""
    today = today or timezone.localdate()
    institution = _institution_of(user)
    product = (Product.objects.select_for_update().filter(pk=product_id, institution=institution)
               .first())
    if product is None:
        raise DomainError("id", "没有这个产品，或不是本机构的产品", status=404)
    if product.status == choices.WITHDRAWN:
        raise DomainError("status", f"该产品已于 {product.withdrawn_on} 下架", status=409)
    product.status, product.withdrawn_on = choices.WITHDRAWN, today
    product.save(update_fields=["status", "withdrawn_on"])
    audit("financing.product_withdraw", actor=user, request=request, obj=product,
          summary=f"{institution.name} 下架信易贷产品“{product.name}”")
    return product


# --- what a subject meets ----------------------------------------------------------------------

def targets_met(subject: Any, today: dt.date, *, priority: bool = False) -> set[str]:
    """The product targets (choices.TARGETS) the subject meets today."""
    from xinyong.lists.models import Membership
    from xinyong.scores.models import SubjectGrade

    met = set()
    if Membership.objects.filter(subject=subject, list_code=choices.HONEST).active_on(today).exists():
        met.add(choices.HONEST)
    grade = SubjectGrade.objects.filter(subject=subject).values_list("grade", flat=True).first()
    if grade in ("A", "B"):
        met.add(choices.GRADE_AB)
    if priority:
        met.add(choices.PRIORITY)
    if subject.kind == "individual_business" or subject.scale in ("medium", "small", "micro"):
        met.add(choices.SME)
    return met


def matching_products(subject: Any, amount_wan: Decimal | None, term_months: int | None,
                      today: dt.date, *, priority: bool = False) -> list[Product]:
    """Products on sale whose targets the subject meets (all of them) and whose ranges hold
    the amount and term, if given."""
    met = targets_met(subject, today, priority=priority)
    rows = Product.objects.on_sale().fitting(amount_wan, term_months).select_related("institution")
    return [p for p in rows if set(p.targets) <= met]


# --- the case ----------------------------------------------------------------------------------

class FinancingWorkflow(Workflow):
    model = FinancingNeed
    evidence_model = Evidence
    audit_prefix = "financing"
    url_namespace = "financing"
    outcomes = {"lent": choices.LENT, "declined": choices.DECLINED}
    # The outcome is due within N working days of the day the need was taken.
    recount_on_accept = True
    accept_step = "金融机构受理"
    handler_roles = (Role.INSTITUTION,)
    takes_over = False
    no_refusal = ("融资需求不作“不予受理”：不受理的无需操作，需求仍向其他机构开放；"
                  "受理后不予放款的，请反馈“未放款”并写明理由")
    # Material is asked for by the institution that took the need, not before.
    material_once_accepted = True

    def may_handle(self, user: Any, case: Case) -> bool:
        """An institution's user: a need its institution took, or one still waiting that
        is open to it (callers have it through `visible_to`, which says which are)."""
        need: Any = case
        return (getattr(user, "role", None) == Role.INSTITUTION and user.institution_id is not None
                and need.institution_id in (None, user.institution_id))

    def on_start(self, case: Case, user: Any, today: dt.date) -> None:
        need: Any = case
        need.institution_id = user.institution_id
        # The need's grants to the other institutions end; the taker's stays.
        grants.end_for_need(need, user.institution_id, "融资需求已由其他金融机构受理", user=user)

    def check_decision(self, case: Case, user: Any, decision: str, extra: dict[str, Any]) -> None:
        need: Any = case
        if decision == "lent":
            extra["amount_wan"] = amount(extra.get("amount_wan"), "amount_wan")
            extra["rate"] = rate(extra["rate"], "rate") if extra.get("rate") is not None else None
            product_id = extra.get("product")
            if product_id is not None:
                product = Product.objects.filter(pk=product_id).first()
                # The taker's, or (taken with this outcome) the deciding user's institution.
                if product is None or product.institution_id != (need.institution_id
                                                                 or user.institution_id):
                    raise DomainError("product", "应为本机构的信易贷产品")
                extra["product"] = product

    def remedy(self, case: Case, user: Any, decision: str, reason: str, *, request: Any,
               today: dt.date, extra: dict[str, Any]) -> None:
        need: Any = case
        if decision == "lent":
            need.lent_amount_wan, need.rate = extra["amount_wan"], extra.get("rate")
            need.product = extra.get("product")

    def on_closed(self, case: Case, today: dt.date) -> None:
        """A need that ended without a loan ends every grant that came with it; a loan keeps
        the lender's until the date the subject chose (it may revoke it at any time)."""
        need: Any = case
        keep = need.institution_id if need.status == choices.LENT else None
        why = {choices.LENT: "融资需求已办结", choices.DECLINED: "融资需求已办结（未放款）",
               c.WITHDRAWN: "融资需求已撤回"}.get(need.status, "融资需求已结束")
        grants.end_for_need(need, keep, why, user=need.decided_by or need.applicant)

    def decision_effects(self, case: Case, today: dt.date) -> dict[str, str]:
        return {
            "lent": "记录放款金额、利率和产品，企业在需求页面可见，计入信易贷统计。",
            "declined": "理由告知企业，需求办结；企业可以重新发布需求。",
        }

    def decision_title(self, case: Case) -> str:
        need: Any = case
        if need.status == choices.LENT:
            return f"融资需求已放款（{need.lent_amount_wan} 万元）"
        return super().decision_title(case)


workflow = FinancingWorkflow()


def outcome(user: Any, need_id: int, status: str, *, amount_wan: Any = None, rate: Any = None,
            product: int | None = None, reason: str = "", request: Any = None,
            today: dt.date | None = None) -> FinancingNeed:
    """The institution reports the outcome (a need not yet taken is taken with it)."""
    if status == "lent" and not (reason or "").strip():
        reason = f"已放款 {amount_wan} 万元" + (f"，年利率 {rate}%" if rate is not None else "")
    if status == "declined" and not (reason or "").strip():
        raise DomainError("reason", "未放款的，请写明理由")
    return workflow.decide(need_id, user, status, reason, request=request, today=today,  # type: ignore[return-value]
                           amount_wan=amount_wan, rate=rate, product=product)


@transaction.atomic
def submit(user: Any, amount_wan: Any, term_months: int, purpose: str, *,
           products: Iterable[int] = (), open_to_all: bool | None = None,
           share_scope: Iterable[str] = (), share_until: dt.date | None = None,
           priority_flags: Iterable[str] = (), files: list[Any] | None = None,
           request: Any = None, today: dt.date | None = None) -> FinancingNeed:
    """A subject posts a financing need to the chosen products' institutions (none chosen:
    to every institution) and grants them `share_scope` of its file while it waits."""
    today = today or timezone.localdate()
    subject = getattr(user, "subject", None) if getattr(user, "role", None) == Role.SUBJECT else None
    if subject is None:
        raise DomainError("subject", "只有信用主体本人可以发布融资需求", status=403)
    if subject.kind not in choices.APPLICANT_KINDS:
        raise DomainError("subject", "融资需求面向企业和个体工商户（中小微企业融资）")
    entry, rules = grants.rules_for(today)
    amount_wan = amount(amount_wan, "amount_wan")
    term_months = term(term_months, "term_months")
    purpose = clean_text(purpose, "purpose", required="请写明资金用途", limit=500)
    product_ids = list(dict.fromkeys(products))
    chosen = list(Product.objects.on_sale().filter(pk__in=product_ids).select_related("institution"))
    if len(chosen) != len(product_ids):
        raise DomainError("products", "所选产品不存在或已下架")
    if open_to_all is None:
        open_to_all = not chosen
    if not chosen and not open_to_all:
        raise DomainError("products", "请选择产品，或向所有金融机构开放")
    flags = list(dict.fromkeys(priority_flags))
    if unknown := [f for f in flags if f not in SUBJECT_FLAGS]:
        raise DomainError("priority_flags",
                          f"未知的情形“{'、'.join(unknown)}”；可选：{'、'.join(SUBJECT_FLAGS)}")
    scope = grants.clean_scope(list(share_scope), "share_scope") if share_scope else []
    until = grants.clean_expiry(share_until, today, "share_until") if scope else None
    accept_by = workdays.add_workdays(today, rules.take_working_days)
    need: Any = workflow.new(
        subject=subject, unit=None, applicant=user, amount_wan=amount_wan, term_months=term_months,
        purpose=purpose, open_to_all=open_to_all, share_scope=scope, share_until=until,
        priority_flags=flags, priority=bool(set(flags) & set(rules.priority_flags)),
        policy=entry.pack.id, clause=rules.clause, submitted_on=today, accept_by=accept_by,
        # Counted again from the day it is taken; until then, as if taken on the last day.
        due_by=workdays.add_workdays(accept_by, rules.outcome_working_days))
    whom = "所有金融机构" if open_to_all else "、".join(sorted({p.institution.name for p in chosen}))
    workflow.open_case(
        need, user, name="发布融资需求", files=files, request=request,
        public=f"向{whom}发布；{rules.take_working_days} 个工作日内由金融机构受理，受理后 "
               f"{rules.outcome_working_days} 个工作日内反馈结果",
        summary=f"发布融资需求 {amount_wan} 万元、{term_months} 个月（{need.query_code}）",
        busy="融资需求未能保存，请重试")
    need.products.set(chosen)
    if scope:
        institutions = (Institution.objects.filter(is_active=True) if open_to_all
                        else Institution.objects.filter(pk__in={p.institution_id for p in chosen}))
        for institution in institutions:
            grants.grant(user, institution, scope, f"融资需求 {need.query_code}：{purpose}"[:200],
                         until, need=need, request=request, today=today)
    return need  # type: ignore[no-any-return]


# --- the honest-SME list -----------------------------------------------------------------------

def honest_q(today: dt.date, field: str = "subject") -> Q:
    """Subjects with no dishonest record published today and on no list of dishonest
    polarity today (the packs say which lists those are)."""
    from xinyong.lists.models import Membership
    from xinyong.records.models import Record

    dishonest = Record.objects.published_on(today).filter(
        subject_id=OuterRef(f"{field}_id" if field else "pk"), polarity="dishonest")
    listed = Membership.objects.active_on(today).filter(
        subject_id=OuterRef(f"{field}_id" if field else "pk"),
        list_code__in=rulebook.current().list_codes("dishonest"))
    return ~Q(Exists(dishonest)) & ~Q(Exists(listed))


def listable(subject: Any) -> bool:
    """Who may be on the list: enterprises and individual businesses not known to be large
    (the office sets 企业规模; an unknown scale does not keep a firm off)."""
    return bool(subject.kind in choices.APPLICANT_KINDS and subject.scale != "large")


def honest_smes(today: dt.date | None = None) -> QuerySet[HonestListing]:
    """诚信中小企业名单: subjects that opted in, are enterprises or individual businesses
    that are not large, and are honest today (`honest_q`)."""
    today = today or timezone.localdate()
    return (HonestListing.objects.filter(opted_out_at__isnull=True,
                                         subject__kind__in=choices.APPLICANT_KINDS)
            .exclude(subject__scale="large").filter(honest_q(today))
            .select_related("subject").order_by("subject__name", "pk"))


@transaction.atomic
def opt_in(user: Any, note: str = "", *, request: Any = None) -> HonestListing:
    subject = getattr(user, "subject", None) if getattr(user, "role", None) == Role.SUBJECT else None
    if subject is None:
        raise DomainError("subject", "只有信用主体本人可以申请加入", status=403)
    if not listable(subject):
        raise DomainError("subject", "诚信中小企业名单面向中小微企业和个体工商户")
    note = clean_text(note, "note", limit=300)
    listing, _ = HonestListing.objects.select_for_update().get_or_create(
        subject=subject, defaults={"opted_in_at": timezone.now(), "by": user, "note": note})
    listing.opted_in_at, listing.opted_out_at, listing.by, listing.note = timezone.now(), None, user, note
    listing.save()
    audit("financing.list_join", actor=user, request=request, obj=listing,
          summary=f"{subject.name} 自愿加入诚信中小企业名单")
    return listing


@transaction.atomic
def opt_out(user: Any, *, request: Any = None) -> HonestListing:
    subject_id = getattr(user, "subject_id", None) if getattr(user, "role", None) == Role.SUBJECT else None
    listing = (HonestListing.objects.select_for_update().filter(subject_id=subject_id).first()
               if subject_id is not None else None)
    if listing is None or listing.opted_out_at is not None:
        raise DomainError("subject", "本主体不在诚信中小企业名单上", status=409)
    listing.opted_out_at = timezone.now()
    listing.save(update_fields=["opted_out_at"])
    audit("financing.list_leave", actor=user, request=request, obj=listing,
          summary="退出诚信中小企业名单")
    return listing


# --- statistics --------------------------------------------------------------------------------

def _days(pairs: Iterable[tuple[dt.date, dt.date | None]]) -> dict[str, Any]:
    """Working days from posting to the loan: median and maximum."""
    days = [workdays.workdays_between(s, d) for s, d in pairs if d]
    return {"median_days_to_lend": statistics.median(days) if days else None,
            "max_days_to_lend": max(days) if days else None}


def _counts(today: dt.date) -> dict[str, Any]:
    """Posted, waiting, taken, lent, declined, withdrawn, overdue; amounts asked and lent:
    the aggregates for `QuerySet.aggregate`, or `.annotate` per group."""
    return dict(
        posted=Count("pk"), waiting=Count("pk", filter=Q(status=c.SUBMITTED)),
        taken=Count("pk", filter=Q(accepted_on__isnull=False)),
        lent=Count("pk", filter=Q(status=choices.LENT)),
        declined=Count("pk", filter=Q(status=choices.DECLINED)),
        withdrawn=Count("pk", filter=Q(status=c.WITHDRAWN)),
        overdue=Count("pk", filter=Q(status=c.SUBMITTED, accept_by__lt=today)
                      | Q(status=c.ACCEPTED, due_by__lt=today)),
        amount_asked_wan=Sum("amount_wan"),
        amount_lent_wan=Sum("lent_amount_wan", filter=Q(status=choices.LENT)))


def _money(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("amount_asked_wan", "amount_lent_wan"):
        row[key] = row.get(key) or Decimal("0")
    return row


def stats(rows: QuerySet[FinancingNeed] | None = None, today: dt.date | None = None) -> dict[str, Any]:
    """The office's picture: all needs, the priority groups apart, by institution, by
    product. A handful of grouped queries, whatever the number of institutions."""
    today = today or timezone.localdate()
    rows = rows if rows is not None else FinancingNeed.objects.all()
    loans = list(rows.filter(status=choices.LENT).values_list(
        "institution_id", "product_id", "priority", "submitted_on", "decided_on"))
    names = dict(Institution.objects.filter(pk__in={i for i, *_ in loans} | set(
        rows.exclude(institution=None).values_list("institution_id", flat=True).distinct()))
        .values_list("pk", "name"))
    by_institution = [
        _money(row) | {"institution": names[row["institution_id"]]}
        | _days((s, d) for i, _, _, s, d in loans if i == row["institution_id"])
        for row in rows.exclude(institution=None).values("institution_id").annotate(**_counts(today))]
    by_institution.sort(key=lambda row: row["institution"])
    products = {p.pk: p for p in Product.objects.filter(pk__in={p for _, p, *_ in loans if p})
                .select_related("institution")}
    by_product = [
        {"product": products[row["product_id"]].name, "product_id": row["product_id"],
         "institution": products[row["product_id"]].institution.name, "loans": row["loans"],
         "amount_lent_wan": row["amount"] or Decimal("0")}
        for row in rows.filter(status=choices.LENT).exclude(product=None).values("product_id")
        .annotate(loans=Count("pk"), amount=Sum("lent_amount_wan"))]
    by_product.sort(key=lambda row: (row["institution"], row["product"]))
    everything = _money(rows.aggregate(**_counts(today))) | _days((s, d) for *_, s, d in loans)
    priority = (_money(rows.filter(priority=True).aggregate(**_counts(today)))
                | _days((s, d) for _, _, p, s, d in loans if p))
    return {"all": everything, "priority": priority, "by_institution": by_institution,
            "by_product": by_product}


def describe_listings(listings: list[HonestListing], today: dt.date) -> list[dict[str, Any]]:
    """The list's rows as institutions see them: the subject, its grade, whether it is a
    守信激励对象 today, and how many of its needs wait (a few queries for a whole page)."""
    from xinyong.lists.models import Membership
    from xinyong.scores.models import SubjectGrade

    ids = [item.subject_id for item in listings]
    grades = dict(SubjectGrade.objects.filter(subject_id__in=ids).values_list("subject_id", "grade"))
    honest = set(Membership.objects.active_on(today).filter(subject_id__in=ids, list_code=choices.HONEST)
                 .values_list("subject_id", flat=True))
    waiting = dict(FinancingNeed.objects.filter(subject_id__in=ids, status=c.SUBMITTED)
                   .values("subject_id").annotate(n=Count("pk")).values_list("subject_id", "n"))
    return [{
        "subject_id": item.subject_id, "name": item.subject.name, "code": item.subject.full_code(),
        "kind": item.subject.kind, "scale": item.subject.scale, "note": item.note,
        "grade": grades.get(item.subject_id), "honesty_incentive": item.subject_id in honest,
        "open_needs": waiting.get(item.subject_id, 0), "since": item.opted_in_at,
    } for item in listings]
