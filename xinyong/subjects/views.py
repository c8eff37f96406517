from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role
from xinyong.audit.models import record as audit
from xinyong.subjects import codes
from xinyong.subjects.models import Subject
from xinyong.subjects.profile import NOT_YET_AVAILABLE, build_profile


class SearchForm(forms.Form):
    code = forms.CharField(label="统一社会信用代码或身份证号码", max_length=40)

    def clean_code(self) -> tuple[str, str]:
        try:
            return codes.classify(self.cleaned_data["code"])
        except codes.CodeError as exc:
            raise forms.ValidationError(str(exc)) from None


@role_required(Role.OFFICE, Role.DEPARTMENT)
def search(request: HttpRequest) -> HttpResponse:
    # POST, never GET: an ID number must not appear in a URL or an access log.
    form = SearchForm(request.POST or None)
    result = None
    searched = False
    if request.method == "POST" and form.is_valid():
        kind, number = form.cleaned_data["code"]
        result = Subject.objects.by_code(number)
        searched = True
        if kind == codes.PERSON:
            audit("subject.lookup", request=request, obj=result,
                  summary=f"按身份证号码查找 {codes.mask(kind, number)}",
                  detail={"found": result is not None})
    return render(request, "subjects/search.html",
                  {"form": form, "result": result, "searched": searched})


def detail(request: HttpRequest, subject_id: int) -> HttpResponse:
    viewer = request.user if request.user.is_authenticated else None
    subject = Subject.objects.visible_to(viewer).filter(pk=subject_id).first()
    if subject is None:
        raise Http404("没有这个信用主体，或无权查看")
    today = timezone.localdate()
    profile = build_profile(subject, viewer, request=request, today=today)
    return render(request, "subjects/detail.html", {
        "subject": subject, "profile": profile, "today": today,
        "pending": [NOT_YET_AVAILABLE[k] for k in profile["not_yet_available"]],
    })
