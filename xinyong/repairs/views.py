"""Web pages of credit repair (信用修复): a subject's applications and the apply form, the
deciding units' queue and case page, the public progress query by 查询码, and the training
page written from the packs. The rules are in services; these views only call them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role, User
from xinyong.audit.models import record as audit
from xinyong.lib import workdays
from xinyong.lib.casework import normalize_code
from xinyong.policies import rulebook
from xinyong.policies.rulebook import Entry, Rulebook
from xinyong.policies.schema import SEVERITY_LABELS, SUBJECT_FLAGS
from xinyong.records import determination as d
from xinyong.records.models import Record, effective_status
from xinyong.records.views import behavior_texts
from xinyong.repairs import services
from xinyong.repairs.forms import (
    COMMITMENT_TEXT,
    ApplyForm,
    ChannelForm,
    DecisionForm,
    QueueFilterForm,
    TakeOverForm,
    TrackForm,
)
from xinyong.repairs.models import Evidence, Repair
from xinyong.subjects.models import Subject

QUEUE_PAGE = 50
STATUS_BADGES = {"submitted": "text-bg-primary", "accepted": "text-bg-info",
                 "approved": "text-bg-success", "rejected": "text-bg-secondary"}
# Services of the packs that the training page cites (by code, as the packs name them).
REPAIR_SERVICES = ("repair_training", "online_repair", "repair_progress_query", "green_repair_channel",
                   "easy_repair", "repair_notice")


@dataclass
class Case:
    """A repair as the pages show it on a given day."""

    repair: Repair
    today: dt.date

    @property
    def badge(self) -> str:
        return STATUS_BADGES.get(self.repair.status, "text-bg-secondary")

    @property
    def is_open(self) -> bool:
        return self.repair.status in Repair.OPEN

    @property
    def overdue(self) -> bool:
        return self.repair.is_overdue(self.today)

    @property
    def accept_overdue(self) -> bool:
        return self.repair.status == "submitted" and self.today > self.repair.accept_by

    @property
    def due_text(self) -> str:
        """Working days left to the due date, or past it."""
        if not self.is_open:
            return ""
        due = self.repair.due_by
        if self.today > due:
            return f"超期 {workdays.workdays_between(due, self.today)} 个工作日"
        if self.today == due:
            return "今日到期"
        return f"剩 {workdays.workdays_between(self.today, due)} 个工作日"

    @property
    def flag_labels(self) -> list[str]:
        return [SUBJECT_FLAGS.get(f, f) for f in self.repair.green_flags]


def steps(timeline: list[dict[str, Any]], subject: Subject | None = None) -> list[dict[str, Any]]:
    """A case's timeline for a page: times as datetimes (shown in local time), and for the
    public (`subject` given) the notes without personal data."""
    rows = []
    for s in timeline:
        try:
            at: Any = dt.datetime.fromisoformat(s.get("at", ""))
        except ValueError:
            at = None
        note = s.get("note", "")
        rows.append({**s, "at": at, "note": services.public_text(note, subject) if subject else note})
    return rows


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _subject_id(user: User) -> int:
    assert user.subject_id is not None  # a subject user is bound to a subject (a constraint)
    return user.subject_id


# --- the subject's pages --------------------------------------------------------------------

@role_required(Role.SUBJECT)
def mine(request: HttpRequest) -> HttpResponse:
    """我的信用修复: the applications, and the published dishonest records with the date
    from which each may be repaired."""
    user = _user(request)
    today = timezone.localdate()
    texts = behavior_texts(rulebook.current())
    repairs = list(Repair.objects.filter(subject_id=_subject_id(user))
                   .select_related("record", "unit").order_by("-submitted_on", "-id"))
    open_records = {r.record_id: r for r in repairs if r.status in Repair.OPEN}
    rows = []
    records = (Record.objects.filter(subject_id=_subject_id(user), polarity="dishonest")
               .select_related("unit").order_by("repairable_from", "-decided_on", "id"))
    for record in records:
        if effective_status(record, today) != d.PUBLISHED:
            continue
        refusal = ""
        if record.pk in open_records:
            refusal = "已有正在办理的修复申请"
        else:
            try:
                services.check_repairable(record, today)
            except services.RepairError as exc:
                refusal = exc.msg
        rows.append({"record": record, "behavior_text": texts.get(record.behavior, record.behavior),
                     "severity_label": SEVERITY_LABELS.get(record.severity, record.severity),
                     "refusal": refusal, "open_repair": open_records.get(record.pk),
                     "too_early": bool(record.repairable_from and today < record.repairable_from)})
    return render(request, "repairs/mine.html", {
        "cases": [Case(r, today) for r in repairs], "rows": rows, "today": today,
    })


def _channels(today: dt.date) -> list[tuple[Entry, Any]]:
    """The standard channel and the green one in force today, as an applicant will meet them."""
    found: list[tuple[Entry, Any]] = []
    try:
        found.append(services.standard_channel(today))
    except services.RepairError:
        pass
    found.extend(services.green_channels(today)[:1])
    return found


@role_required(Role.SUBJECT)
def apply(request: HttpRequest, record_id: int) -> HttpResponse:
    user = _user(request)
    record = (Record.objects.select_related("unit", "policy_version__pack")
              .filter(pk=record_id, subject_id=_subject_id(user)).first())
    if record is None:
        raise Http404("没有这条记录，或不是本主体的记录")
    today = timezone.localdate()
    book = rulebook.current()
    posted = request.method == "POST"
    form = ApplyForm(request.POST if posted else None, request.FILES if posted else None,
                     book=book, today=today)
    refusal = ""
    if posted:
        if form.is_valid():
            data = form.cleaned_data
            try:
                repair = services.apply(user, record.pk, data["statement"], data["commitment"],
                                        green_flags=data["green_flags"], files=data["evidence"],
                                        request=request)
            except services.RepairError as exc:
                if exc.status == 404:
                    raise Http404(exc.msg) from None
                form.service_error(exc)
            else:
                messages.success(request, (
                    f"修复申请已提交，查询码 {repair.query_code}（请记下，可凭此查询进度）。"
                    f"{repair.unit.name} 将于 {repair.accept_by} 前受理，{repair.due_by} 前办结。"))
                return redirect("repairs:detail", repair_id=repair.pk)
    else:
        try:
            services.check_repairable(record, today)
        except services.RepairError as exc:
            refusal = exc.msg
    return render(request, "repairs/apply.html", {
        "form": form, "record": record, "refusal": refusal, "commitment_text": COMMITMENT_TEXT,
        "behavior_text": behavior_texts(book).get(record.behavior, record.behavior),
        "severity_label": SEVERITY_LABELS.get(record.severity, record.severity),
        "channels": _channels(today),
        "record_green": _record_green(record, today),
    }, status=422 if form.errors else 200)


def _record_green(record: Record, today: dt.date) -> str:
    """Why the record itself opens the green channel ('' if it does not)."""
    try:
        choice = services.channel_for(record, [], today)
    except services.RepairError:
        return ""
    return choice.note if choice.basis == "record" else ""


# --- the deciding units' pages --------------------------------------------------------------

def _queue(user: User) -> QuerySet[Repair]:
    queryset = Repair.objects.select_related("record", "subject", "unit", "taken_over_by")
    if user.role == Role.DEPARTMENT:
        queryset = queryset.filter(unit=user.unit)
    return queryset


@role_required(Role.DEPARTMENT, Role.OFFICE)
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    office = user.role == Role.OFFICE
    form = QueueFilterForm(request.GET, office=office)
    data = form.cleaned_data if form.is_valid() else {}
    base = _queue(user)
    queryset = base
    status = data.get("status") or "open"
    if status == "open":
        queryset = queryset.filter(status__in=Repair.OPEN)
    elif status != "all":
        queryset = queryset.filter(status=status)
    if data.get("overdue"):
        queryset = queryset.filter(status__in=Repair.OPEN, due_by__lt=today)
    if data.get("unit"):
        queryset = queryset.filter(unit=data["unit"])
    if query := (data.get("q") or "").strip():
        queryset = queryset.filter(Q(query_code=normalize_code(query)) | Q(subject__name__icontains=query))
    page = Paginator(queryset.order_by("due_by", "id"), QUEUE_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "repairs/queue.html", {
        "form": form, "page": page, "cases": [Case(r, today) for r in page], "office": office,
        "query": params.urlencode(), "today": today,
        "open_count": base.filter(status__in=Repair.OPEN).count(),
        "overdue_count": base.filter(status__in=Repair.OPEN, due_by__lt=today).count(),
    })


def _case(request: HttpRequest, repair_id: int) -> Repair:
    """The case, if the user may see it: the applicant's subject, the deciding unit, office."""
    user = _user(request)
    repair = (Repair.objects.select_related("record", "subject", "unit", "applicant", "decided_by",
                                            "taken_over_by")
              .filter(pk=repair_id).first())
    if repair is None or not (services.may_decide(user, repair) or (
            user.role == Role.SUBJECT and repair.subject_id == user.subject_id)):
        raise Http404("没有这个修复申请，或无权查看")
    return repair


