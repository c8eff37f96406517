"""Forms of the financing pages: an institution's product, a subject's need (with the grant
that comes with it), the institution's outcome, the honest-SME list's note, and the filters
of the product list and the statistics. Amounts and rates are checked by the services,
whose messages land on the field they name (`ServiceErrorsMixin`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from xinyong.casework.forms import CaseForm, DecideForm, EvidenceMixin, evidence_field
from xinyong.financing import choices
from xinyong.financing.models import Product
from xinyong.grants import choices as grant_choices
from xinyong.lib.forms import BootstrapForm, DateInput, ServiceErrorsMixin
from xinyong.policies.schema import SUBJECT_FLAGS


def money_field(label: str, *, required: bool = True, placeholder: str = "") -> forms.CharField:
    """An amount in 万元 or a rate in %: typed as text, checked by the service (its
    messages say the unit and the limits)."""
    attrs = {"inputmode": "decimal", "autocomplete": "off"}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.CharField(label=label, max_length=20, required=required,
                           widget=forms.TextInput(attrs=attrs),
                           error_messages={"required": f"请填写{label.split('（')[0]}"})


def months_field(label: str, *, required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=required, min_value=1,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                              error_messages={"required": f"请填写{label.split('（')[0]}",
                                              "invalid": "请填写整数月数",
                                              "min_value": "期限至少 1 个月"})


class ProductForm(ServiceErrorsMixin, BootstrapForm):
    """发布信易贷产品."""

    name = forms.CharField(label="产品名称", max_length=100,
                           widget=forms.TextInput(attrs={"placeholder": "如：诚信贷"}),
                           error_messages={"required": "请填写产品名称"})
    description = forms.CharField(
        label="产品介绍", max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 4,
                                     "placeholder": "担保方式、申请条件、办理流程等（最多 2000 字）"}))
    amount_min_wan = money_field("最低额度（万元）", placeholder="如 10")
    amount_max_wan = money_field("最高额度（万元）", placeholder="如 300")
    term_min_months = months_field("最短期限（月）")
    term_max_months = months_field("最长期限（月）")
    rate_min = money_field("最低年利率（%）", placeholder="如 3.85")
    rate_max = money_field("最高年利率（%）", placeholder="如 5.5")
    targets = forms.MultipleChoiceField(
        label="服务对象", required=False, widget=forms.CheckboxSelectMultiple,
        choices=list(choices.TARGETS.choices),
        help_text="不选：面向所有企业和个体工商户；选多项的，须同时符合")


class NeedForm(EvidenceMixin, ServiceErrorsMixin, BootstrapForm):
    """发布融资需求: the loan asked for, to whom, the grant that comes with it, the priority
    situations declared, files."""

    error_fields: dict[str, str | None] = {"files": "evidence", "service": None, "subject": None,
                                           "scope": "share_scope", "expires_on": "share_until"}

    amount_wan = money_field("需求金额（万元）", placeholder="如 200")
    term_months = months_field("期限（月）")
    purpose = forms.CharField(
        label="资金用途", max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "如：采购原材料、支付复工复产工资"}),
        error_messages={"required": "请写明资金用途"})
    products = forms.MultipleChoiceField(label="选择产品", required=False,
                                         widget=forms.CheckboxSelectMultiple)
    open_to_all = forms.BooleanField(
        label="向所有金融机构开放", required=False,
        help_text="平台上的金融机构都可以看到并受理；也可以同时选择产品")
    share_scope = forms.MultipleChoiceField(
        label="同时授权查询的范围", required=False, widget=forms.CheckboxSelectMultiple,
        choices=list(grant_choices.SCOPES.choices),
        help_text="可受理本需求的金融机构在受理前可查询；受理后只有受理机构可以查询，"
                  "其他机构的授权随之结束。不选则不授权，机构只能看到公开信息。")
    share_until = forms.DateField(label="授权有效期至", required=False, widget=DateInput())
    priority_flags = forms.MultipleChoiceField(
        label="本企业属于以下情形", required=False, widget=forms.CheckboxSelectMultiple,
        choices=list(SUBJECT_FLAGS.items()))
    evidence = evidence_field("附件", "财务报表、购销合同、纳税证明等有助于金融机构审核的材料")

    def __init__(self, *args: Any, products: list[Product] | None = None,
                 latest: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["products"]
        field.choices = [(str(p.pk), f"{p.institution.name} · {p.name}") for p in products or []]
        if latest is not None:
            self.fields["share_until"].initial = latest
            self.fields["share_until"].help_text = f"最晚 {latest:%Y-%m-%d}（授权最长期限），可随时撤销"
            self.fields["share_until"].widget.attrs["max"] = latest.isoformat()

    def chosen(self) -> list[str]:
        """The product ids ticked (for redisplay)."""
        value = self["products"].value() or []
        return [str(v) for v in value]


class OutcomeForm(DecideForm):
    """The institution's outcome: lent (amount, rate, the product) or declined (reason)."""

    outcome_choices = [("lent", "已放款"), ("declined", "未放款")]

    amount_wan = money_field("放款金额（万元）", required=False, placeholder="如 200")
    rate = money_field("年利率（%）", required=False, placeholder="如 4.35")
    product = forms.ModelChoiceField(label="放款产品", queryset=Product.objects.none(),
                                     required=False, empty_label="未使用平台上的产品")

    field_order = ["decision", "amount_wan", "rate", "product", "reason"]

    def __init__(self, *args: Any, institution_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].label = "结果"
        self.fields["decision"].error_messages["required"] = "请选择“已放款”或“未放款”"
        reason: Any = self.fields["reason"]
        reason.label = "说明（未放款须写明理由）"
        reason.required = False
        product: Any = self.fields["product"]
        product.queryset = (Product.objects.filter(institution_id=institution_id)
                            .order_by("status", "name") if institution_id else Product.objects.none())
        product.label_from_instance = lambda p: (
            p.name if p.status == choices.PUBLISHED else f"{p.name}（已下架）")
        product.help_text = "本机构的信易贷产品；不是通过平台产品放款的不选"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "lent":
            if not (data.get("amount_wan") or "").strip() and "amount_wan" not in self.errors:
                self.add_error("amount_wan", "已放款的，请填写放款金额（万元）")
            if not (data.get("rate") or "").strip() and "rate" not in self.errors:
                self.add_error("rate", "已放款的，请填写年利率（%）")
        elif data.get("decision") == "declined" and not (data.get("reason") or "").strip():
            self.add_error("reason", "未放款的，请写明理由")
        return data


