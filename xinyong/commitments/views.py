"""Pages of commitments (信用承诺): the public list and the check by number; the subject's
commitments and signing (choose, read the letter filled in, confirm); a commitment's page
with the unit's approval, verification and revocation; the verification queue, the
statistics and the campaigns. The rules are in services; these views only call them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role, Unit
from xinyong.commitments import choices, services
from xinyong.commitments.forms import (
    ApprovalForm,
    CampaignForm,
    CheckForm,
    SignForm,
    VerifyForm,
    WithdrawForm,
)
from xinyong.commitments.models import Campaign, Commitment, public_q
from xinyong.disclosure.queries import public_name
from xinyong.lib.errors import DomainError
from xinyong.lib.paging import paginate
from xinyong.policies import rulebook
from xinyong.reports import documents
from xinyong.subjects.models import Subject

PAGE_SIZE = 20
TARGETS_PAGE = 50
STAFF = (Role.OFFICE, Role.DEPARTMENT)


def _user(request: HttpRequest) -> Any:
    return request.user


@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    """信用承诺公示: public commitments of organisations and individual businesses."""
    q = request.GET.get("q", "").strip()[:100]
    rows = (Commitment.objects.filter(public_q()).select_related("subject", "accepting_unit")
            .order_by("-signed_at", "-id"))
    if q:
        rows = rows.filter(subject_name__icontains=q)
    page, query = paginate(request, rows, PAGE_SIZE)
    return render(request, "commitments/index.html", {"page": page, "query": query, "q": q})


@role_required(Role.SUBJECT)
def mine(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rows = (Commitment.objects.filter(subject_id=user.subject_id, number__isnull=False)
            .select_related("accepting_unit").order_by("-signed_at", "-id"))
    return render(request, "commitments/mine.html", {"rows": rows})


@role_required(Role.SUBJECT)
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest) -> HttpResponse:
    """Choose a template, see the letter filled in, confirm; lands on the signed letter."""
    user = _user(request)
    today = timezone.localdate()
    subject = Subject.objects.get(pk=user.subject_id)
    templates = [t for t in services.templates_in_force(today) if subject.kind in t.template.subject_kinds]
    posted = request.method == "POST"
    initial = {k: request.GET.get(k, "") for k in ("template", "campaign") if request.GET.get(k)}
    form = SignForm(request.POST if posted else None, templates=templates, subject=subject,
                    initial=initial)
    chosen = services.find_template(form["template"].value() or "", today)
    campaign = None
    if str(form["campaign"].value() or "").isdigit():
        campaign = Campaign.objects.filter(pk=int(form["campaign"].value())).first()
    preview = ""
    status = 200
    if posted and form.is_valid():
        data = form.cleaned_data
        unit = form.unit()
        if request.POST.get("action") == "confirm":
            try:
                c = services.sign(user, data["template"], matter=data["matter"], accepting_unit=unit,
                                  campaign=data["campaign"], request=request)
            except DomainError as exc:
                form.service_error(exc)
                status = exc.status if exc.status != 403 else 422
            else:
                messages.success(request, f"已签署《{c.name}》，承诺书编号 {c.number}。")
                return redirect("commitments:detail", c.pk)
        else:
            try:
                preview = services.prepare(subject, data["template"], data["matter"], unit, today).text
            except DomainError as exc:
                form.service_error(exc)
                status = 422
    elif posted:
        status = 422
    return render(request, "commitments/sign.html", {
        "form": form, "templates": templates, "chosen": chosen, "preview": preview,
        "campaign": campaign, "subject": subject}, status=status)


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _breach_behaviors(c: Commitment, full: bool = False) -> tuple[list[tuple[str, str]], str | None]:
    """The dishonest behaviours of the commitment's pack, and the template's own: shown by
    their words (the pack's text, cut short unless `full`, and clause), not their codes."""
    entry = rulebook.current().entry(c.policy)
    found = [b for b in entry.pack.behaviors if b.polarity == "dishonest"] if entry is not None else []
    template = services.template_of(c)
    code = template.breach_behavior if template else None
    own = next((f"{b.text if full else _short(b.text)}（{b.clause}）" for b in found if b.code == code),
               code)
    return [(b.code, f"{_short(b.text)}（{b.clause}）") for b in found], own


def _verify_form(c: Commitment, data: Any = None) -> VerifyForm:
    behaviors, default = _breach_behaviors(c)
    return VerifyForm(data, behaviors=behaviors, default=default)


def _detail_context(request: HttpRequest, c: Commitment, forms: dict[str, Any]) -> dict[str, Any]:
    user = _user(request)
    full = Commitment.objects.in_full_for(user).filter(pk=c.pk).exists()
    staff = getattr(user, "role", None) in STAFF
    template = services.template_of(c)
    in_force = c.status == choices.IN_FORCE
    can_approve = in_force and c.kind in services.MATTER_KINDS and c.approved_on is None \
        and services.may_approve(user, c)
    can_verify = in_force and staff and services.may_verify(user, c)
    can_revoke = in_force and staff and services.may_revoke(user, c)
    can_withdraw = services.may_withdraw_own(user, c)
    return {
        "c": c, "full": full, "staff": staff,
        "approval_form": forms.get("approval") or (ApprovalForm() if can_approve else None),
        "verify_form": forms.get("verify") or (_verify_form(c) if can_verify else None),
        "withdraw_form": forms.get("withdraw") or (WithdrawForm() if can_revoke or can_withdraw else None),
        "own_withdraw": can_withdraw, "template": template,
        "breach_behavior": _breach_behaviors(c, full=True)[1] if can_verify else None,
        "check_url": reverse("commitments:check_number", args=[c.number]) if c.number else "",
    }


@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, commitment_id: int) -> HttpResponse:
    user = _user(request)
    c = get_object_or_404(Commitment.objects.visible_to(user).select_related(
        "subject", "accepting_unit", "campaign", "breach_record"), pk=commitment_id, number__isnull=False)
    forms: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        action = request.POST.get("action", "")
        try:
            if action == "approval":
                form: Any = ApprovalForm(request.POST)
                forms["approval"] = form
                if form.is_valid():
                    d = form.cleaned_data
                    services.record_approval(user, c.pk, d["approval_no"], d["approved_on"],
                                             d["materials_replaced"], d["verify_by"], request=request)
                    messages.success(request, "已登记审批结果。")
                    return redirect("commitments:detail", c.pk)
            elif action == "verify":
                form = _verify_form(c, request.POST)
                forms["verify"] = form
                if form.is_valid():
                    d = form.cleaned_data
                    done = services.verify(user, c.pk, d["result"], d["method"], d["note"],
                                           behavior=d["behavior"] or None, severity=d["severity"] or None,
                                           occurred_on=d["occurred_on"], request=request)
                    messages.success(request, f"核查结果已登记：{done.status_label}。"
                                     + ("已生成失信记录。" if done.breach_record_id else ""))
                    return redirect("commitments:detail", c.pk)
            elif action == "withdraw":
                form = WithdrawForm(request.POST)
                forms["withdraw"] = form
                if form.is_valid():
                    services.withdraw(user, c.pk, form.cleaned_data["reason"], request=request)
                    messages.success(request, "承诺已撤销。")
                    return redirect("commitments:detail", c.pk)
            else:
                raise Http404("未知操作")
        except DomainError as exc:
            if exc.status == 404:
                raise Http404(exc.msg) from None
            form.service_error(exc)
            status = exc.status if exc.status in (409, 422) else 403
        else:
            status = 422
    return render(request, "commitments/detail.html", _detail_context(request, c, forms), status=status)


