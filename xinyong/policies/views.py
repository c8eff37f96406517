"""Public pages for each policy, and the office's pack upload and event forms."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role
from xinyong.lib.errors import DomainError
from xinyong.policies import events as policy_events
from xinyong.policies import loader
from xinyong.policies.choices import SEVERITY
from xinyong.policies.coverage import explain
from xinyong.policies.forms import EventCorrectionForm, EventForm, PackUploadForm
from xinyong.policies.models import STATUS_LABELS, PolicyEvent, PolicyPack, status_on
from xinyong.policies.rulebook import events as happened_events
from xinyong.policies.rulebook import pack_of
from xinyong.policies.schema import LEVEL_LABELS, SCENARIOS


def policy_list(request: HttpRequest) -> HttpResponse:
    happened = happened_events()
    today = timezone.localdate()
    rows = []
    for row in PolicyPack.objects.select_related("current").exclude(current=None):
        version = row.current
        assert version is not None
        status = status_on(version, happened, today)
        rows.append({"pack": pack_of(version), "version": version,
                     "status": status, "status_label": STATUS_LABELS[status]})
    rows.sort(key=lambda r: (r["status"] != "in_force", r["pack"].id))
    return render(request, "policies/list.html", {
        "rows": rows,
        "events": PolicyEvent.objects.all(),
        "upload_form": PackUploadForm(),
        "event_form": EventForm(choices=sorted(policy_events.known_events().items())),
        "correction_form": EventCorrectionForm(choices=_recorded()),
    })


def _recorded() -> list[tuple[str, str]]:
    return [(e.code, f"{e.name}（{e.occurred_on.isoformat()}）") for e in PolicyEvent.objects.all()]


def policy_detail(request: HttpRequest, pack_id: str) -> HttpResponse:
    row = PolicyPack.objects.select_related("current").filter(pack_id=pack_id).first()
    if row is None or row.current is None:
        raise Http404("没有这个政策规则包")
    version = row.current
    pack = pack_of(version)
    happened = happened_events()
    status = status_on(version, happened, timezone.localdate())
    clauses = [
        {"clause": c, "does": [explain(pack, impl) for impl in c.implemented_by]}
        for c in pack.clauses
    ]
    scenarios = {**SCENARIOS, **pack.scenarios}
    return render(request, "policies/detail.html", {
        "pack": pack, "version": version, "status": status,
        "status_label": STATUS_LABELS[status], "clauses": clauses,
        "versions": row.versions.order_by("-number"),
        "severity_labels": dict(SEVERITY.choices), "scenarios": scenarios,
        "yields_to": [LEVEL_LABELS.get(level, level) for level in pack.yields_to],
        "ended_on": happened.get(pack.ends_with_event.code) if pack.ends_with_event else None,
    })


@role_required(Role.OFFICE)
def upload(request: HttpRequest) -> HttpResponse:
    form = PackUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            parsed = loader.parse(upload_file.read().decode("utf-8"), upload_file.name)
            if request.POST.get("action") == "load":
                version, created = loader.load([parsed], actor=request.user, via="web")[0]
                if created:
                    messages.success(request, f"已载入 {parsed.pack.id} 第 {version.number} 版")
                else:
                    messages.info(request, f"{parsed.pack.id} 内容未变化，未产生新版本")
                return redirect("policies:detail", pack_id=parsed.pack.id)
            messages.success(request, f"{upload_file.name} 校验通过，可以载入")
        except UnicodeDecodeError:
            problems = [f"{upload_file.name}：文件应为 UTF-8 编码"]
        except loader.PackError as exc:
            problems = exc.problems
    return render(request, "policies/upload.html", {"form": form, "problems": problems})


@role_required(Role.OFFICE)
def record_event(request: HttpRequest) -> HttpResponse:
    form = EventForm(request.POST or None, choices=sorted(policy_events.known_events().items()))
    if request.method == "POST" and form.is_valid():
        try:
            event = policy_events.record_event(
                form.cleaned_data["code"], form.cleaned_data["occurred_on"],
                note=form.cleaned_data["note"], actor=request.user, via="web")
        except DomainError as exc:
            messages.error(request, exc.msg)
        else:
            messages.success(request, f"已记录：{event.name}（{event.occurred_on}）")
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''}"
                                    f"：{'；'.join(str(e) for e in errors)}")
    return redirect("policies:list")


@role_required(Role.OFFICE)
def correct_event(request: HttpRequest) -> HttpResponse:
    form = EventCorrectionForm(request.POST or None, choices=_recorded())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        day = None if data["withdraw"] else data["occurred_on"]
        try:
            event = policy_events.correct_event(data["code"], day, data["reason"],
                                                actor=request.user, via="web")
        except DomainError as exc:
            messages.error(request, exc.msg)
        else:
            messages.success(request, f"已更正：{event.name}（{event.occurred_on}）" if event
                             else "已撤回该事件：以其结束的政策恢复施行")
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{'；'.join(str(e) for e in errors)}")
    return redirect("policies:list")