@role_required(Role.SUBJECT, Role.DEPARTMENT, Role.OFFICE)
def detail(request: HttpRequest, repair_id: int) -> HttpResponse:
    user = _user(request)
    repair = _case(request, repair_id)
    forms: dict[str, Any] = {"decide": DecisionForm(), "take_over": TakeOverForm(),
                             "channel": ChannelForm()}
    opened = ""
    if request.method == "POST":
        if not services.may_decide(user, repair):
            raise PermissionDenied("只有认定单位或信用办可以办理修复申请")
        opened = request.POST.get("action", "")
        if _act(request, repair, opened, forms):
            return redirect("repairs:detail", repair_id=repair.pk)
        if opened not in forms:  # refused for a reason no form shows: the message says why
            return redirect("repairs:detail", repair_id=repair.pk)
        repair.refresh_from_db()
    today = timezone.localdate()
    record = repair.record
    book = rulebook.current()
    return render(request, "repairs/detail.html", {
        "case": Case(repair, today), "repair": repair, "record": record,
        "record_status": d.STATUSES[effective_status(record, today)],
        "behavior_text": behavior_texts(book).get(record.behavior, record.behavior),
        "severity_label": SEVERITY_LABELS.get(record.severity, record.severity),
        "evidence": list(repair.evidence.all()), "timeline": steps(repair.timeline),
        "staff": user.role != Role.SUBJECT,
        "may_act": services.may_act(user, repair),
        "may_take_over": user.role == Role.OFFICE and repair.status in Repair.OPEN
        and repair.taken_over_by_id is None,
        "forms": forms, "opened": opened, "policy_entry": book.entry(repair.policy),
    }, status=422 if opened else 200)


