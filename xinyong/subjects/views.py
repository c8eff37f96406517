from __future__ import annotations

import re
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.audit.models import record as audit
from xinyong.subjects import codes
from xinyong.subjects.models import Subject
from xinyong.subjects.profile import NOT_YET_AVAILABLE, build_profile


class SearchForm(forms.Form):
    """信用查询: an enterprise or individual business by name or USCC, for everyone; a person
    by ID number, for staff only. Persons are never found by name."""

    code = forms.CharField(label="名称或统一社会信用代码", max_length=60)

    def __init__(self, *args: Any, staff: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = staff
        if staff:
            self.fields["code"].label = "名称、统一社会信用代码或身份证号码"

    def clean_code(self) -> tuple[str, str]:
        text = "".join(self.cleaned_data["code"].split())
        try:
            kind, number = codes.classify(text)
        except codes.CodeError as exc:
            if CODE_LIKE.fullmatch(text):  # meant as a code: say what is wrong with it
                raise forms.ValidationError(str(exc)) from None
            if len(text) < 2:
                raise forms.ValidationError("请至少输入名称中的两个字") from None
            return "name", text
        if kind == codes.PERSON and not self.staff:
            raise forms.ValidationError("不提供按身份证号码查询自然人的信用信息；"
                                        "本人可登录后在首页查看自己的信用信息")
        return kind, number


# Letters and digits only, with a digit, 15 or more: a code typed with a mistake in it.
CODE_LIKE = re.compile(r"(?=.*\d)[0-9A-Za-z]{15,}")
NAME_RESULTS = 20


def search(request: HttpRequest) -> HttpResponse:
    # POST, never GET: an ID number must not appear in a URL or an access log.
    staff = getattr(request.user, "role", None) in (Role.OFFICE, Role.DEPARTMENT)
    form = SearchForm(request.POST or None, staff=staff)
    result = None
    matches: list[Subject] = []
    searched = False
    if request.method == "POST" and form.is_valid():
        kind, number = form.cleaned_data["code"]
        searched = True
        viewer = request.user if request.user.is_authenticated else None
        if kind == "name":
            matches = list(Subject.objects.visible_to(viewer).exclude(kind=codes.PERSON)
                           .filter(name__icontains=number).order_by("name")[:NAME_RESULTS + 1])
        else:
            result = Subject.objects.visible_to(viewer).by_code(number)
        if kind == codes.PERSON:
            audit("subject.lookup", request=request, obj=result,
                  summary=f"按身份证号码查找 {codes.mask(kind, number)}",
                  detail={"found": result is not None})
    return render(request, "subjects/search.html", {
        "form": form, "result": result, "searched": searched, "staff": staff,
        "matches": matches[:NAME_RESULTS], "more": len(matches) > NAME_RESULTS})


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
