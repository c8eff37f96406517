"""Forms of the repair pages: the application, the decision and the claim check. The
steps every case shares (accept, 补正, take over, withdraw) are casework's forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from xinyong.casework.forms import CaseForm, DecideForm, EvidenceMixin, evidence_field, reason_field
from xinyong.policies.rulebook import Rulebook
from xinyong.policies.schema import SUBJECT_FLAGS
from xinyong.repairs.services import MAX_STATEMENT


def green_flag_choices(book: Rulebook, day: dt.date) -> list[tuple[str, str]]:
    """The situations that open a green channel in force on `day`, as the packs define them."""
    flags: dict[str, str] = {}
    for entry in book.in_force(day):
        for channel in entry.pack.repair_channels:
            for flag in channel.eligible_flags:
                flags.setdefault(flag, SUBJECT_FLAGS.get(flag, flag))
    return list(flags.items())


class ApplyForm(EvidenceMixin, CaseForm):
    statement = forms.CharField(
        label="修复说明", max_length=MAX_STATEMENT,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "如：已于某年某月某日缴清罚款，并完成整改……"}),
        help_text=f"说明纠正失信行为、履行法定责任和义务的情况（最多 {MAX_STATEMENT} 字）",
        error_messages={"required": "请填写修复说明：纠正失信行为、履行义务的情况"},
    )
    commitment = forms.BooleanField(
        label="本主体已阅读并签署上述信用修复承诺书",
        help_text="提交申请即在线签署：承诺书编号可在本平台核验，并随修复结果向社会公开",
        error_messages={"required": "须签署信用承诺后方可申请信用修复"},
    )
    green_flags = forms.MultipleChoiceField(
        label="自报绿色通道情形（待核实）", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="企业属于下列情形之一的可勾选，按绿色通道受理；办理人员将核实，不属实的转入标准渠道",
    )
    force_majeure_certificate = forms.CharField(
        label="不可抗力事实性证明编号（可选）", max_length=40, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="失信行为因疫情不可抗力所致、已取得本平台出具的证明的，填写 22 位证明编号")
    # Not `files`: that name is the form's own dict of uploads.
    evidence = evidence_field("证明材料", "履行义务的证明（如缴款凭证、整改报告）等")

    def __init__(self, *args: Any, book: Rulebook, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["green_flags"]
        field.choices = green_flag_choices(book, today)
        field.widget.attrs["class"] = "form-check-input"


class DecisionForm(DecideForm):
    outcome_choices = [("approve", "修复通过"), ("reject", "不予修复")]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].error_messages["required"] = "请选择“修复通过”或“不予修复”"


class ChannelForm(CaseForm):
    """核实自报情形: confirm the claimed situation, or move the case to the standard channel."""

    decision = forms.ChoiceField(label="核实结果", widget=forms.RadioSelect,
                                 choices=[("confirm", "属实，按绿色通道办理"),
                                          ("standard", "不属实，转入标准渠道")],
                                 error_messages={"required": "请选择核实结果"})
    reason = reason_field(required=False, rows=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="channel", **kwargs)
        self.fields["reason"].help_text = "转入标准渠道的，须写明理由（将告知申请人）"
        self.fields["decision"].widget.attrs["class"] = "form-check-input"
