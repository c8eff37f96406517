"""Web pages of 信易贷 financing: the public product list and product page, an institution's
products (publish, withdraw), a subject's need form and its needs, the honest-SME list
(institutions and the office browse it, a subject joins or leaves), the office's
statistics, and (from casework) the queue of needs, the need page and the progress query by
查询码. The rules are in services; these views only call them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role, User, role_of
from xinyong.casework import choices as c
from xinyong.casework.forms import DecideForm
from xinyong.casework.models import Case
from xinyong.casework.pending import PendingFiles
from xinyong.casework.views import CaseViews, mark
from xinyong.financing import choices, services
from xinyong.financing.forms import (
    ListingForm,
    NeedForm,
    OutcomeForm,
    ProductFilterForm,
    ProductForm,
    StatsFilterForm,
)
from xinyong.financing.models import FinancingNeed, HonestListing, Product
from xinyong.grants import choices as grant_choices
from xinyong.grants import services as grants
from xinyong.lib.errors import DomainError
from xinyong.lib.paging import paginate
from xinyong.policies import rulebook
from xinyong.policies.rulebook import Rulebook
from xinyong.policies.schema import SCALES, SUBJECT_FLAGS
from xinyong.subjects import codes


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _target_labels(targets: Any) -> list[str]:
    return [choices.TARGETS.label(t) for t in choices.TARGETS.values if t in set(targets)]


def _scope_labels(scope: Any) -> list[str]:
    return [grant_choices.SCOPES.label(s) for s in grant_choices.SCOPES.values if s in set(scope)]


def _flag_labels(flags: Any) -> list[str]:
    return [SUBJECT_FLAGS.get(f, f) for f in flags]


def _rules(today: dt.date) -> Any:
    """The 信易贷 rules in force today (its pack entry and rules), or None."""
    try:
        return grants.rules_for(today)
    except DomainError:
        return None


def _basis(book: Rulebook, today: dt.date) -> list[dict[str, Any]]:
    """The clauses in force today that the 信易贷 service implements (福州 一.4, 太仓 7, the
    platform's time limits): document, clause, title and text, for the explanation."""
    rows = []
    for entry in book.in_force(today):
        for clause in entry.pack.clauses:
            if any(i.ref == "credit_loans" for i in clause.implemented_by):
                rows.append({"pack": entry.pack.id, "doc": entry.pack.doc_number or entry.pack.title,
                             "id": clause.id, "title": clause.title, "text": clause.text})
    return rows


# --- the need as a case ------------------------------------------------------------------------

class NeedViews(CaseViews):
    workflow = services.workflow
    templates = "financing"
    title = "融资需求对接"
    decide_form = OutcomeForm
    accept_label = "受理（接单）"
    track_example = "RZ7K2M9QH3PW4T"
    mine_title = "我的融资需求"
    queue_related = ("institution",)  # the taker, named in each row (unit_name)
    material_example = "如：请提供近一年的财务报表、纳税证明和主要购销合同"

    def make_decide_form(self, case: Case, user: User, data: Any = None) -> DecideForm:
        """The products a lender may name are its own institution's."""
        need: Any = case
        institution_id = need.institution_id or getattr(user, "institution_id", None)
        return OutcomeForm(data, institution_id=institution_id)

    def decide(self, request: HttpRequest, case: Case, form: DecideForm) -> Case:
        data = form.cleaned_data
        product = data.get("product")
        lent = data["decision"] == choices.LENT
        return services.outcome(
            _user(request), case.pk, data["decision"],
            amount_wan=(data.get("amount_wan") or "").strip() if lent else None,
            rate=(data.get("rate") or "").strip() if lent else None,
            product=product.pk if lent and product is not None else None,
            reason=data.get("reason") or "", request=request)

    def detail_context(self, case: Case, user: User, today: dt.date, book: Rulebook) -> dict[str, Any]:
        need: Any = case
        may_act = not self.workflow.is_applicant(user, case) and self.workflow.may_act(user, case)
        context: dict[str, Any] = {
            "chosen": list(need.products.select_related("institution")),
            "scope_labels": _scope_labels(need.share_scope),
            "flag_labels": _flag_labels(need.priority_flags),
            # A need is taken (受理（接单）) or left to others: no 不予受理, no 补正 before it
            # is taken (the workflow refuses both; the page does not offer them).
            "may_accept": False, "may_take": may_act and need.status == c.SUBMITTED,
            "may_request_material": may_act and need.status == c.ACCEPTED,
            "file_link": user.role in (Role.INSTITUTION, Role.OFFICE),
        }
        if user.role == Role.INSTITUTION:
            met = services.targets_met(need.subject, today, priority=need.priority)
            fit = []
            for product in Product.objects.on_sale().filter(institution_id=user.institution_id or 0):
                targets = set(product.targets)
                fit.append({
                    "product": product, "met": _target_labels(targets & met),
                    "missing": _target_labels(targets - met),
                    "amount_ok": product.amount_min_wan <= need.amount_wan <= product.amount_max_wan,
                    "term_ok": product.term_min_months <= need.term_months <= product.term_max_months,
                })
            grant = grants.live_grant(user, need.subject, today)
            context.update(fit=fit, met_labels=_target_labels(met), grant=grant,
                           grant_scope=_scope_labels(grants.scope_of(grant)))
        return context

    def receipt_rows(self, case: Case) -> list[tuple[str, str]]:
        need: Any = case
        whom = "向所有金融机构开放" if need.open_to_all else ""
        chosen = "、".join(f"{p.institution.name}“{p.name}”"
                          for p in need.products.select_related("institution"))
        rows = [("需求金额", f"{need.amount_wan} 万元"), ("期限", f"{need.term_months} 个月"),
                ("资金用途", need.purpose),
                ("发布对象", "；".join(x for x in (whom, f"所选产品：{chosen}" if chosen else "") if x))]
        if need.share_scope:
            rows.append(("同时授权查询", f"{'、'.join(_scope_labels(need.share_scope))}，"
                                     f"有效期至 {need.share_until:%Y-%m-%d}"))
        if need.priority_flags:
            rows.append(("重点支持情形", "、".join(_flag_labels(need.priority_flags))))
        return rows


case_views = NeedViews()


# --- public pages ------------------------------------------------------------------------------

def index(request: HttpRequest) -> HttpResponse:
    """信易贷: the products on sale, filtered by amount and term; what the service is; for a
    subject, the products whose targets it meets today and the way to post a need."""
    user = request.user
    today = timezone.localdate()
    book = rulebook.current()
    form = ProductFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = Product.objects.on_sale().fitting(data.get("amount"), data.get("term")).select_related(
        "institution")
    page, query = paginate(request, rows.order_by("institution__name", "name", "id"), 30)
    subject = getattr(user, "subject", None) if role_of(user) == Role.SUBJECT else None
    eligible = subject is not None and subject.kind in choices.APPLICANT_KINDS
    met: set[str] = services.targets_met(subject, today) if eligible else set()
    matching = ({p.pk for p in services.matching_products(
        subject, data.get("amount"), data.get("term"), today)} if eligible else set())
    products = [{"product": p, "targets": _target_labels(p.targets),
                 "meets": p.pk in matching,
                 "missing": _target_labels(set(p.targets) - met - {choices.PRIORITY})}
                for p in page]
    found = _rules(today)
    return render(request, "financing/index.html", {
        "form": form, "page": page, "query": query, "products": products,
        "subject": subject, "eligible": eligible, "met_labels": _target_labels(met),
        "rules": found[1] if found else None, "basis": _basis(book, today),
        "targets": choices.TARGETS, "role": role_of(user),
    }, status=422 if form.errors else 200)


def product(request: HttpRequest, product_id: int) -> HttpResponse:
    """One product: public while on sale; the owning institution and the office see it after
    it was withdrawn."""
    user = request.user
    item = (Product.objects.visible_to(user).select_related("institution")
            .filter(pk=product_id).first())
    if item is None:
        raise Http404("没有这个信易贷产品，或已下架")
    today = timezone.localdate()
    role = role_of(user)
    own = role == Role.INSTITUTION and getattr(user, "institution_id", None) == item.institution_id
    context: dict[str, Any] = {"product": item, "own": own, "targets": _target_labels(item.targets),
                               "role": role, "on_sale": item.status == choices.PUBLISHED}
    subject = getattr(user, "subject", None) if role == Role.SUBJECT else None
    if subject is not None and subject.kind in choices.APPLICANT_KINDS:
        met = services.targets_met(subject, today)
        context.update(eligible=True, met=_target_labels(set(item.targets) & met),
                       missing=_target_labels(set(item.targets) - met - {choices.PRIORITY}),
                       priority_only=choices.PRIORITY in item.targets)
    if own or role == Role.OFFICE:
        context["loans"] = FinancingNeed.objects.filter(product=item, status=choices.LENT).aggregate(
            count=Count("pk"), amount=Sum("lent_amount_wan"))
        context["asked"] = FinancingNeed.objects.filter(products=item).count()
    return render(request, "financing/product.html", context)


# --- the institution's products ----------------------------------------------------------------

@role_required(Role.INSTITUTION)
def products(request: HttpRequest) -> HttpResponse:
    """本机构产品: on sale and withdrawn, with what was asked and lent under each."""
    user = _user(request)
    rows = (Product.objects.filter(institution_id=user.institution_id or 0)
            .annotate(asked=Count("needs", distinct=True),
                      lent=Count("loans", filter=Q(loans__status=choices.LENT), distinct=True))
            .order_by("status", "-published_on", "name"))
    return render(request, "financing/products.html", {
        "products": rows, "institution": user.institution,
    })


@role_required(Role.INSTITUTION)
def product_new(request: HttpRequest) -> HttpResponse:
    """发布信易贷产品."""
    user = _user(request)
    form = ProductForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.publish_product(
                user, name=data["name"], description=data["description"],
                amount_min_wan=data["amount_min_wan"], amount_max_wan=data["amount_max_wan"],
                term_min_months=data["term_min_months"], term_max_months=data["term_max_months"],
                rate_min=data["rate_min"], rate_max=data["rate_max"], targets=data["targets"],
                request=request)
        except DomainError as exc:
            if exc.status == 403:
                raise
            form.service_error(exc)
        else:
            messages.success(request, f"产品“{made.name}”已发布，企业在信易贷页面可以看到并选择。")
            return redirect("financing:product", product_id=made.pk)
    return render(request, "financing/product_new.html", {"form": form},
                  status=422 if form.errors else 200)


@require_POST
@role_required(Role.INSTITUTION)
def product_withdraw(request: HttpRequest, product_id: int) -> HttpResponse:
    """下架: the product stops being offered; needs that chose it keep it."""
    try:
        item = services.withdraw_product(_user(request), product_id, request=request)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.msg) from None
        messages.error(request, f"未能下架：{exc.msg}")
    else:
        messages.success(request, f"产品“{item.name}”已下架；已选择该产品的需求不受影响。")
    return redirect("financing:products")


