"""Forms of the repair pages: the application, the department's actions, the queue filter
and the public progress query."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from xinyong.lib import forms as lib_forms
from xinyong.lib.forms import CaseQueueForm
from xinyong.policies.rulebook import Rulebook
from xinyong.policies.schema import SUBJECT_FLAGS
from xinyong.records.forms import BootstrapForm
from xinyong.repairs import services
from xinyong.repairs.models import Repair

# The commitment the applicant signs online (信用承诺书); it carries no number or period.
COMMITMENT_TEXT = (
    "本主体郑重承诺：所提交的修复申请及证明材料真实、准确、完整；已纠正失信行为、履行相关法定责任和义务；"
    "今后将严格遵守法律法规，诚信经营、守法守信。如有虚假承诺或违背承诺，自愿接受有关部门依法依规作出的处理，"
    "并承担相应法律责任。本承诺向社会公开。"
)
# Service errors name the input as the API does; the form's names differ here and there.
FIELD_OF_ERROR = {"record_id": None, "id": None, "status": None, "files": "evidence"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ServiceErrors(BootstrapForm):
    def service_error(self, exc: services.RepairError) -> None:
        """Show a RepairError beside the field it names (at the top when it names none)."""
        name = FIELD_OF_ERROR.get(exc.field, exc.field)
        self.add_error(name if name in self.fields else None, exc.msg)


def green_flag_choices(book: Rulebook, day: dt.date) -> list[tuple[str, str]]:
    """The situations that open a green channel in force on `day`, as the packs define them."""
    flags: dict[str, str] = {}
    for entry in book.in_force(day):
        for channel in entry.pack.repair_channels:
            for flag in channel.eligible_flags:
                flags.setdefault(flag, SUBJECT_FLAGS.get(flag, flag))
    return list(flags.items())


class ApplyForm(ServiceErrors):
    statement = forms.CharField(
        label="修复说明", max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "如：已于某年某月某日缴清罚款，并完成整改……"}),
        help_text="说明纠正失信行为、履行法定责任和义务的情况（最多 5000 字）",
        error_messages={"required": "请填写修复说明：纠正失信行为、履行义务的情况"},
    )
    commitment = forms.BooleanField(
        label="本主体已阅读并签署上述信用承诺",
        help_text="信用承诺将随修复结果向社会公开",
        error_messages={"required": "须签署信用承诺后方可申请信用修复"},
    )
    green_flags = forms.MultipleChoiceField(
        label="自报绿色通道情形（待核实）", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="企业属于下列情形之一的可勾选，按绿色通道受理；办理人员将核实，不属实的转入标准渠道",
    )
    # Not `files`: that name is the form's own dict of uploads.
    evidence = MultipleFileField(
        label="证明材料", required=False,
        help_text=(f"履行义务的证明（如缴款凭证、整改报告）等，可选多个文件；"
                   f"支持 {services.evidence_types_label()}，"
                   f"每个不超过 {services.MAX_EVIDENCE_BYTES // (1024 * 1024)} MB，"
                   f"最多 {services.MAX_EVIDENCE_FILES} 个"),
    )

    def __init__(self, *args: Any, book: Rulebook, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["green_flags"]
        field.choices = green_flag_choices(book, today)
        field.widget.attrs["class"] = "form-check-input"
        self.fields["evidence"].widget.attrs["accept"] = ",".join(services.EVIDENCE_TYPES)

    def clean_evidence(self) -> list[Any]:
        files: list[Any] = self.cleaned_data.get("evidence") or []
        try:
            services.check_evidence(files)
        except services.RepairError as exc:
            raise forms.ValidationError(exc.msg) from None
        return files


class ReasonForm(ServiceErrors):
    reason = forms.CharField(label="理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请写明理由"})


class DecisionForm(ReasonForm):
    decision = forms.ChoiceField(label="决定", widget=forms.RadioSelect,
                                 choices=[("approve", "修复通过"), ("reject", "不予修复")],
                                 error_messages={"required": "请选择“修复通过”或“不予修复”"})

    field_order = ["decision", "reason"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="decide", **kwargs)
        self.fields["reason"].label = "决定理由"
        self.fields["decision"].widget.attrs["class"] = "form-check-input"


class ChannelForm(ServiceErrors):
    """核实自报情形: confirm the claimed situation, or move the case to the standard channel."""

    decision = forms.ChoiceField(label="核实结果", widget=forms.RadioSelect,
                                 choices=[("confirm", "属实，按绿色通道办理"),
                                          ("standard", "不属实，转入标准渠道")],
                                 error_messages={"required": "请选择核实结果"})
    reason = forms.CharField(label="理由", max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="转入标准渠道的，须写明理由（将告知申请人）")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="channel", **kwargs)


class TakeOverForm(ReasonForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="take_over", **kwargs)
        self.fields["reason"].label = "接办原因"
        self.fields["reason"].widget.attrs.update({"rows": 2, "placeholder": "如：认定单位逾期未办结"})


class QueueFilterForm(CaseQueueForm):
    statuses = Repair.Status
    unit_label = "认定单位"


class TrackForm(lib_forms.TrackForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, example="XF7K2M9QH3PW4T", **kwargs)
