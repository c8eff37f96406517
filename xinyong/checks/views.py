"""Web pages of the check (信用核查): run one, read and export its results, give feedback,
and the office's overview of who checks what and whether they report back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role, User
from xinyong.audit.models import record as audit
from xinyong.checks import services
from xinyong.checks.choices import MEASURE_KIND, VERDICT
from xinyong.checks.filtersets import CheckFilterForm, filter_checks, has_feedback
from xinyong.checks.forms import CheckForm, FeedbackForm
from xinyong.checks.models import INSTITUTION_SCENARIO, Check, CheckFile, Feedback
from xinyong.jobs import leases
from xinyong.lib.errors import DomainError
from xinyong.lib.exports import Written, xlsx_response
from xinyong.lib.paging import paginate
from xinyong.lib.pii import looks_like_id_number, mask_code
from xinyong.policies import rulebook
from xinyong.policies.rulebook import Rulebook
from xinyong.subjects.models import Subject

RESULTS_PAGE = 100
CHECKS_PAGE = 50
CHUNK = 2000
SHOW = {"": "全部主体", "hits": "命中措施的", "attention": "需关注的", "unknown": "平台无记录的",
        "errors": "代码有误的"}


@dataclass
class Row:
    """One subject of a check as the result page and the export show it."""

    index: int
    result: dict[str, Any]
    name: str = ""
    list_names: list[str] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.result.get("error"):
            return "error"
        return "known" if self.result.get("known") else "unknown"

    @property
    def code(self) -> str:
        """The code as shown: an invalid input that may still be an ID number (15 digits, a
        typo) is masked here too, whatever the stored result says."""
        code = str(self.result["code_masked"])
        if self.state == "error" and looks_like_id_number(code):
            return mask_code(code)
        return code

    @property
    def verdict_label(self) -> str:
        if self.state == "error":
            return "无法核查"
        return VERDICT.label(self.result["verdict"])

    @property
    def verdict_badge(self) -> str:
        if self.state == "error":
            return "text-bg-warning"
        return VERDICT.badge(self.result["verdict"])

    @property
    def open_measures(self) -> list[dict[str, Any]]:
        """Measures no feedback was given for yet."""
        return [m for m in self.measures if m["feedback"] is None]

    @property
    def answered_measures(self) -> list[dict[str, Any]]:
        """Measures with feedback, which may be corrected (with a reason)."""
        return [m for m in self.measures if m["feedback"] is not None]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# Who runs checks on these pages: the office, departments, and financial institutions in
# the one scenario they may check in (信易贷); files of codes stay the office's and units'.
CHECKERS = (Role.OFFICE, Role.DEPARTMENT, Role.INSTITUTION)


def _get_check(user: User, check_id: int) -> Check:
    check = (Check.objects.visible_to(user).select_related("unit", "institution", "user")
             .filter(pk=check_id).first())
    if check is None:
        raise Http404("没有这次核查，或无权查看")
    return check


def _matches(result: dict[str, Any], show: str) -> bool:
    if show == "hits":
        return bool(result.get("measures"))
    if show == "attention":
        return result.get("verdict") == "attention"
    if show == "unknown":
        return not result.get("known") and not result.get("error")
    if show == "errors":
        return bool(result.get("error"))
    return True


def build_rows(check: Check, indexed: list[tuple[int, dict[str, Any]]], book: Rulebook) -> list[Row]:
    """Rows for some results of a check: names, list names, and feedback given per measure."""
    ids = sorted({r["subject_id"] for _, r in indexed if r.get("subject_id")})
    names: dict[int, str] = {}
    given: dict[tuple[int, str], Feedback] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        names.update(Subject.objects.filter(pk__in=chunk).values_list("pk", "name"))
        for fb in Feedback.objects.filter(check_request=check, subject_id__in=chunk).select_related("user"):
            given[(fb.subject_id, fb.measure)] = fb
    list_names: dict[str, str] = {}
    rows = []
    for index, result in indexed:
        sid = result.get("subject_id")
        measures = []
        for m in result.get("measures", []):
            label, badge = MEASURE_KIND.label(m["kind"]), MEASURE_KIND.badge(m["kind"])
            measures.append({**m, "kind_label": label, "kind_badge": badge,
                             "doc_number": m.get("doc_number") or m["policy"],
                             "feedback": given.get((sid, m["code"])) if sid else None})
        lists = []
        for code in result.get("lists", []):
            if code not in list_names:
                list_names[code] = book.list_name(code)
            lists.append(list_names[code])
        rows.append(Row(index=index, result=result, name=names.get(sid, "") if sid else "",
                        list_names=lists, measures=measures))
    return rows


def summarize(check: Check) -> dict[str, int]:
    results = check.results
    return {
        "total": len(results),
        "restrict": sum(1 for r in results if r["verdict"] == "restrict"),
        "incentive": sum(1 for r in results if r["verdict"] == "incentive"),
        "mixed": sum(1 for r in results if r["verdict"] == "mixed"),
        "attention": sum(1 for r in results if r["verdict"] == "attention"),
        "known": sum(1 for r in results if r.get("known")),
        "unknown": sum(1 for r in results if not r.get("known") and not r.get("error")),
        "errors": sum(1 for r in results if r.get("error")),
    }


@role_required(*CHECKERS)
def new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    book = rulebook.current()
    scenarios = book.scenarios()
    institution = user.role == Role.INSTITUTION
    form = CheckForm(request.POST or None, None if institution else request.FILES or None,
                     scenarios=scenarios, fixed=INSTITUTION_SCENARIO if institution else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        as_of = data["as_of"] or timezone.localdate()
        try:
            if data["source"] == "file":
                job = services.queue_check_file(user, data["scenario"], data["file"], as_of,
                                                request=request)
                return redirect("checks:file", job_id=job.pk)
            check = services.run_check(user, data["scenario"], data["subjects"], as_of,
                                       request=request)
        except DomainError as exc:
            name: str | None = data["source"] if exc.field == "subjects" else exc.field
            if name not in form.fields or form.fields[name].widget.is_hidden:
                name = None  # the fixed scenario: said at the top
            form.add_error(name, exc.msg)
        else:
            return redirect("checks:detail", check_id=check.pk)
    recent = (Check.objects.filter(user=user).defer("results").order_by("-created_at")[:8])
    return render(request, "checks/new.html", {
        "form": form, "recent": recent, "scenarios": scenarios, "institution": institution,
        "fixed_label": scenarios.get(INSTITUTION_SCENARIO, "信易贷")})


def _get_file(user: User, job_id: int) -> CheckFile:
    job = CheckFile.objects.visible_to(user).filter(pk=job_id).first()
    if job is None:
        raise Http404("没有这个核查文件，或无权查看")
    return job


@role_required(Role.OFFICE, Role.DEPARTMENT)
def file_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """A file of codes being checked by the worker: progress, then the result (or why not).

    Polled by HTMX every second; when the check is done the page moves to its result."""
    job = _get_file(_user(request), job_id)
    if job.status == "done" and job.check_result_id:
        target = reverse("checks:detail", kwargs={"check_id": job.check_result_id})
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
    template = "checks/_file_status.html" if request.headers.get("HX-Request") else "checks/file.html"
    scenario = rulebook.current().scenarios().get(job.scenario, job.scenario)
    response = render(request, template, {"job": job, "scenario": scenario,
                                          "stalled": leases.stalled(job)})
    response["Cache-Control"] = "no-store"
    return response


def _feedback_log(check: Check) -> list[Feedback]:
    """The feedback on a check, each with the text of its measure as the check gave it."""
    given = list(Feedback.objects.filter(check_request=check).select_related("subject", "user")
                 .prefetch_related("changes__user"))
    if given:
        wanted = {fb.subject_id for fb in given}
        texts = {(r["subject_id"], m["code"]): m["text"] for r in check.results
                 if r.get("subject_id") in wanted for m in r.get("measures", [])}
        for fb in given:
            fb.measure_text = texts.get((fb.subject_id, fb.measure), fb.measure)  # type: ignore[attr-defined]
    return given


@role_required(*CHECKERS)
def detail(request: HttpRequest, check_id: int) -> HttpResponse:
    user = _user(request)
    check = _get_check(user, check_id)
    book = rulebook.current()
    show = request.GET.get("show", "")
    if show not in SHOW:
        show = ""
    indexed = [(i, r) for i, r in enumerate(check.results, start=1) if _matches(r, show)]
    page = Paginator(indexed, RESULTS_PAGE).get_page(request.GET.get("page"))
    rows = build_rows(check, list(page.object_list), book)
    return render(request, "checks/detail.html", {
        "check": check, "scenario": book.scenarios().get(check.scenario, check.scenario),
        "summary": summarize(check), "rows": rows, "page": page, "show": show, "shows": SHOW,
        "query": urlencode({"show": show}) if show else "",
        "feedback": _feedback_log(check),
        "can_feedback": user.role in (Role.DEPARTMENT, Role.INSTITUTION),
        "office": user.role == Role.OFFICE,
    })


@role_required(*CHECKERS)
def export(request: HttpRequest, check_id: int) -> HttpResponseBase:
    check = _get_check(_user(request), check_id)
    book = rulebook.current()
    rows = build_rows(check, list(enumerate(check.results, start=1)), book)
    headers = ["序号", "代码", "名称", "平台记录", "名单", "公示中的失信记录", "结论", "措施类别", "措施",
               "依据", "反馈", "错误"]
    states = {"known": "有", "unknown": "无此主体", "error": "代码有误"}

    def lines() -> Any:
        for row in rows:
            ms = row.measures
            yield [
                row.index, row.code, row.name, states[row.state],
                "、".join(row.list_names),
                "；".join(f"{r['behavior_text']}（{r['doc_number']} {r['clause']}，{r['decided_on']}）"
                         for r in row.result.get("records_in_force", [])),
                row.verdict_label,
                "；".join(m["kind_label"] for m in ms), "；".join(m["text"] for m in ms),
                "；".join(f"{m['doc_number']} 第{m['clause']}条" for m in ms),
                "；".join(f"{m['code']}：{'已执行' if m['feedback'].applied else '未执行'}"
                         for m in ms if m["feedback"]),
                row.result.get("error") or "",
            ]

    def audited(written: Written) -> None:
        audit("check.export", request=request, obj=check,
              summary=f"导出核查 #{check.pk} 结果 {written.rows} 条（Excel）", detail=written.detail())

    return xlsx_response(headers, lines(), sheet="核查结果", filename=f"核查结果-{check.pk}.xlsx",
                         on_done=audited)


@role_required(Role.DEPARTMENT, Role.INSTITUTION)
@require_POST
def feedback(request: HttpRequest, check_id: int) -> HttpResponse:
    user = _user(request)
    check = _get_check(user, check_id)
    form = FeedbackForm(request.POST)
    error, saved = "", ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            given = services.give_feedback(check, user, data["subject_id"], data["measure"],
                                           data["applied"], data["note"], reason=data["reason"],
                                           request=request)
        except DomainError as exc:
            error = exc.msg
        else:
            saved = "已记录反馈" if given.created else "已更正反馈，原反馈保留在反馈记录中"  # type: ignore[attr-defined]
    else:
        error = "；".join(f"{form.fields[name].label or name}：{'；'.join(str(e) for e in errs)}"
                         for name, errs in form.errors.items())
    subject_id = form.cleaned_data.get("subject_id") if hasattr(form, "cleaned_data") else None
    index = next((i for i, r in enumerate(check.results, start=1)
                  if subject_id and r.get("subject_id") == subject_id), None)
    if request.headers.get("HX-Request") and index is not None:
        row = build_rows(check, [(index, check.results[index - 1])], rulebook.current())[0]
        # The row, and the feedback log below the table swapped out of band.
        return render(request, "checks/_row_and_log.html", {
            "row": row, "check": check, "can_feedback": True, "feedback_error": error,
            "feedback_saved": saved, "feedback": _feedback_log(check), "oob": True})
    if error:
        messages.error(request, f"反馈未保存：{error}")
    else:
        messages.success(request, saved)
    anchor = f"#r{index}" if index else ""
    return redirect(reverse("checks:detail", kwargs={"check_id": check.pk}) + anchor)


def _check_list(request: HttpRequest, office: bool) -> HttpResponse:
    user = _user(request)
    book = rulebook.current()
    scenarios = book.scenarios()
    form = CheckFilterForm(request.GET or None, scenarios=scenarios, office=office)
    visible = Check.objects.visible_to(user)
    checks = filter_checks(visible, form) if form.is_bound else visible
    by_unit = []
    if office:
        by_unit = list(
            checks.order_by().values("unit_id", "unit__name", "institution_id",
                                     "institution__name", "scenario")
            .annotate(checks=Count("pk"), subjects=Sum("subject_count"),
                      restricted=Sum("restricted"), incentivised=Sum("incentivised"),
                      with_feedback=Count("pk", filter=has_feedback()))
            .order_by("unit__name", "institution__name", "scenario")
        )
    listed = (checks.defer("results").select_related("unit", "institution", "user")
              .annotate(fb_subjects=Count("feedback__subject", distinct=True),
                        fb_count=Count("feedback", distinct=True))
              .order_by("-created_at", "-pk"))
    page, query = paginate(request, listed, CHECKS_PAGE)
    return render(request, "checks/list.html", {
        "form": form, "page": page, "by_unit": by_unit, "office": office,
        "scenarios": scenarios, "query": query,
    })


@role_required(*CHECKERS)
def check_list(request: HttpRequest) -> HttpResponse:
    if _user(request).role == Role.OFFICE:
        return redirect("checks:office")
    return _check_list(request, office=False)


@role_required(Role.OFFICE)
def office(request: HttpRequest) -> HttpResponse:
    return _check_list(request, office=True)
