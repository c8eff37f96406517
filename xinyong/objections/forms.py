"""Forms of the objection pages: the subject's objection and the unit's decision (with the
corrections it may make). The steps every case shares are casework's forms."""

from __future__ import annotations

from typing import Any

from django import forms

from xinyong.casework.forms import CaseForm, DecideForm, EvidenceMixin, evidence_field
from xinyong.lib.forms import DateInput
from xinyong.objections import services
from xinyong.objections.models import Objection
from xinyong.policies.choices import SEVERITY
from xinyong.records.choices import STATUS as RECORD_STATUS
from xinyong.records.forms import behavior_choices
from xinyong.records.models import Record
from xinyong.repairs.models import Repair


def record_label(record: Record) -> str:
    status = RECORD_STATUS.label(record.status)
    return f"{record.decision_no}（{record.unit.name}，{record.decided_on:%Y-%m-%d}，{status}）"


def repair_label(repair: Repair) -> str:
    when = f"{repair.decided_on:%Y-%m-%d}" if repair.decided_on else ""
    return f"修复申请 {repair.query_code}：{repair.record.decision_no}（{when} 不予修复）"


class ObjectionForm(EvidenceMixin, CaseForm):
    """异议申请: what to dispute (a record or a refusal to repair), why, and the evidence."""

    error_fields = {**CaseForm.error_fields, "record_id": "target", "repair_id": "target",
                    "evidence": "evidence_text"}

    target = forms.ChoiceField(
        label="异议对象", error_messages={"required": "请选择要提出异议的信用记录或修复决定"},
        help_text="可对本主体的信用记录提出异议，也可对“不予修复”的信用修复决定提出异议",
    )
    reason = forms.CharField(
        label="异议理由", max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5,
                                     "placeholder": "如：该处罚决定已于 2026 年 5 月被行政复议撤销……"}),
        help_text=f"写明哪项信息有误、正确的情况是什么（最多 {services.MAX_TEXT} 字）",
        error_messages={"required": "请写明异议理由"},
    )
    evidence_text = forms.CharField(
        label="证据材料说明", max_length=services.MAX_TEXT, required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "如：太政复〔2026〕8号行政复议决定书"}),
        help_text="列明能证明异议理由的材料（名称、文号、出具单位等），核实单位可据此调取",
    )
    evidence = evidence_field("证据文件", "行政复议决定书、缴款凭证等能证明异议理由的文件")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        records = [(f"record:{r.pk}", record_label(r))
                   for r in services.objectable_records(user).order_by("-decided_on", "-id")]
        repairs = [(f"repair:{r.pk}", repair_label(r)) for r in services.objectable_repairs(user)]
        choices: list[tuple[str, Any]] = [("", "请选择")]
        if records:
            choices.append(("信用记录", records))
        if repairs:
            choices.append(("不予修复的决定", repairs))
        field: Any = self.fields["target"]
        field.choices = choices

    def target_ids(self) -> tuple[int, int | None]:
        """(record_id, repair_id) of the chosen target."""
        kind, _, pk = self.cleaned_data["target"].partition(":")
        if kind == "repair":
            repair = Repair.objects.get(pk=int(pk))
            return repair.record_id, repair.pk
        return int(pk), None


class DecisionForm(DecideForm):
    """核实结果: upheld (withdraw the record, or correct it) or dismissed."""

    outcome_choices = [("upheld", "异议成立"), ("dismissed", "异议不成立，维持原信息")]

    remedy = forms.ChoiceField(
        label="异议成立时", widget=forms.RadioSelect, required=False, initial="withdraw",
        choices=[("withdraw", "撤销记录（停止公示，移出名单）"),
                 ("correct", "更正记录（按下列更正后的事实重新认定）")])
    severity = forms.ChoiceField(label="更正情节", required=False,
                                 choices=[("", "不更正"), *SEVERITY.choices])
    behavior = forms.ChoiceField(label="更正行为", required=False)
    occurred_on = forms.DateField(label="更正行为发生日期", required=False, widget=DateInput())
    decided_on = forms.DateField(label="更正决定日期", required=False, widget=DateInput())
    decision_no = forms.CharField(label="更正决定文书号", max_length=200, required=False)
    facts = forms.CharField(label="更正事实", max_length=20000, required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))

    field_order = ["decision", "reason", "remedy"]
    CORRECTIONS = ("severity", "behavior", "occurred_on", "decided_on", "decision_no", "facts")

    def __init__(self, *args: Any, objection: Objection, book: Any, today: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = "处理意见"
        self.fields["decision"].label = "核实结果"
        self.fields["decision"].error_messages["required"] = "请选择“异议成立”或“异议不成立”"
        self.fields["remedy"].widget.attrs["class"] = "form-check-input"
        self.repair_case = objection.repair_id is not None
        behavior: Any = self.fields["behavior"]
        behavior.choices = [("", "不更正"), *behavior_choices(book, today, keep=objection.record.behavior)]
        if self.repair_case:  # upheld reopens the repair; the record is not touched here
            for name in ("remedy", *self.CORRECTIONS):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.repair_case and data.get("decision") == "upheld" and data.get("remedy") == "correct" \
                and not self.corrections():
            self.add_error("remedy", "选择更正记录时，请至少填写一项更正后的事实")
        return data

    def corrections(self) -> dict[str, Any] | None:
        """The facts to correct, when the unit chose to correct instead of withdrawing."""
        data = self.cleaned_data
        if self.repair_case or data.get("decision") != "upheld" or data.get("remedy") != "correct":
            return None
        return {name: data[name] for name in self.CORRECTIONS
                if data.get(name) not in (None, "")}
