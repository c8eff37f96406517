from __future__ import annotations

from typing import Any

from django import forms

from xinyong.lib.forms import ServiceErrorsMixin
from xinyong.reports import choices as c
from xinyong.reports.models import NUMBER_RE, normalize_number
from xinyong.subjects import codes
from xinyong.subjects.models import Subject

VERSION_CHOICES = [(v.value, v.label) for v in c.VERSION]


class DownloadForm(ServiceErrorsMixin, forms.Form):
    """The subject's own report: which version."""

    version = forms.ChoiceField(label="报告版本", choices=VERSION_CHOICES, initial=c.PUBLIC,
                                widget=forms.RadioSelect)


class IssueForm(ServiceErrorsMixin, forms.Form):
    """The office issues a report for any subject, saying what it is for."""

    code = forms.CharField(label="统一社会信用代码或身份证号码", max_length=30)
    version = forms.ChoiceField(label="报告版本", choices=VERSION_CHOICES, initial=c.PUBLIC)
    purpose = forms.CharField(label="用途", max_length=200,
                              help_text="如：评优评先审核、政府采购资格审查（记入出具记录和审计日志）")

    def clean_code(self) -> Subject:
        text = "".join(self.cleaned_data["code"].split())
        try:
            kind, number = codes.classify(text)
        except codes.CodeError as exc:
            raise forms.ValidationError(str(exc)) from None
        subject = Subject.objects.by_code(number)
        if subject is None:
            raise forms.ValidationError("平台上没有该代码的信用主体")
        self.cleaned_data["kind"] = kind
        return subject


class NumberForm(forms.Form):
    number = forms.CharField(label="报告编号", max_length=40,
                             help_text="22 位，印在报告每页页眉和首页")

    def clean_number(self) -> str:
        number = normalize_number(self.cleaned_data["number"])
        if not NUMBER_RE.fullmatch(number):
            raise forms.ValidationError("报告编号应为 22 位：8 位日期加 14 位数字或字母")
        return number


class FileForm(forms.Form):
    file = forms.FileField(label="报告文件（PDF）")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError("文件超过 20 MB，不是本平台出具的信用报告")
        return upload


class RevokeForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