def _act(request: HttpRequest, repair: Repair, action: str, forms: dict[str, Any]) -> bool:
    """Accept, decide or take over; False when refused (the form or a message says why).

    Two officers deciding at once: the services lock the case, and the second one gets a
    409 that is shown as a message on the page as it now stands.
    """
    user = _user(request)
    form: Any = None
    try:
        if action == "accept":
            services.accept(repair.pk, user, request=request)
            messages.success(request, "已受理，请在办结期限内作出决定")
        elif action == "decide":
            form = forms["decide"] = DecisionForm(request.POST)
            if not form.is_valid():
                return False
            data = form.cleaned_data
            done = services.decide(repair.pk, user, data["decision"], data["reason"], request=request)
            messages.success(request, f"已作出决定：{done.get_status_display()}")
        elif action == "channel":
            form = forms["channel"] = ChannelForm(request.POST)
            if not form.is_valid():
                return False
            data = form.cleaned_data
            done = services.review_claim(repair.pk, user, data["decision"], data["reason"],
                                         request=request)
            messages.success(request, "已核实：按绿色通道办理" if done.channel == "green"
                             else f"已转入标准渠道，办结期限为 {done.due_by}")
        elif action == "take_over":
            form = forms["take_over"] = TakeOverForm(request.POST)
            if not form.is_valid():
                return False
            services.take_over(repair.pk, user, form.cleaned_data["reason"], request=request)
            messages.success(request, "信用办已接办本申请，认定单位不再办理")
        else:
            raise Http404("未知的操作")
    except services.RepairError as exc:
        if exc.status == 404:
            raise Http404(exc.msg) from None
        if exc.status == 422 and form is not None:
            form.service_error(exc)
            return False
        # 409 and 403: the case changed under this page (another officer was faster, or
        # the office took it over); show why, with the case as it now stands.
        messages.error(request, f"未能办理：{exc.msg}。页面已更新为最新状态。")
        forms.pop(action, None)
        return False
    return True


@role_required(Role.SUBJECT, Role.DEPARTMENT, Role.OFFICE)
def evidence(request: HttpRequest, repair_id: int, evidence_id: int) -> FileResponse:
    """A file the applicant attached: only for the applicant, the deciding unit and office."""
    repair = _case(request, repair_id)
    item = Evidence.objects.filter(pk=evidence_id, repair=repair).first()
    if item is None:
        raise Http404("没有这个文件")
    if item.purged_on:
        raise Http404(f"该文件已于 {item.purged_on} 按保存期限删除")
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件已不存在，请联系信用办") from None
    audit("repair.evidence_download", request=request, obj=repair,
          summary=f"下载修复申请 {repair.query_code} 的材料“{item.name}”")
    response = FileResponse(handle, as_attachment=True, filename=item.name)
    response["Cache-Control"] = "private, no-store"
    return response