@role_required(Role.SUBJECT, Role.DEPARTMENT, Role.OFFICE)
def pdf(request: HttpRequest, commitment_id: int) -> FileResponse:
    try:
        c = services.download(_user(request), commitment_id, request=request)
    except DomainError as exc:
        raise Http404(exc.msg) from None
    return documents.pdf_response(c, f"信用承诺书-{c.number}.pdf")


@require_http_methods(["GET"])
def check(request: HttpRequest) -> HttpResponse:
    form = CheckForm(request.GET or None)
    if form.is_bound and form.is_valid():
        found = documents.find(Commitment, form.cleaned_data["number"])
        if found is not None:
            return redirect("commitments:check_number", found.number)
        form.add_error("number", "没有这个编号的信用承诺书，请核对编号")
    return render(request, "commitments/check.html", {"form": form},
                  status=422 if form.errors else 200)


@require_http_methods(["GET"])
def check_number(request: HttpRequest, number: str) -> HttpResponse:
    found = documents.find(Commitment, number)
    if found is None:
        raise Http404("没有这个编号的信用承诺书")
    c: Any = found
    return render(request, "commitments/check_result.html", {
        "c": c, "genuine": c.proof_checks_out(), "shown_name": public_name(c.subject_name, c.subject.kind)})


@role_required(Role.OFFICE, Role.DEPARTMENT)
def queue(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "")
    if show not in ("", "due", "overdue"):
        show = ""
    today = timezone.localdate()
    page, query = paginate(request, services.queue(_user(request), today, show), PAGE_SIZE)
    return render(request, "commitments/queue.html", {
        "rows": services.due_rows(page.object_list, today), "page": page, "query": query,
        "show": show, "today": today})


