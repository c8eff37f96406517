"""Forms of the collection pages: submission, correction, withdrawal, rectification, upload."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.text import Truncator

from xinyong.lib import forms as lib_forms
from xinyong.lib.forms import DateInput
from xinyong.policies import jurisdiction
from xinyong.policies.choices import POLARITY, SEVERITY
from xinyong.policies.rulebook import Rulebook
from xinyong.policies.schema import LEVEL_RANK
from xinyong.records.choices import STATUS as RECORD_STATUS
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

BEHAVIOR_NOTE = (
    "只列出今天施行中的政策文件所定义的行为。认定按行为发生日期适用当时施行的规则；"
    "行为属于已失效文件（如疫情应急响应结束后失效的疫情期间文件）的，请通过批量导入或接口报送。"
)
# Service errors name the input as the API does ("subject.code"); the forms' names differ.
FIELD_OF_ERROR: dict[str, str | None] = {"subject.code": "subject_code", "subject.kind": "subject_kind",
                  "subject.name": "subject_name", "subject": "subject_code"}


class BootstrapForm(lib_forms.ServiceErrorsMixin, lib_forms.BootstrapForm):
    """The shared Bootstrap form, with the submission service's errors put beside their field."""

    error_fields = FIELD_OF_ERROR


ANYWHERE = "*"  # no jurisdiction filter (filters over all records, for the office)


def behavior_choices(book: Rulebook, today: dt.date | None = None, keep: str = "",
                     region: str | None = ANYWHERE) -> list[tuple[str, Any]]:
    """Behaviours grouped by document: those in force on `today` (all packs when None) of
    the packs governing `region` (a unit's 行政区划代码: it may report only under those).

    `keep` is a code to offer even when its document has ended (a record's current one).
    """
    entries = [e for e in book.entries if (today is None or e.in_force(today))
               and (region == ANYWHERE or jurisdiction.governs(e, region))]
    entries.sort(key=lambda e: (-LEVEL_RANK[e.pack.level], e.pack.id))
    seen: set[str] = set()
    groups: list[tuple[str, Any]] = []
    for entry in entries:
        options = []
        for b in entry.pack.behaviors:
            if b.code in seen:
                continue
            seen.add(b.code)
            label = f"{b.clause} {Truncator(b.text).chars(40)}（{POLARITY.label(b.polarity)}）"
            options.append((b.code, label))
        if options:
            groups.append((f"{entry.pack.doc_number} {Truncator(entry.pack.title).chars(30)}", options))
    if keep and keep not in seen:
        groups.insert(0, ("本记录当前的行为", [(keep, behavior_label(book, keep))]))
    return groups


def behavior_label(book: Rulebook, code: str) -> str:
    for entry in book.entries:
        for b in entry.pack.behaviors:
            if b.code == code:
                return f"{entry.pack.doc_number} {b.clause} {Truncator(b.text).chars(40)}"
    return code


