"""Pages: a person's points with the reason for each item, an enterprise's grade with its
basis and inspection rate, and the office's recompute and 企业规模 of one subject."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role
from xinyong.audit.models import record as audit
from xinyong.lib.errors import DomainError
from xinyong.policies import rulebook
from xinyong.policies.schema import SCALES
from xinyong.scores import services
from xinyong.scores.choices import GRADE
from xinyong.scores.forms import AsOfForm, ScaleForm
from xinyong.scores.refresh import refresh as recompute
from xinyong.subjects import access
from xinyong.subjects.models import Subject


def _visible(request: HttpRequest, subject_id: int) -> Subject:
    viewer = request.user if request.user.is_authenticated else None
    subject = Subject.objects.visible_to(viewer).filter(pk=subject_id).first()
    if subject is None:
        raise Http404("没有这个信用主体，或无权查看")
    return subject


@role_required(Role.SUBJECT, Role.OFFICE)
def score(request: HttpRequest, subject_id: int) -> HttpResponse:
    subject = _visible(request, subject_id)
    if getattr(request.user, "role", None) == Role.SUBJECT and not access.is_own(request.user, subject):
        raise Http404("没有这个信用主体，或无权查看")
    form = AsOfForm(request.GET or None)
    result, error = None, ""
    as_of = scheme = None
    if form.is_valid():
        as_of, scheme = form.cleaned_data["as_of"], form.cleaned_data["scheme"] or None
    try:
        result = services.score(subject, as_of, scheme)
    except DomainError as exc:
        error = exc.msg
        if exc.field in form.fields:
            form.add_error(exc.field if exc.field != "scheme" else None, exc.msg)
    book = rulebook.current()
    schemes = services.schemes_for(book, subject.kind, result.as_of) if result else []
    return render(request, "scores/score.html", {
        "subject": subject, "form": form, "result": result, "error": error,
        "schemes": schemes,
        "rows": [(i, book.behavior_text(i.behavior) if i.behavior else "", _doc(book, i.policy))
                 for i in (result.items if result else [])],
        "doc_number": _doc(book, result.policy) if result else "",
        "gained": sum(i.points for i in result.items if i.points > 0) if result else 0,
        "lost": sum(i.points for i in result.items if i.points < 0) if result else 0,
    })


def _doc(book: rulebook.Rulebook, pack_id: str) -> str:
    entry = book.entry(pack_id)
    return entry.pack.doc_number if entry else pack_id


@role_required(Role.SUBJECT)
def my_score(request: HttpRequest) -> HttpResponseBase:
    """我的信用评价: a person's points, an enterprise's grade."""
    subject = request.user.subject  # type: ignore[union-attr]
    if subject is None:
        raise Http404("该账号未关联信用主体")
    return redirect("scores:score" if subject.is_person else "scores:grade",
                    subject_id=subject.pk)


def grade(request: HttpRequest, subject_id: int) -> HttpResponse:
    subject = _visible(request, subject_id)
    form = AsOfForm(request.GET or None)
    as_of = form.cleaned_data["as_of"] if form.is_valid() else None
    result, error = None, ""
    try:
        result = services.grade(subject, as_of)
    except DomainError as exc:
        if exc.status == 404 and exc.field == "subject":
            raise Http404(exc.msg) from None
        error = exc.msg
        form.add_error("as_of" if exc.field == "as_of" else None, exc.msg)
    scheme = None
    if result:
        entry = rulebook.current().entry(result.policy)
        scheme = entry.pack.grades if entry else None
    office = getattr(request.user, "role", None) == Role.OFFICE
    return render(request, "scores/grade.html", {
        "subject": subject, "form": form, "result": result, "error": error,
        "grade_label": GRADE.label(result.grade) if result else "",
        "grade_badge": GRADE.badge(result.grade) if result else "",
        "rates": [(g, GRADE.label(g), r) for g, r in scheme.rates.items()] if scheme else [],
        "stored": services.stored_grade(subject),
        "scale_form": ScaleForm(initial={"scale": subject.scale}) if office else None,
        "scale_label": SCALES.get(subject.scale, "未知"),
    })


@require_POST
@role_required(Role.OFFICE)
def refresh(request: HttpRequest, subject_id: int) -> HttpResponseBase:
    """Recompute one subject's stored points and grade now (on demand)."""
    subject = _visible(request, subject_id)
    run = recompute([subject.pk])
    audit("evaluation.refresh", request=request, obj=subject,
          summary=f"重新计算信用积分和评级：{subject.name}（{subject.code_masked}）",
          detail={"results": run.subjects, "changed": run.changed})
    messages.success(request, "已重新计算，结果已更新" if run.changed else "已重新计算，结果没有变化")
    return redirect(request.POST.get("next") or reverse("subjects:detail", args=[subject.pk]))


@require_POST
@role_required(Role.OFFICE)
def scale(request: HttpRequest, subject_id: int) -> HttpResponseBase:
    """The office sets an enterprise's 企业规模, which the inspection adjustments read."""
    subject = _visible(request, subject_id)
    if subject.is_person:
        raise Http404("自然人没有企业规模")
    form = ScaleForm(request.POST)
    if not form.is_valid():
        problems = form.errors.get("scale", ["无效的选项"])
        messages.error(request, "企业规模：" + "；".join(str(e) for e in problems))
        return redirect("scores:grade", subject_id=subject.pk)
    before, after = subject.scale, form.cleaned_data["scale"]
    if before != after:
        with transaction.atomic():
            subject.scale = after
            subject.save(update_fields=["scale", "updated_at"])
            recompute([subject.pk])
            audit("subject.scale", request=request, obj=subject,
                  summary=f"企业规模：{SCALES.get(before, '未知')} → {SCALES.get(after, '未知')}",
                  detail={"before": before, "after": after})
        messages.success(request, f"企业规模已改为{SCALES.get(after, '未知')}，评级已重新计算")
    return redirect("scores:grade", subject_id=subject.pk)