@role_required(Role.OFFICE, Role.DEPARTMENT)
def stats(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    user = _user(request)
    return render(request, "commitments/stats.html", {
        "s": services.stats(user, today), "today": today,
        "scope": "全部成员单位" if user.role == Role.OFFICE else user.unit.name})


# --- campaigns ---------------------------------------------------------------------------------

@require_http_methods(["GET"])
def campaigns(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rows = Campaign.objects.visible_to(user).select_related("unit")
    page, query = paginate(request, rows, PAGE_SIZE)
    return render(request, "commitments/campaigns.html", {
        "page": page, "query": query, "can_launch": getattr(user, "role", None) in STAFF})


@role_required(Role.OFFICE, Role.DEPARTMENT)
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    office = user.role == Role.OFFICE
    templates = services.templates_in_force(today)
    form = CampaignForm(request.POST or None, templates=templates, office=office,
                        initial={"starts_on": today, "published": True})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            unit = Unit.objects.filter(pk=int(d["unit"])).first() if office and d.get("unit") else None
            try:
                campaign = services.launch(
                    user, d["template"], d["title"], d["codes"], organiser_name=d["organiser_name"],
                    message=d["message"], starts_on=d["starts_on"], ends_on=d["ends_on"],
                    published=d["published"], unit=unit, request=request)
            except DomainError as exc:
                form.service_error(exc)
                status = exc.status
            else:
                messages.success(request, f"承诺活动“{campaign.title}”已发起。")
                return redirect("commitments:campaign", campaign.pk)
    return render(request, "commitments/campaign_new.html", {"form": form}, status=status)


@require_http_methods(["GET"])
def campaign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = _user(request)
    found = get_object_or_404(Campaign.objects.visible_to(user).select_related("unit"), pk=campaign_id)
    manages = Campaign.objects.managed_by(user).filter(pk=found.pk).exists()
    if manages:
        services.refresh_targets(found)
    targets = found.targets.select_related("commitment", "subject").order_by("id")
    signed = targets.filter(commitment__isnull=False)
    unsigned = targets.filter(commitment__isnull=True)
    # A campaign may target thousands: counts from the database, the lists a page at a time.
    show = "unsigned" if manages and request.GET.get("show") == "unsigned" else "signed"
    page, query = paginate(request, unsigned if show == "unsigned" else signed, TARGETS_PAGE)
    interval = services.remind_every_days(timezone.localdate())
    return render(request, "commitments/campaign.html", {
        "campaign": found, "manages": manages, "show": show, "page": page, "query": query,
        "signed_count": signed.count(), "unsigned_count": unsigned.count() if manages else 0,
        "total": targets.count(), "interval": interval,
        "sign_url": reverse("commitments:sign") + f"?template={found.template}&campaign={found.pk}",
        "today": timezone.localdate()})


@role_required(Role.OFFICE, Role.DEPARTMENT)
@require_http_methods(["POST"])
def campaign_remind(request: HttpRequest, campaign_id: int) -> HttpResponse:
    try:
        sent = services.remind(_user(request), campaign_id, request=request)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.msg) from None
        messages.error(request, exc.msg)
    else:
        unreachable = (f"；{sent['unreachable']} 个对象在平台上没有账号，无法通知"
                       if sent["unreachable"] else "")
        messages.success(request, f"已提醒 {sent['sent']} 个未签署对象{unreachable}")
    return redirect("commitments:campaign", campaign_id)