# --- the subject's needs -----------------------------------------------------------------------

@role_required(Role.SUBJECT)
def apply(request: HttpRequest) -> HttpResponse:
    """发布融资需求: amount, term, purpose, the products or every institution, the grant
    that comes with it, the priority situations, files."""
    user = _user(request)
    today = timezone.localdate()
    subject = user.subject
    found = _rules(today)
    eligible = subject is not None and subject.kind in choices.APPLICANT_KINDS
    met = services.targets_met(subject, today) if eligible else set()
    on_sale = list(Product.objects.on_sale().select_related("institution")
                   .order_by("institution__name", "name"))
    # Those whose targets it meets first (a priority product counts: declaring a situation
    # below makes it met).
    fits = {p.pk for p in on_sale if set(p.targets) - {choices.PRIORITY} <= met}
    declare = {p.pk for p in on_sale if choices.PRIORITY in p.targets}
    on_sale.sort(key=lambda p: p.pk not in fits)
    latest = grants.latest_expiry(today) if found else None
    posted = request.method == "POST"
    pending = PendingFiles(request)
    initial = {"products": [request.GET["product"]]} if request.GET.get("product") else None
    form = NeedForm(request.POST if posted else None, request.FILES if posted else None,
                    products=on_sale, latest=latest, pending=pending, initial=initial)
    if posted:
        if form.is_valid():
            data = form.cleaned_data
            try:
                need = services.submit(
                    user, data["amount_wan"], data["term_months"], data["purpose"],
                    products=[int(p) for p in data["products"]], open_to_all=data["open_to_all"],
                    share_scope=data["share_scope"],
                    share_until=data["share_until"] if data["share_scope"] else None,
                    priority_flags=data["priority_flags"], files=data["evidence"],
                    request=request)
            except DomainError as exc:
                if exc.status == 403:
                    raise
                form.service_error(exc)
                if exc.field in ("service", "subject"):
                    pending.done()  # no change to this form helps: no file is kept for it
                    form.accepted_uploads = []
            else:
                pending.done()
                messages.success(request, (
                    f"融资需求已发布，查询码 {need.query_code}（请记下，可凭此查询进度）。"
                    f"金融机构应于 {need.accept_by:%Y-%m-%d} 前受理。"))
                return redirect("financing:detail", case_id=need.pk)
        pending.keep(form.accepted_uploads)
    chosen = set(form.chosen())
    product_rows = [{"product": p, "fits": p.pk in fits, "declare": p.pk in declare,
                     "checked": str(p.pk) in chosen,
                     "targets": _target_labels(p.targets)} for p in on_sale]
    return render(request, "financing/apply.html", {
        "form": form, "pending": pending, "rules": found[1] if found else None,
        "basis": _basis(rulebook.current(), today), "eligible": eligible,
        "product_rows": product_rows, "met_labels": _target_labels(met),
        "priority_flags": [SUBJECT_FLAGS[f] for f in (found[1].priority_flags if found else [])],
    }, status=422 if form.errors else 200)


