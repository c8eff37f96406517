"""Forms of the certificate pages: the exporter's application, the decision (issue or
refuse) and the verification number. The steps every case shares are casework's forms."""

from __future__ import annotations

from typing import Any

from django import forms

from xinyong.casework.forms import CaseForm, DecideForm, EvidenceMixin, evidence_field
from xinyong.certificates import choices
from xinyong.certificates.services import MAX_FACTS
from xinyong.lib.forms import BootstrapForm, DateInput
from xinyong.reports.models import NUMBER_RE, normalize_number


class ApplyForm(EvidenceMixin, CaseForm):
    """申请不可抗力事实性证明: the contract, its counterparty, the event, the facts, files."""

    error_fields = {**CaseForm.error_fields, "service": None, "subject": None}

    contract_no = forms.CharField(label="合同编号", max_length=100,
                                  error_messages={"required": "请填写合同编号"})
    contract_date = forms.DateField(label="合同签订日期", required=False, widget=DateInput())
    goods = forms.CharField(label="合同标的（货物）", max_length=300, required=False,
                            widget=forms.TextInput(attrs={"placeholder": "如：医用防护口罩 20 万只"}))
    counterparty = forms.CharField(label="合同相对方", max_length=200,
                                   help_text="境外买方的名称，按合同填写",
                                   error_messages={"required": "请填写合同相对方"})
    counterparty_region = forms.CharField(label="相对方所在国家或地区", max_length=100,
                                          widget=forms.TextInput(attrs={"placeholder": "如：德国"}),
                                          error_messages={"required": "请填写相对方所在国家或地区"})
    event = forms.CharField(
        label="不可抗力事件", max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "如：新冠肺炎疫情防控期间延迟复工、物流中断"}),
        error_messages={"required": "请写明不可抗力事件"})
    facts = forms.CharField(
        label="事实经过", max_length=MAX_FACTS,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "如：按政府通知延迟复工，原定船期取消……"}),
        help_text=f"按时间顺序写明事件如何影响合同履行，只写客观事实（最多 {MAX_FACTS} 字）",
        error_messages={"required": "请写明事实经过"})
    evidence = evidence_field("证明材料", "、".join(choices.EVIDENCE_KINDS))


class DecisionForm(DecideForm):
    outcome_choices = [("issue", "出具证明"), ("refuse", "不予出具")]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].error_messages["required"] = "请选择“出具证明”或“不予出具”"
        self.fields["reason"].label = "审核意见"


class NumberForm(BootstrapForm):
    number = forms.CharField(label="证明编号", max_length=40,
                             help_text="22 位，印在证明每页页眉和首页",
                             widget=forms.TextInput(attrs={"autocomplete": "off",
                                                           "spellcheck": "false"}),
                             error_messages={"required": "请输入证明编号"})

    def clean_number(self) -> str:
        number = normalize_number(self.cleaned_data["number"])
        if not NUMBER_RE.fullmatch(number):
            raise forms.ValidationError("证明编号应为 22 位：8 位日期加 14 位数字或字母")
        return number
