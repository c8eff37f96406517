"""Web pages of the collection: record list and export, record page, submission, bulk import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role, User
from xinyong.audit.models import record as audit
from xinyong.jobs import leases
from xinyong.lib import exports
from xinyong.lib.errors import DomainError
from xinyong.lib.exports import Written, csv_response, download, xlsx_response
from xinyong.lib.paging import paginate
from xinyong.lists.models import Membership, describe
from xinyong.policies import rulebook
from xinyong.policies.choices import SEVERITY
from xinyong.policies.rulebook import Rulebook, pack_of
from xinyong.records import bulk, imports, penalties, services, templates
from xinyong.records import determination as d
from xinyong.records.choices import CHANGE, SOURCE
from xinyong.records.choices import STATUS as RECORD_STATUS
from xinyong.records.filtersets import RecordFilterForm, filter_records
from xinyong.records.forms import (
    CorrectForm,
    RecordForm,
    RectifiedForm,
    UploadForm,
    WithdrawForm,
)
from xinyong.records.models import (
    ImportJob,
    Record,
    RecordVersion,
    effective_status,
    publicity_end,
)
from xinyong.subjects.access import may_view_profile
from xinyong.subjects.codes import KIND_LABELS

PAGE_SIZE = 50
SHOWN_ERRORS = 20


@dataclass
class Row:
    """A record as the pages show it on a given day."""

    record: Record
    status: str
    behavior_text: str
    # The lists the subject is on today because of this record (None: not looked up).
    current_lists: list[str] | None = None

    @property
    def status_label(self) -> str:
        return RECORD_STATUS.label(self.status)

    @property
    def severity_label(self) -> str:
        return SEVERITY.label(self.record.severity)

    @property
    def badge(self) -> str:
        if self.status == d.PUBLISHED and self.record.polarity == "good":
            return "text-bg-success"
        return RECORD_STATUS.badge(self.status)

    @property
    def list_names(self) -> list[str]:
        return list_names(self.record.lists)

    @property
    def flags(self) -> list[str]:
        return flags(self.record.name_mismatch, self.record.objection_open)


def list_names(lists: list[dict[str, Any]]) -> list[str]:
    return [entry.get("name") or entry.get("code", "") for entry in lists]


def flags(name_mismatch: bool, objection_open: bool) -> list[str]:
    found = []
    if name_mismatch:
        found.append("名称与档案不一致")
    if objection_open:
        found.append("异议处理中")
    return found




def _viewer(request: HttpRequest) -> User | None:
    return request.user if request.user.is_authenticated else None  # type: ignore[return-value]


def _unit_records(user: User) -> QuerySet[Record]:
    queryset = Record.objects.select_related("subject", "unit")
    if user.role == Role.DEPARTMENT:
        queryset = queryset.filter(unit=user.unit)
    return queryset


def _filtered(request: HttpRequest) -> tuple[QuerySet[Record], RecordFilterForm, Rulebook, dt.date]:
    user: User = request.user  # type: ignore[assignment]
    book = rulebook.current()
    today = timezone.localdate()
    form = RecordFilterForm(request.GET, book=book, office=user.role == Role.OFFICE)
    return filter_records(_unit_records(user), form, today), form, book, today


@role_required(Role.OFFICE, Role.DEPARTMENT)
def record_list(request: HttpRequest) -> HttpResponse:
    queryset, form, book, today = _filtered(request)
    page, query = paginate(request, queryset, PAGE_SIZE)
    texts = book.behavior_texts()
    on_lists: dict[int, list[str]] = {}
    # The lists as they stand today (one query for the page), not as the record entered them.
    for record_id, name in (Membership.objects.active_on(today)
                            .filter(record_id__in=[r.pk for r in page])
                            .values_list("record_id", "list_name")):
        on_lists.setdefault(record_id, []).append(name)
    rows = [Row(r, effective_status(r, today), texts.get(r.behavior, r.behavior),
                on_lists.get(r.pk, [])) for r in page]
    return render(request, "records/list.html", {
        "form": form, "page": page, "rows": rows, "query": query,
        "office": request.user.role == Role.OFFICE,  # type: ignore[union-attr]
        "export_sheets": exports.sheets_needed(page.paginator.count),
        "sheet_rows": exports.SHEET_ROWS - 1,
    })


EXPORT_HEADERS = ["决定文书号", "主体名称", "主体类别", "代码", "行为代码", "行为", "情节", "行为发生日期",
                  "决定日期", "状态", "公示开始", "可申请修复", "公示截止", "名单", "标记", "事实",
                  "报送名称", "报送单位", "报送方式"]
# Only the columns the export shows (not the trace, not the subject's cipher), as tuples:
# no model instances, pulled from the database in chunks.
EXPORT_COLUMNS = ["decision_no", "subject__name", "subject__kind", "subject__code_masked", "behavior",
                  "severity", "occurred_on", "decided_on", "status", "closed_on", "rectify_by",
                  "starts_on", "repairable_from", "ends_on", "lists", "name_mismatch", "objection_open",
                  "facts", "reported_name", "unit__name", "source"]
EXPORT_CHUNK = 5000
EXPORT_FORMATS = {"xlsx": "Excel", "csv": "CSV"}


@role_required(Role.OFFICE, Role.DEPARTMENT)
def record_export(request: HttpRequest, fmt: str = "xlsx") -> HttpResponseBase:
    queryset, form, book, today = _filtered(request)
    if not form.is_valid():
        messages.error(request, "筛选条件有误，未导出")
        return redirect(f"{reverse('records:list')}?{request.GET.urlencode()}")
    rows = export_rows(queryset, book.behavior_texts(), today)
    filters = {k: v for k, v in request.GET.items() if k != "page"}

    def audited(written: Written) -> None:
        label = EXPORT_FORMATS[fmt]
        if written.sheets > 1:
            label += f"，共 {written.sheets} 个工作表"
        summary = f"导出信用记录 {written.rows} 条（{label}）"
        if not written.complete:
            why = "下载方已断开" if written.ended_by == "disconnect" else "导出出错"
            summary = f"导出信用记录未完成（{label}，{why}）：已发送 {written.rows} 条"
        audit("record.export", request=request, summary=summary,
              detail={"filters": filters, "format": fmt, **written.detail()})

    filename = f"信用记录-{today.isoformat()}.{fmt}"
    if fmt == "csv":
        return csv_response(EXPORT_HEADERS, rows, filename=filename, on_done=audited)
    return xlsx_response(EXPORT_HEADERS, rows, sheet="信用记录", filename=filename, on_done=audited)


def export_rows(queryset: QuerySet[Record], texts: dict[str, str], today: dt.date) -> Iterator[list[Any]]:
    """The export's rows, read in chunks; persons' codes masked (the full number never leaves)."""
    kinds, severities, sources, statuses = (KIND_LABELS, dict(SEVERITY.choices), dict(SOURCE.choices),
                                            dict(RECORD_STATUS.choices))
    rows = queryset.values_list(*EXPORT_COLUMNS, named=True).iterator(chunk_size=EXPORT_CHUNK)
    for r in rows:
        yield [
            r.decision_no, r.subject__name, kinds.get(r.subject__kind, ""), r.subject__code_masked,
            r.behavior, texts.get(r.behavior, ""), severities.get(r.severity, ""),
            r.occurred_on.isoformat(), r.decided_on.isoformat(), statuses[effective_status(r, today)],
            _iso(r.starts_on), _iso(r.repairable_from), _iso(r.ends_on),
            "、".join(list_names(r.lists)), "、".join(flags(r.name_mismatch, r.objection_open)),
            r.facts, r.reported_name, r.unit__name, sources.get(r.source, r.source),
        ]


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _history(record: Record) -> list[dict[str, Any]]:
    versions = list(RecordVersion.objects.filter(record=record).select_related("actor"))
    rows = [{"number": v.number, "change": CHANGE.label(v.change), "reason": v.reason,
             "actor": str(v.actor) if v.actor else "系统", "at": v.at} for v in versions]
    if record.source == "import" and not any(v.number == 1 for v in versions):
        # Bulk rows land by one set-based merge with no version row until first changed.
        job = f"（任务 #{record.import_job_id}）" if record.import_job_id else ""
        rows.insert(0, {"number": 1, "change": f"批量导入{job}", "reason": "",
                        "actor": str(record.created_by) if record.created_by else "批量导入",
                        "at": record.created_at, "job_id": record.import_job_id})
    return rows


def _basis(record: Record) -> dict[str, str] | None:
    """The trace step that named the behaviour: the document and clause it was judged under."""
    return next((step for step in record.trace if step.get("rule", "").startswith("behavior:")), None)


def _delay(record: Record) -> Any:
    """报送时限 of a 双公示 penalty: working days from the decision to the platform."""
    from xinyong.disclosure import timeliness

    if not penalties.is_penalty(record):
        return None
    return timeliness.delay(record.decided_on, record.created_at, record.unit.region, "penalties")


def record_detail(request: HttpRequest, record_id: int) -> HttpResponse:
    viewer = _viewer(request)
    record = (Record.objects.visible_to(viewer)
              .select_related("subject", "unit", "created_by", "policy_version")
              .filter(pk=record_id).first())
    if record is None:
        raise Http404("没有这条信用记录，或无权查看")
    today = timezone.localdate()
    book = rulebook.current()
    own = bool(viewer and viewer.role == Role.DEPARTMENT and viewer.unit_id == record.unit_id)
    forms: dict[str, Any] = {}
    if own:
        forms = {
            "correct": CorrectForm(record=record, book=book, today=today),
            "withdraw": WithdrawForm(),
            "rectified": RectifiedForm(today=today),
        }
    opened = ""
    if request.method == "POST":
        if not own:
            raise PermissionDenied("只能处理本单位报送的记录")
        opened = request.POST.get("action", "")
        done = _act(request, record, opened, forms, book, today)
        if done:
            return redirect("records:detail", record_id=record.pk)
    status = effective_status(record, today)
    staff = bool(viewer and (viewer.role == Role.OFFICE or own))
    pack = pack_of(record.policy_version)
    text = next((b.text for b in pack.behaviors if b.code == record.behavior), "")
    return render(request, "records/detail.html", {
        "record": record, "row": Row(record, status, text), "pack": pack,
        # Non-public lists (重点关注名单) only for the office, the unit and the subject itself.
        "memberships": describe(Membership.objects.visible_to(viewer).filter(record=record), today),
        "publicity_end": publicity_end(record, today),
        "basis": _basis(record), "profile_link": may_view_profile(viewer, record.subject),
        "kind_label": KIND_LABELS.get(record.subject.kind, record.subject.kind),
        "severity_label": SEVERITY.label(record.severity),
        "penalty": penalties.public_view(record.penalty),
        "delay": _delay(record) if staff else None,
        "legal_rep_masked": ((record.penalty or {}).get("legal_representative") or {}).get("id_masked"),
        "source_label": SOURCE.label(record.source),
        "history": _history(record) if staff else None, "staff": staff, "own": own,
        "forms": forms, "opened": opened,
        "can_correct": own and record.status not in (d.WITHDRAWN, d.REPAIRED),
        "can_withdraw": own and record.status != d.WITHDRAWN,
        "can_rectify": own and services.may_rectify(record, today),
        "rectifiable_lists": services.rectifiable_lists(record) if own else [],
    }, status=422 if opened else 200)


def _act(request: HttpRequest, record: Record, action: str, forms: dict[str, Any],
         book: Rulebook, today: dt.date) -> bool:
    """Run a department's action on its record; False (with form errors) when refused."""
    user = request.user
    form: Any
    try:
        if action == "correct":
            form = forms["correct"] = CorrectForm(request.POST, record=record, book=book, today=today)
            if not form.is_valid():
                return False
            changes = form.changes()
            if not changes:
                form.add_error(None, "没有要更正的字段：请修改至少一项事实")
                return False
            services.correct(record, changes, form.cleaned_data["reason"], actor=user,
                             request=request)
            messages.success(request, "已更正，并按更正后的事实重新认定")
        elif action == "withdraw":
            form = forms["withdraw"] = WithdrawForm(request.POST)
            if not form.is_valid():
                return False
            services.withdraw(record, form.cleaned_data["reason"], actor=user, request=request)
            messages.success(request, "记录已撤销：自今日起不再公示，记录及其历史保留")
        elif action == "rectified":
            form = forms["rectified"] = RectifiedForm(request.POST, today=today)
            if not form.is_valid():
                return False
            deferred = record.status == d.DEFERRED
            services.mark_rectified(record, form.cleaned_data["rectified_on"],
                                    note=form.cleaned_data["note"], actor=user, request=request)
            messages.success(request, "已登记按期整改：该记录不予公示" if deferred
                             else "已登记整改完成：已移出相应名单，记录按原公示期继续公示")
        else:
            raise Http404("未知的操作")
    except DomainError as exc:
        form.service_error(exc)
        return False
    return True