# --- public pages ---------------------------------------------------------------------------

def track(request: HttpRequest) -> HttpResponse:
    """进度查询: a form for the 查询码; no login."""
    form = TrackForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("repairs:track_detail", code=form.cleaned_data["code"])
    return render(request, "repairs/track.html", {"form": form},
                  status=422 if form.errors else 200)


def track_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Status and timeline by 查询码, with no personal data: anyone holding the code sees it."""
    normalized = normalize_code(code)
    if normalized and normalized != code:
        return redirect("repairs:track_detail", code=normalized)
    repair = Repair.objects.select_related("subject", "unit").filter(query_code=normalized).first()
    if repair is None:
        form = TrackForm(initial={"code": code})
        return render(request, "repairs/track.html", {"form": form, "not_found": code}, status=404)
    subject = repair.subject
    timeline = steps(repair.timeline, subject)
    response = render(request, "repairs/track_detail.html", {
        "repair": repair, "case": Case(repair, timezone.localdate()),
        "subject_name": services.public_name(subject), "timeline": timeline,
    })
    response["X-Robots-Tag"] = "noindex"
    return response


def months_text(months: int) -> str:
    if months % 12 == 0:
        return f"{months // 12} 年"
    return f"{months} 个月"


def _guide(book: Rulebook, today: dt.date) -> dict[str, Any]:
    """What the training page says, all of it read from the packs loaded now."""
    regimes: list[dict[str, Any]] = []
    for entry in sorted(book.entries, key=lambda e: e.pack.effective_from):
        if not entry.pack.periods:
            continue
        periods = {p.severity: p for p in entry.pack.periods}
        rows = []
        for severity in ("minor", "general", "serious"):
            p = periods.get(severity)
            if p is None:
                continue
            if p.repairable_when_duty_performed:
                earliest = "法定责任义务履行完毕即可申请"
            elif p.min_months:
                earliest = f"决定之日起满 {months_text(p.min_months)}"
            else:
                earliest = "随时可申请"
            rows.append({"label": SEVERITY_LABELS[severity], "publish": p.publish,
                         "min": months_text(p.min_months) if p.min_months else "—",
                         "max": months_text(p.max_months), "earliest": earliest, "clause": p.clause})
        # The periods of the highest level in force apply (as the determination picks them).
        applies = any((book.period(sev, today) or (None,))[0] is entry for sev in periods)
        if applies:
            state = "现行"
        elif entry.in_force(today):
            state = "施行中，上级规定优先"
        elif entry.pack.effective_from > today:
            state = "尚未施行"
        else:
            state = "适用于此前作出的决定"
        regimes.append({"entry": entry, "pack": entry.pack, "dates": entry.dates(),
                        "applies": applies, "state": state, "rows": rows})
    channels: list[dict[str, Any]] = []
    for entry in book.entries:
        for channel in entry.pack.repair_channels:
            channels.append({"entry": entry, "pack": entry.pack, "channel": channel,
                             "dates": entry.dates(), "in_force": entry.in_force(today),
                             "flags": [SUBJECT_FLAGS.get(f, f) for f in channel.eligible_flags]})
    channels.sort(key=lambda c: (not c["in_force"], c["channel"].code != "green", c["pack"].id))
    cited: list[dict[str, Any]] = [{"entry": e, "service": s} for e in book.entries for s in e.pack.services
             if s.code in REPAIR_SERVICES]
    cited.sort(key=lambda c: REPAIR_SERVICES.index(c["service"].code))
    clauses = [{"entry": e, "clause": c} for e in book.entries for c in e.pack.clauses
               if any(i.kind in ("period", "repair_channel") for i in c.implemented_by)]
    regimes.sort(key=lambda r: not r["applies"])  # the rules applied today first
    return {
        "regimes": regimes, "channels": channels, "services": cited, "clauses": clauses,
        "training": next((c for c in cited if c["service"].code == "repair_training"), None),
        "in_force_channels": [c for c in channels if c["in_force"]],
        "evidence_types": services.evidence_types_label(),
        "evidence_mb": services.MAX_EVIDENCE_BYTES // (1024 * 1024),
        "evidence_files": services.MAX_EVIDENCE_FILES,
        "commitment_text": COMMITMENT_TEXT, "today": today,
    }


def guide(request: HttpRequest) -> HttpResponse:
    """信用修复培训 (太仓 11): how repair works, from the rules in the packs."""
    return render(request, "repairs/guide.html", _guide(rulebook.current(), timezone.localdate()))