@role_required(Role.SUBJECT)
def mine(request: HttpRequest) -> HttpResponse:
    """我的融资需求: status, the institution that took it, the outcome."""
    user = _user(request)
    today = timezone.localdate()
    rows = (FinancingNeed.objects.visible_to(user).select_related("institution", "product")
            .order_by("-submitted_on", "-id"))
    page, query = paginate(request, rows, 50)
    subject = user.subject
    return render(request, "financing/mine.html", {
        "cases": [mark(x, today) for x in page], "page": page, "query": query,
        "offered": _rules(today) is not None,
        "eligible": subject is not None and subject.kind in choices.APPLICANT_KINDS,
    })


# --- the honest-SME list -----------------------------------------------------------------------

@role_required(Role.SUBJECT, Role.INSTITUTION, Role.OFFICE)
def honest(request: HttpRequest) -> HttpResponse:
    """诚信中小企业名单: institutions and the office browse it; a subject joins or leaves."""
    user = _user(request)
    today = timezone.localdate()
    if user.role == Role.SUBJECT:
        return _honest_subject(request, user, today)
    page, query = paginate(request, services.honest_smes(today), 50)
    rows = services.describe_listings(list(page), today)
    for row in rows:
        row["kind_label"] = codes.KIND_LABELS.get(row["kind"], row["kind"])
        row["scale_label"] = SCALES.get(row["scale"], "")
    return render(request, "financing/honest.html", {
        "page": page, "query": query, "rows": rows, "subject_view": False,
    })


