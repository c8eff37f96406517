"""Forms of the check pages: the check itself (pasted codes or a file) and feedback."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from xinyong.checks import engine
from xinyong.lib.forms import BootstrapForm, DateInput

SEPARATORS = re.compile(r"[\s,，;；、]+")


def split_codes(text: str) -> list[str]:
    """Codes pasted one per line, or separated by commas, semicolons or whitespace."""
    return [c for c in SEPARATORS.split(text) if c]


class CheckForm(BootstrapForm):
    scenario = forms.ChoiceField(label="核查场景", error_messages={
        "required": "请选择核查场景", "invalid_choice": "没有场景“%(value)s”，请从列表中选择"})
    as_of = forms.DateField(label="核查日期", required=False, widget=DateInput(),
                            help_text="按哪一天施行的规则和在列情况核查；不填为今天。")
    codes = forms.CharField(
        label="主体代码", required=False, widget=forms.Textarea(attrs={
            "rows": 8, "spellcheck": "false", "autocomplete": "off",
            "placeholder": "例如：\n91350105MA2Y00001R\n91320585MA1N000039, 92350105MA2Y000040"}),
        help_text=f"统一社会信用代码或身份证号码，每行一个，或用逗号、空格分隔；一次最多 "
                  f"{engine.MAX_SUBJECTS} 个。")
    file = forms.FileField(
        label="或上传文件", required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
        help_text="CSV 或 XLSX：读取名为“统一社会信用代码”或“证件号码”的列，"
                  "没有这样的列时读取第一列。文件在后台读取，完成后自动显示结果。")

    def __init__(self, *args: Any, scenarios: dict[str, str], fixed: str | None = None,
                 **kwargs: Any) -> None:
        """`fixed`: the one scenario the caller checks in (a financial institution's
        信易贷), sent as a hidden field; such a caller pastes codes and uploads no file."""
        super().__init__(*args, **kwargs)
        field: Any = self.fields["scenario"]
        self.fixed = fixed
        if fixed is not None:  # whatever is sent, the check is in this scenario
            self.fields["scenario"] = forms.CharField(initial=fixed, required=False,
                                                      widget=forms.HiddenInput())
            del self.fields["file"]
            self.fields["codes"].help_text = (
                f"统一社会信用代码或身份证号码，每行一个，或用逗号、空格分隔；一次最多 "
                f"{engine.MAX_SUBJECTS} 个。")
        else:
            field.choices = [("", "请选择场景"), *scenarios.items()]

    def clean_scenario(self) -> str:
        return self.fixed or self.cleaned_data["scenario"]  # type: ignore[no-any-return]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pasted = split_codes(data.get("codes") or "")
        uploaded = data.get("file")
        if "file" in self.errors:
            return data
        if pasted and uploaded:
            self.add_error("file", "请粘贴代码或上传文件，二者选一")
        elif not pasted and not uploaded:
            self.add_error("codes", "请粘贴至少一个主体代码，或上传文件" if "file" in self.fields
                           else "请粘贴至少一个主体代码")
        data["subjects"] = pasted
        data["source"] = "file" if uploaded and not pasted else "codes"
        return data


class FeedbackForm(BootstrapForm):
    """A feedback, or the correction of one (then with a reason). Nothing is chosen for
    the person: whether the measure was carried out is always their explicit answer."""

    subject_id = forms.IntegerField(widget=forms.HiddenInput())
    measure = forms.CharField(label="措施", max_length=64)
    applied = forms.TypedChoiceField(
        label="是否执行", choices=[("yes", "已执行"), ("no", "未执行")], coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "请选择是否执行", "invalid_choice": "请选择是否执行"})
    note = forms.CharField(label="说明", max_length=1000, required=False)
    reason = forms.CharField(label="更正理由", max_length=1000, required=False)