class RecordForm(BootstrapForm):
    """新增记录: what services.submit needs, as a department types it."""

    subject_kind = forms.ChoiceField(label="主体类别", choices=Subject.Kind.choices)
    subject_name = forms.CharField(label="主体名称", max_length=200)
    subject_code = forms.CharField(
        label="统一社会信用代码或身份证号码", max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    behavior = forms.ChoiceField(label="行为", help_text=BEHAVIOR_NOTE)
    occurred_on = forms.DateField(label="行为发生日期", widget=DateInput())
    decided_on = forms.DateField(label="决定日期", widget=DateInput())
    decision_no = forms.CharField(label="决定文书号", max_length=200)
    facts = forms.CharField(label="事实", max_length=20000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    severity = forms.ChoiceField(label="情节", choices=SEVERITY.choices, initial="general")
    force_majeure = forms.BooleanField(label="因疫情不可抗力", required=False)
    epidemic_duty = forms.BooleanField(label="因参与疫情防控", required=False)
    rectify_by = forms.DateField(
        label="整改期限", required=False, widget=DateInput(),
        help_text="暂缓公示的，填写责令整改的期限（如太仓 8：受疫情不可抗力影响的违约）",
    )
    external_id = forms.CharField(label="外部编号", max_length=100, required=False,
                                  help_text="本单位业务系统中的编号，可选；同一编号不会重复报送")

    violation_type = forms.CharField(
        label="违法行为类型", max_length=200, required=False,
        help_text="行政处罚填写（如“未按期申报纳税”）：规则包据此判断是否适用豁免或暂缓（如太仓 9）")

    def __init__(self, *args: Any, book: Rulebook, today: dt.date, region: str | None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["behavior"].choices = [  # type: ignore[attr-defined]
            ("", "请选择行为"), *behavior_choices(book, today, region=region)]

    def clean_decision_no(self) -> str:
        return str(self.cleaned_data["decision_no"]).strip()

    def clean_external_id(self) -> str:
        return str(self.cleaned_data.get("external_id") or "").strip()


class CorrectForm(BootstrapForm):
    """更正: the reported facts that may change, with the reason."""

    EDITABLE = ["behavior", "occurred_on", "decided_on", "decision_no", "facts", "severity",
                "force_majeure", "epidemic_duty", "rectify_by", "violation_type"]

    behavior = forms.ChoiceField(label="行为")
    occurred_on = forms.DateField(label="行为发生日期", widget=DateInput())
    decided_on = forms.DateField(label="决定日期", widget=DateInput())
    decision_no = forms.CharField(label="决定文书号", max_length=200)
    facts = forms.CharField(label="事实", max_length=20000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    severity = forms.ChoiceField(label="情节", choices=SEVERITY.choices)
    force_majeure = forms.BooleanField(label="因疫情不可抗力", required=False)
    epidemic_duty = forms.BooleanField(label="因参与疫情防控", required=False)
    rectify_by = forms.DateField(label="整改期限", required=False, widget=DateInput())
    violation_type = forms.CharField(label="违法行为类型", max_length=200, required=False)
    reason = forms.CharField(label="更正原因", max_length=500,
                             widget=forms.TextInput(attrs={"placeholder": "如：决定书更正、录入错误"}))

    def __init__(self, *args: Any, record: Record, book: Rulebook, today: dt.date,
                 **kwargs: Any) -> None:
        initial = {name: getattr(record, name) for name in self.EDITABLE}
        super().__init__(*args, initial=initial, prefix="correct", **kwargs)
        self.record = record
        self.fields["behavior"].choices = behavior_choices(  # type: ignore[attr-defined]
            book, today, keep=record.behavior, region=record.unit.region)

    def clean_decision_no(self) -> str:
        return str(self.cleaned_data["decision_no"]).strip()

    def changes(self) -> dict[str, Any]:
        """The fields whose value differs from the record's."""
        return {name: self.cleaned_data[name] for name in self.EDITABLE
                if self.cleaned_data[name] != getattr(self.record, name)}


class WithdrawForm(BootstrapForm):
    reason = forms.CharField(label="撤销原因", max_length=500,
                             widget=forms.TextInput(attrs={"placeholder": "如：处罚决定已被撤销"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="withdraw", **kwargs)


class RectifiedForm(BootstrapForm):
    rectified_on = forms.DateField(label="整改完成日期", widget=DateInput())
    note = forms.CharField(
        label="整改情况和证明材料", max_length=500, required=False,
        widget=forms.TextInput(attrs={"placeholder": "如：复查合格，复查意见书 太市监复〔2020〕3号"}),
        help_text="因整改移出重点关注名单的，须填写")

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, initial={"rectified_on": today}, prefix="rectified", **kwargs)


class UploadForm(BootstrapForm):
    file = forms.FileField(label="批量文件（CSV 或 XLSX，UTF-8 或 GBK 编码）",
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}))
    accept_partial = forms.BooleanField(
        label="只导入正确的行", required=False,
        help_text="不勾选时，只要有一行有误，整个文件都不导入",
    )
    default_severity = forms.ChoiceField(
        label="默认情节", required=False,
        choices=[("", "不设置（文件中须有情节列）"), *SEVERITY.choices],
        help_text="文件中没有情节（失信程度）列或该列为空时采用",
    )


def status_choices() -> list[tuple[str, str]]:
    return [("", "全部状态"), *RECORD_STATUS.choices]