def _honest_subject(request: HttpRequest, user: User, today: dt.date) -> HttpResponse:
    from xinyong.lists.models import Membership
    from xinyong.records.models import Record

    subject = user.subject
    form = ListingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("join", "leave"):
            raise Http404("未知的操作")
        if form.is_valid():
            try:
                if action == "join":
                    services.opt_in(user, form.cleaned_data["note"], request=request)
                    messages.success(request, "已加入诚信中小企业名单。")
                else:
                    services.opt_out(user, request=request)
                    messages.success(request, "已退出诚信中小企业名单，金融机构不再看到本企业。")
            except DomainError as exc:
                if exc.status == 403:
                    raise
                form.service_error(exc)
            else:
                return redirect("financing:honest")
    listing = HonestListing.objects.filter(subject=subject).first()
    joined = listing is not None and listing.opted_out_at is None
    shown = joined and services.honest_smes(today).filter(subject=subject).exists()
    eligible = subject is not None and services.listable(subject)
    # Why it would not be shown: the same conditions as `services.honest_q`, named.
    dishonest = list(Record.objects.published_on(today)
                     .filter(subject=subject, polarity="dishonest").order_by("-decided_on")[:20])
    book = rulebook.current()
    lists = sorted({book.list_name(m.list_code) for m in Membership.objects.active_on(today)
                    .filter(subject=subject, list_code__in=book.list_codes("dishonest"))})
    if joined and not form.is_bound:
        form = ListingForm(initial={"note": listing.note if listing else ""})
    return render(request, "financing/honest.html", {
        "subject_view": True, "form": form, "listing": listing, "joined": joined,
        "shown": shown, "eligible": eligible, "dishonest": dishonest, "lists": lists,
        "subject": subject,
    }, status=422 if form.errors else 200)


# --- the office's statistics -------------------------------------------------------------------

@role_required(Role.OFFICE)
def stats(request: HttpRequest) -> HttpResponse:
    """信易贷统计: all needs, the priority groups apart (太仓 7), by institution, by product;
    needs posted within the period chosen."""
    today = timezone.localdate()
    form = StatsFilterForm(request.GET or None)
    rows = FinancingNeed.objects.all()
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if data.get("since"):
        rows = rows.filter(submitted_on__gte=data["since"])
    if data.get("until"):
        rows = rows.filter(submitted_on__lte=data["until"])
    result = services.stats(rows, today)
    return render(request, "financing/stats.html", {
        "form": form, "stats": result, "today": today,
        "period": (f"{data['since'] or '最早'} 至 {data['until'] or '今天'}"
                   if data.get("since") or data.get("until") else "全部"),
    }, status=422 if form.errors else 200)