class ListingForm(CaseForm):
    """Join the honest-SME list (with a note) or leave it."""

    note = forms.CharField(
        label="企业简介或融资意向", max_length=300, required=False,
        widget=forms.Textarea(attrs={"rows": 3,
                                     "placeholder": "如：主营医疗器械批发，拟融资 200 万元用于扩大产能"}),
        help_text="金融机构浏览名单时可见（最多 300 字）")


class ProductFilterForm(BootstrapForm):
    """The public product list's filters: products whose ranges hold the amount and term."""

    amount = forms.DecimalField(label="需求金额（万元）", required=False, min_value=0,
                                max_digits=12, decimal_places=2,
                                widget=forms.NumberInput(attrs={"placeholder": "需求金额（万元）",
                                                                "step": "any"}),
                                error_messages={"invalid": "请填写数字（万元）"})
    term = forms.IntegerField(label="期限（月）", required=False, min_value=1, max_value=360,
                              widget=forms.NumberInput(attrs={"placeholder": "期限（月）"}),
                              error_messages={"invalid": "请填写整数月数"})


class StatsFilterForm(BootstrapForm):
    """The statistics' period: needs posted from `since` to `until` (both optional)."""

    since = forms.DateField(label="发布日期自", required=False, widget=DateInput())
    until = forms.DateField(label="至", required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("since", "开始日期不能晚于结束日期")
        return data