@role_required(Role.DEPARTMENT)
def record_create(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    today = timezone.localdate()
    book = rulebook.current()
    assert user.unit is not None
    form = RecordForm(request.POST if request.method == "POST" else None, book=book, today=today,
                      region=user.unit.region)
    repeat = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sub = services.Submission(
            subject_kind=data["subject_kind"], subject_name=data["subject_name"],
            subject_code=data["subject_code"], behavior=data["behavior"],
            occurred_on=data["occurred_on"], decided_on=data["decided_on"],
            decision_no=data["decision_no"], facts=data["facts"], severity=data["severity"],
            force_majeure=data["force_majeure"], epidemic_duty=data["epidemic_duty"],
            rectify_by=data["rectify_by"], external_id=data["external_id"],
            violation_type=data["violation_type"].strip(), penalty=form.penalty(),
            force_majeure_certificate=data["force_majeure_certificate"].strip(),
        )
        assert user.unit is not None
        try:
            record, created = services.submit(user.unit, sub, actor=user, source="form",
                                              request=request, today=today)
        except DomainError as exc:
            form.service_error(exc)
        else:
            if created:
                label = RECORD_STATUS.label(record.status)
                messages.success(request, f"已报送 {record.decision_no}：{label}")
                return redirect("records:detail", record_id=record.pk)
            repeat = record
    status = 422 if form.errors else 200
    response = render(request, "records/form.html", {"form": form, "repeat": repeat}, status=status)
    if request.method == "POST":
        response["Cache-Control"] = "no-store"  # the page echoes the code that was typed
    return response


def _job_for(request: HttpRequest, job_id: int) -> ImportJob:
    user: User = request.user  # type: ignore[assignment]
    job = (ImportJob.objects.visible_to(user).select_related("unit", "created_by")
           .filter(pk=job_id).first())
    if job is None:
        raise Http404("没有这个导入任务，或无权查看")
    return job


@role_required(Role.DEPARTMENT, Role.OFFICE)
def import_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    upload = user.role == Role.DEPARTMENT
    form = None
    if upload:
        form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("只有成员单位可以上传批量文件")
        if form.is_valid():
            assert user.unit is not None
            data = form.cleaned_data
            try:
                job = imports.create_job(
                    user.unit, data["file"], actor=user, accept_partial=data["accept_partial"],
                    default_severity=data["default_severity"] or None, request=request)
            except DomainError as exc:
                form.service_error(exc)
            else:
                return redirect("records:import", job_id=job.pk)
    jobs = ImportJob.objects.visible_to(user).select_related("unit", "created_by")
    return render(request, "records/imports.html",
                  {"form": form, "jobs": jobs[:30]},
                  status=422 if form is not None and form.errors else 200)


def _progress_context(job: ImportJob) -> dict[str, Any]:
    return {"job": job, "finished": job.finished,
            "stalled": leases.stalled(job),
            "errors": [{**e, "label": bulk.field_label(e.get("field", ""))}
                       for e in job.errors[:SHOWN_ERRORS]],
            "more_errors": max(len(job.errors) - SHOWN_ERRORS, 0)}


@role_required(Role.DEPARTMENT, Role.OFFICE)
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_for(request, job_id)
    return render(request, "records/import_detail.html", _progress_context(job))


@role_required(Role.DEPARTMENT, Role.OFFICE)
def import_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress bar and counts, polled by HTMX every second until the job finishes."""
    job = _job_for(request, job_id)
    response = render(request, "records/_import_progress.html", _progress_context(job))
    response["Cache-Control"] = "no-store"
    return response


@role_required(Role.DEPARTMENT, Role.OFFICE)
def import_errors(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_for(request, job_id)
    content, name = imports.error_download(job, request=request)
    return download(content, name, "text/csv; charset=utf-8")


@role_required(Role.DEPARTMENT, Role.OFFICE)
def import_template(request: HttpRequest, fmt: str = "csv") -> HttpResponse:
    """The template for this user's unit: its behaviours, sample rows that import today."""
    user: User = request.user  # type: ignore[assignment]
    today = timezone.localdate()
    choices = templates.offers(rulebook.current(), user.unit.region if user.unit else None, today,
                               everywhere=user.role == Role.OFFICE)
    if fmt == "xlsx":
        return download(templates.as_xlsx(choices, today), "信用记录导入模板.xlsx",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if fmt == "behaviors":
        return download(templates.behaviors_csv(choices), "可报送的行为代码.csv",
                        "text/csv; charset=utf-8")
    if fmt in ("penalties", "licences"):
        name = "行政处罚" if fmt == "penalties" else "行政许可"
        return download(templates.national_csv(fmt, today), f"{name}信息（国家标准2021版）模板.csv",
                        "text/csv; charset=utf-8")
    return download(templates.as_csv(choices, today), "信用记录导入模板.csv", "text/csv; charset=utf-8")
