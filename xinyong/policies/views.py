"""Public pages for each policy, and the office's pack upload and event forms."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role
from xinyong.lib.errors import DomainError
from xinyong.policies import events as policy_events
from xinyong.policies import loader, whatif
from xinyong.policies.choices import SEVERITY
from xinyong.policies.coverage import explain
from xinyong.policies.forms import EventCorrectionForm, EventForm, PackUploadForm
from xinyong.policies.models import STATUS_LABELS, PolicyEvent, PolicyPack, status_on
from xinyong.policies.rulebook import current as current_rulebook
from xinyong.policies.rulebook import events as happened_events
from xinyong.policies.rulebook import pack_of
from xinyong.policies.schema import LEVEL_LABELS, SCENARIOS

SHA256 = re.compile(r"[0-9a-f]{64}")


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
    """只校验, or 试算 (the what-if report, then 确认采用 on its page). A POST with
    action=load loads at once, as before the preview existed (scripts and tests use it)."""
    form = PackUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            text = upload_file.read().decode("utf-8")
            parsed = loader.parse(text, upload_file.name)
            action = request.POST.get("action")
            if action == "preview":
                report = whatif.evaluate([parsed])
                sha = whatif.keep(request.session, text, upload_file.name, report.as_dict())
                return redirect("policies:whatif", sha=sha)
            if action == "load":
                version, created = loader.load([parsed], actor=request.user, via="web")[0]
                if created:
                    messages.success(request, f"已载入 {parsed.pack.id} 第 {version.number} 版")
                else:
                    messages.info(request, f"{parsed.pack.id} 内容未变化，未产生新版本")
                return redirect("policies:detail", pack_id=parsed.pack.id)
            messages.success(request, f"{upload_file.name} 校验通过，可以试算")
        except UnicodeDecodeError:
            problems = [f"{upload_file.name}：文件应为 UTF-8 编码"]
        except loader.PackError as exc:
            problems = exc.problems
    return render(request, "policies/upload.html", {"form": form, "problems": problems})


def _kept_or_404(request: HttpRequest, sha: str) -> dict[str, Any]:
    data = whatif.kept(request.session, sha) if SHA256.fullmatch(sha) else None
    if data is None:
        raise Http404("没有这份试算（已放弃或已超过一天），请重新上传试算")
    return data


@role_required(Role.OFFICE)
def whatif_preview(request: HttpRequest, sha: str) -> HttpResponse:
    """The what-if report of a kept draft: 确认采用, 只试算，不采用, or 重新试算."""
    data = _kept_or_404(request, sha)
    if data.get("adopted"):
        return redirect("policies:whatif_adopted", sha=sha)
    refused = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "discard":
            whatif.drop(request.session, sha)
            messages.info(request, f"已放弃 {data['name']} 的试算，未采用，未写入任何内容")
            return redirect("policies:upload")
        if action == "refresh":
            try:
                report = whatif.evaluate([loader.parse(data["text"], data["name"])])
            except loader.PackError as exc:
                refused = "；".join(exc.problems)
            else:
                whatif.drop(request.session, sha)
                sha = whatif.keep(request.session, data["text"], data["name"], report.as_dict())
                messages.success(request, "已按现行规则包重新试算")
                return redirect("policies:whatif", sha=sha)
        if action == "adopt":
            try:
                whatif.adopt(request.session, sha, actor=request.user)
            except DomainError as exc:
                refused = exc.msg
            except loader.PackError as exc:
                refused = "；".join(exc.problems)
            else:
                return redirect("policies:whatif_adopted", sha=sha)
    stale = data.get("rulebook") != whatif.rulebook_key(current_rulebook())
    return render(request, "policies/whatif.html", {
        "draft": data, "report": data["report"], "sha": sha, "refused": refused,
        "stale": stale}, status=409 if refused else 200)


@role_required(Role.OFFICE)
def whatif_adopted(request: HttpRequest, sha: str) -> HttpResponse:
    """The load result: the version made, and the report the office saw before adopting."""
    data = _kept_or_404(request, sha)
    if not data.get("adopted"):
        return redirect("policies:whatif", sha=sha)
    return render(request, "policies/whatif_adopted.html", {
        "draft": data, "report": data["report"], "adopted": data["adopted"], "sha": sha,
        "adopted_at": dt.datetime.fromisoformat(data["adopted"]["at"])})


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
