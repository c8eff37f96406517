"""Forms of the commitment pages; the rules are in services, DomainErrors shown by field."""

from __future__ import annotations

from typing import Any

from django import forms

from xinyong.accounts.models import Unit
from xinyong.commitments import choices, services
from xinyong.lib.forms import BootstrapForm, DateInput, ServiceErrorsMixin
from xinyong.policies import jurisdiction
from xinyong.policies.choices import SEVERITY
from xinyong.subjects import codes
from xinyong.subjects.models import Subject


class Form(ServiceErrorsMixin, BootstrapForm):
    pass


def unit_choices() -> list[tuple[str, str]]:
    """Active units, each with its area: short names (市场监督管理局) repeat across districts."""
    return [("", "请选择"), *((str(u.pk), f"{u.name}（{jurisdiction.region_label(u.region)}）"
                               if u.region else u.name)
                              for u in Unit.objects.filter(is_active=True))]


def registered_region(subject: Subject | None) -> str:
    """The 登记管理机关行政区划码 a USCC carries (characters 3–8); "" for persons."""
    code = subject.code if subject is not None and subject.kind != codes.PERSON else ""
    return code[2:8] if len(code) == 18 and code[2:8].isdigit() else ""


def template_choices(templates: list[services.TemplateInForce], subject: Subject | None) -> list[Any]:
    """Letters of the packs governing the subject's registration area first; the others
    stay signable (a firm may trade elsewhere) under their own heading."""
    def label(t: services.TemplateInForce) -> str:
        return f"{t.template.name}（{t.kind_label}，{t.basis}）"

    region = registered_region(subject)
    if not region:
        return [("", "请选择"), *((t.code, label(t)) for t in templates)]
    here = [(t.code, label(t)) for t in templates if jurisdiction.governs(t.entry, region)]
    elsewhere = [(t.code, label(t)) for t in templates if not jurisdiction.governs(t.entry, region)]
    heading = f"适用于本主体登记地（{jurisdiction.region_label(region)}）"
    grouped: list[Any] = [("", "请选择"), (heading, here)]
    return grouped + ([("其他地区的承诺书", elsewhere)] if elsewhere else [])


class SignForm(Form):
    """签署承诺: the template in force, and for 告知承诺 the matter and the accepting unit."""

    template = forms.ChoiceField(label="承诺书", error_messages={"required": "请选择承诺书"})
    matter = forms.CharField(
        label="承诺事项", max_length=500, required=False,
        widget=forms.TextInput(attrs={"placeholder": "如：复工复产备案（马尾区某某厂区）"}),
        help_text="告知承诺须填写：以承诺代替证明材料申请办理的事项")
    accepting_unit = forms.ChoiceField(label="受理单位", required=False,
                                       help_text="告知承诺须选择：受理申请、事后核查的成员单位")
    campaign = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, templates: list[services.TemplateInForce],
                 subject: Subject | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["template"]
        field.choices = template_choices(templates, subject)
        unit: Any = self.fields["accepting_unit"]
        unit.choices = unit_choices()

    def unit(self) -> Unit | None:
        pk = self.cleaned_data.get("accepting_unit")
        return Unit.objects.filter(pk=int(pk)).first() if pk else None


class ApprovalForm(Form):
    approval_no = forms.CharField(label="审批决定文号", max_length=200)
    approved_on = forms.DateField(label="审批日期", widget=DateInput())
    materials_replaced = forms.CharField(
        label="以承诺替代的材料", max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "如：复工复产方案、应急预案"}))
    verify_by = forms.DateField(label="核查期限", required=False, widget=DateInput(),
                                help_text="不填：按承诺书模板规定的期限自审批日期起算")


class VerifyForm(Form):
    result = forms.ChoiceField(label="核查结果", choices=choices.RESULT.choices,
                               widget=forms.RadioSelect,
                               error_messages={"required": "请选择核查结果"})
    method = forms.ChoiceField(label="核查方式", choices=[("", "请选择"), *choices.METHOD.choices])
    note = forms.CharField(label="核查情况", max_length=services.MAX_TEXT,
                           widget=forms.Textarea(attrs={"rows": 3}))
    behavior = forms.ChoiceField(label="失信行为（未履约时）", required=False)
    severity = forms.ChoiceField(label="情节（未履约时）", required=False,
                                 choices=[("", "按规则认定的最低情节"), *SEVERITY.choices])
    occurred_on = forms.DateField(label="违诺行为发生日期", required=False, widget=DateInput(),
                                  help_text="不填：核查当日")

    def __init__(self, *args: Any, behaviors: list[tuple[str, str]], default: str | None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["result"].widget.attrs["class"] = "form-check-input"
        field: Any = self.fields["behavior"]
        field.choices = [("", "按承诺书规定" + (f"（{default}）" if default else "")), *behaviors]


class WithdrawForm(Form):
    reason = forms.CharField(label="撤销原因", max_length=services.MAX_TEXT, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class CheckForm(BootstrapForm):
    number = forms.CharField(label="承诺书编号", max_length=40,
                             widget=forms.TextInput(attrs={"placeholder": "22 位编号，见承诺书页眉",
                                                           "translate": "no"}))


class CampaignForm(Form):
    template = forms.ChoiceField(label="承诺书", error_messages={"required": "请选择承诺书"})
    title = forms.CharField(
        label="活动名称", max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "如：马尾区餐饮行业疫情防控诚信经营承诺"}))
    unit = forms.ChoiceField(label="组织单位", required=False)
    organiser_name = forms.CharField(
        label="组织者", max_length=200, required=False,
        help_text="代行业协会等组织发起的，填写其名称（如：马尾区餐饮行业协会）；不填即为组织单位")
    message = forms.CharField(label="活动说明", max_length=services.MAX_TEXT, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    starts_on = forms.DateField(label="开始日期", widget=DateInput())
    ends_on = forms.DateField(label="结束日期", widget=DateInput())
    published = forms.BooleanField(label="公开已签署名单", required=False, initial=True)
    codes = forms.CharField(
        label="活动对象（统一社会信用代码，每行一个）",
        widget=forms.Textarea(attrs={"rows": 8, "translate": "no",
                                     "placeholder": "91350105MA2Y00001R\n92350105MA2Y000040"}),
        help_text="平台没有行业登记名册：某一行业、领域或行业协会会员的范围，请以其统一社会信用代码清单给出（可从协会会员名册或业务系统中复制粘贴）")

    def __init__(self, *args: Any, templates: list[services.TemplateInForce], office: bool,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["template"]
        field.choices = [("", "请选择"), *((t.code, f"{t.template.name}（{t.basis}）") for t in templates
                                        if t.template.kind not in services.MATTER_KINDS)]
        if office:
            unit: Any = self.fields["unit"]
            unit.choices = unit_choices()
        else:
            del self.fields["unit"]
