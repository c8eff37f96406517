"""Forms of the collection pages: submission, correction, withdrawal, rectification, upload."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.text import Truncator

from xinyong.lib import forms as lib_forms
from xinyong.lib.errors import DomainError
from xinyong.lib.forms import DateInput
from xinyong.policies import jurisdiction
from xinyong.policies.choices import POLARITY, SEVERITY
from xinyong.policies.rulebook import Rulebook
from xinyong.policies.schema import LEVEL_RANK, PENALTY_CATEGORIES
from xinyong.records import penalties
from xinyong.records.choices import STATUS as RECORD_STATUS
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

BEHAVIOR_NOTE = (
    "只列出今天施行中的政策文件所定义的行为。认定按行为发生日期适用当时施行的规则；"
    "行为属于已失效文件（如疫情应急响应结束后失效的疫情期间文件）的，请通过批量导入或接口报送。"
)
# Service errors name the input as the API does ("subject.code"); the forms' names differ.
FIELD_OF_ERROR: dict[str, str | None] = {"subject.code": "subject_code", "subject.kind": "subject_kind",
                  "subject.name": "subject_name", "subject": "subject_code",
                  "penalty": "penalty_category", "penalty.authority.code": "authority_code"}


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


SEVERITY_OPTIONAL = [("", "按处罚类别推定（仅行政处罚）"), *SEVERITY.choices]
SEVERITY_HELP = "行政处罚可不选，由规则按处罚类别和罚没金额推定；其他行为须选择"


class LegalRepFields(forms.Form):
    """法定代表人 on a form (a penalty, a licence): the number checked, never shown again."""

    legal_rep = forms.CharField(label="法定代表人", max_length=100, required=False)
    legal_rep_id = forms.CharField(
        label="法定代表人身份证号码", max_length=40, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="加密保存，不公示，页面上只显示遮蔽后的号码")

    def clean_legal_rep_id(self) -> str:
        try:
            return penalties.legal_representative(
                "", str(self.cleaned_data.get("legal_rep_id") or ""), "legal_rep_id").id_number
        except DomainError as exc:
            raise forms.ValidationError(exc.msg) from None

    def legal_representative(self) -> penalties.LegalRepresentative:
        data = self.cleaned_data
        return penalties.LegalRepresentative(
            name=str(data.get("legal_rep") or "").strip(),
            id_type="身份证" if data.get("legal_rep_id") else "",
            id_number=str(data.get("legal_rep_id") or ""))


class PenaltyFields(forms.Form):
    """行政处罚信息 (双公示, records/penalties.py), for a record of a penalty."""

    penalty_category = forms.MultipleChoiceField(
        label="处罚类别", required=False, choices=[(c, c) for c in PENALTY_CATEGORIES],
        widget=forms.CheckboxSelectMultiple)
    penalty_content = forms.CharField(label="处罚内容", max_length=2000, required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    fine_wan = forms.DecimalField(label="罚款金额（万元）", required=False, min_value=0,
                                  max_value=penalties.MAX_AMOUNT_WAN, decimal_places=6)
    confiscated_wan = forms.DecimalField(
        label="没收违法所得、没收非法财物的金额（万元）", required=False, min_value=0,
        max_value=penalties.MAX_AMOUNT_WAN, decimal_places=6)
    licence_affected = forms.CharField(label="暂扣或吊销证照名称及编号", max_length=500,
                                       required=False)
    basis = forms.CharField(label="处罚依据", max_length=2000, required=False)
    valid_until = forms.DateField(label="处罚有效期", required=False, widget=DateInput(),
                                  help_text="长期有效的留空")
    authority_name = forms.CharField(label="处罚机关", max_length=200, required=False)
    authority_code = forms.CharField(label="处罚机关统一社会信用代码", max_length=40, required=False)

    PENALTY = ["penalty_category", "penalty_content", "fine_wan", "confiscated_wan",
               "licence_affected", "basis", "valid_until", "authority_name", "authority_code"]

    def clean_authority_code(self) -> str:
        try:
            return penalties.check_authority_code(self.cleaned_data.get("authority_code") or "",
                                                  "authority_code")
        except DomainError as exc:
            raise forms.ValidationError(exc.msg) from None

    def penalty(self, keep: penalties.Penalty | None = None) -> penalties.Penalty | None:
        """The typed penalty, or None if no penalty field was filled in; `keep` gives what
        the form does not show (the legal representative as stored)."""
        data = self.cleaned_data
        if not any(data.get(name) not in (None, "", []) for name in self.PENALTY):
            return None
        rep = (keep.legal_representative if keep
               else self.legal_representative() if isinstance(self, LegalRepFields)
               else penalties.LegalRepresentative())
        return penalties.Penalty(
            category=tuple(c for c in PENALTY_CATEGORIES if c in data["penalty_category"]),
            content=data["penalty_content"].strip(), fine_wan=data["fine_wan"],
            confiscated_wan=data["confiscated_wan"],
            licence_affected=data["licence_affected"].strip(), basis=data["basis"].strip(),
            valid_until=data["valid_until"], authority_name=data["authority_name"].strip(),
            authority_code=data["authority_code"],
            source_unit_name=keep.source_unit_name if keep else "",
            source_unit_code=keep.source_unit_code if keep else "",
            remarks=keep.remarks if keep else "", legal_representative=rep)


def penalty_initial(record: Record) -> dict[str, Any]:
    data = record.penalty or {}
    authority = data.get("authority") or {}
    return {
        "penalty_category": data.get("category") or [], "penalty_content": data.get("content", ""),
        "fine_wan": data.get("fine_wan"), "confiscated_wan": data.get("confiscated_wan"),
        "licence_affected": data.get("licence_affected", ""), "basis": data.get("basis", ""),
        "valid_until": data.get("valid_until"), "authority_name": authority.get("name", ""),
        "authority_code": authority.get("code", ""),
    }


class RecordForm(PenaltyFields, LegalRepFields, BootstrapForm):
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
    severity = forms.ChoiceField(label="情节", choices=SEVERITY_OPTIONAL, required=False,
                                 help_text=SEVERITY_HELP)
    force_majeure = forms.BooleanField(label="因疫情不可抗力", required=False)
    epidemic_duty = forms.BooleanField(label="因参与疫情防控", required=False)
    force_majeure_certificate = forms.CharField(
        label="不可抗力事实性证明编号", max_length=40, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="报明因疫情不可抗力、主体已取得本平台出具的证明的，填写 22 位证明编号（可选）")
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



class CorrectForm(PenaltyFields, BootstrapForm):
    """更正: the reported facts that may change, with the reason."""

    EDITABLE = ["behavior", "occurred_on", "decided_on", "decision_no", "facts", "severity",
                "force_majeure", "epidemic_duty", "rectify_by", "violation_type"]

    behavior = forms.ChoiceField(label="行为")
    occurred_on = forms.DateField(label="行为发生日期", widget=DateInput())
    decided_on = forms.DateField(label="决定日期", widget=DateInput())
    decision_no = forms.CharField(label="决定文书号", max_length=200)
    facts = forms.CharField(label="事实", max_length=20000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    severity = forms.ChoiceField(label="情节", choices=SEVERITY_OPTIONAL, required=False,
                                 help_text=SEVERITY_HELP)
    force_majeure = forms.BooleanField(label="因疫情不可抗力", required=False)
    epidemic_duty = forms.BooleanField(label="因参与疫情防控", required=False)
    rectify_by = forms.DateField(label="整改期限", required=False, widget=DateInput())
    violation_type = forms.CharField(label="违法行为类型", max_length=200, required=False)
    reason = forms.CharField(label="更正原因", max_length=500,
                             widget=forms.TextInput(attrs={"placeholder": "如：决定书更正、录入错误"}))

    def __init__(self, *args: Any, record: Record, book: Rulebook, today: dt.date,
                 **kwargs: Any) -> None:
        initial = {name: getattr(record, name) for name in self.EDITABLE}
        if record.severity_derived:
            initial["severity"] = ""  # derived: stays derived unless the unit states one
        initial.update(penalty_initial(record))
        super().__init__(*args, initial=initial, prefix="correct", **kwargs)
        self.record = record
        self.fields["behavior"].choices = behavior_choices(  # type: ignore[attr-defined]
            book, today, keep=record.behavior, region=record.unit.region)

    def clean_decision_no(self) -> str:
        return str(self.cleaned_data["decision_no"]).strip()

    def changes(self) -> dict[str, Any]:
        """The fields whose value differs from the record's."""
        found = {name: self.cleaned_data[name] for name in self.EDITABLE
                 if name != "severity" and self.cleaned_data[name] != getattr(self.record, name)}
        severity = self.cleaned_data["severity"]
        if severity != ("" if self.record.severity_derived else self.record.severity):
            found["severity"] = severity
        stored = penalties.from_json(self.record.penalty)
        penalty = self.penalty(keep=stored)
        if (penalty.as_json() if penalty else None) != (stored.as_json() if stored else None):
            found["penalty"] = penalty
        return found


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
        choices=[("", "不设置（行政处罚按处罚类别推定，其他行为须有情节列）"), *SEVERITY.choices],
        help_text="文件中没有情节（失信程度）列或该列为空时，按此情节认定（视为单位注明）",
    )


def status_choices() -> list[tuple[str, str]]:
    return [("", "全部状态"), *RECORD_STATUS.choices]
