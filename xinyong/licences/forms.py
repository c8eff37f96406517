"""Forms of the licence pages: new licence, correction, withdrawal, the list's filter."""

from __future__ import annotations

from typing import Any

from django import forms

from xinyong.lib import forms as lib_forms
from xinyong.lib.errors import DomainError
from xinyong.lib.forms import DateInput
from xinyong.licences.models import KINDS, STATUS_LABELS, Licence
from xinyong.licences.services import EDITABLE
from xinyong.records.forms import LegalRepFields
from xinyong.records.penalties import check_authority_code
from xinyong.subjects.models import Subject


class BootstrapForm(lib_forms.ServiceErrorsMixin, lib_forms.BootstrapForm):
    error_fields = {"subject.code": "subject_code", "subject.kind": "subject_kind",
                    "subject.name": "subject_name", "authority.name": "authority_name",
                    "authority.code": "authority_code", "source_unit.code": None}


class LicenceFields(BootstrapForm):
    decision_no = forms.CharField(label="行政许可决定文书号", max_length=200)
    decision_name = forms.CharField(label="行政许可决定文书名称", max_length=200, required=False)
    kind = forms.ChoiceField(label="许可类别", choices=[("", "请选择"), *((k, k) for k in KINDS)])
    licence_name = forms.CharField(label="许可证书名称", max_length=200, required=False)
    licence_no = forms.CharField(label="许可编号", max_length=200, required=False)
    content = forms.CharField(label="许可内容", max_length=20000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    decided_on = forms.DateField(label="许可决定日期", widget=DateInput())
    valid_from = forms.DateField(label="有效期自", required=False, widget=DateInput(),
                                 help_text="不填时为许可决定日期")
    valid_to = forms.DateField(label="有效期至", required=False, widget=DateInput(),
                               help_text="长期有效的留空")
    authority_name = forms.CharField(label="许可机关", max_length=200)
    authority_code = forms.CharField(label="许可机关统一社会信用代码", max_length=40, required=False)
    remarks = forms.CharField(label="备注", max_length=2000, required=False)

    def clean_decision_no(self) -> str:
        return str(self.cleaned_data["decision_no"]).strip()

    def clean_authority_code(self) -> str:
        try:
            return check_authority_code(self.cleaned_data.get("authority_code") or "", "authority_code")
        except DomainError as exc:
            raise forms.ValidationError(exc.msg) from None


class LicenceForm(LicenceFields, LegalRepFields):
    """新增行政许可, as a department types it."""

    subject_kind = forms.ChoiceField(label="行政相对人类别", choices=Subject.Kind.choices)
    subject_name = forms.CharField(label="行政相对人名称", max_length=200)
    subject_code = forms.CharField(label="统一社会信用代码或身份证号码", max_length=40,
                                   widget=forms.TextInput(attrs={"autocomplete": "off"}))
    external_id = forms.CharField(label="外部编号", max_length=100, required=False,
                                  help_text="本单位业务系统中的编号，可选；同一编号不会重复报送")

    field_order = ["subject_kind", "subject_name", "subject_code", "legal_rep", "legal_rep_id"]

    def clean_external_id(self) -> str:
        return str(self.cleaned_data.get("external_id") or "").strip()


class CorrectForm(LicenceFields):
    reason = forms.CharField(label="更正原因", max_length=500,
                             widget=forms.TextInput(attrs={"placeholder": "如：许可证编号录入错误"}))

    def __init__(self, *args: Any, licence: Licence, **kwargs: Any) -> None:
        initial = {name: getattr(licence, name) for name in EDITABLE}
        super().__init__(*args, initial=initial, prefix="correct", **kwargs)
        self.licence = licence

    def changes(self) -> dict[str, Any]:
        found = {}
        for name in EDITABLE:
            value = self.cleaned_data[name]
            if name == "valid_from" and value is None:
                value = self.cleaned_data["decided_on"]
            if value != getattr(self.licence, name):
                found[name] = value
        return found


class WithdrawForm(BootstrapForm):
    reason = forms.CharField(label="撤销原因", max_length=500,
                             widget=forms.TextInput(attrs={"placeholder": "如：许可决定已被依法撤销"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="withdraw", **kwargs)


class FilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, widget=forms.TextInput(attrs={
        "placeholder": "文书号、许可编号或名称", "class": "form-control form-control-sm",
        "aria-label": "搜索"}))
    job = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    status = forms.ChoiceField(required=False, choices=[("", "全部状态"), *STATUS_LABELS.items()],
                               widget=forms.Select(attrs={"class": "form-select form-select-sm",
                                                          "aria-label": "状态"}))
