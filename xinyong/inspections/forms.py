"""The office's form for a new draw (双随机抽查): the same checks as the API, in the service."""

from __future__ import annotations

from typing import Any

from django import forms

from xinyong.accounts.models import Unit
from xinyong.inspections import draws
from xinyong.lib.forms import BootstrapForm, ServiceErrorsMixin
from xinyong.subjects import codes


class DrawForm(ServiceErrorsMixin, BootstrapForm):
    # The service names the filters `population.region` …; the mixin shows them on `region` ….
    error_fields = {"population": None}

    name = forms.CharField(label="抽查名称", max_length=draws.MAX_NAME,
                           help_text="如：2026年第一季度食品经营者双随机抽查",
                           error_messages={"required": "请填写抽查名称"})
    size = forms.IntegerField(label="抽取数量", required=False, min_value=1,
                              max_value=draws.MAX_SIZE,
                              help_text="不填：每个主体按其信用风险分类的抽查比例独立抽取；"
                                        "填写：按抽查比例加权抽取这么多个",
                              error_messages={"invalid": "请填写整数",
                                              "min_value": "至少抽取 1 个",
                                              "max_value": f"最多抽取 {draws.MAX_SIZE} 个"})
    seed = forms.CharField(label="随机种子", required=False, max_length=draws.MAX_SEED,
                           help_text="不填则由系统随机生成；也可填写现场摇号等公开产生的字符。"
                                     "种子随结果公布，任何人可据此复核")
    kinds = forms.MultipleChoiceField(
        label="主体类别", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(k, codes.KIND_LABELS[k]) for k in draws.KINDS],
        help_text="不选即全部市场主体；自然人不参加抽查",
        error_messages={"invalid_choice": "请从列出的主体类别中选择"})
    region = forms.CharField(label="地区（行政区划代码）", required=False, max_length=6,
                             help_text="6 位代码，如福州市 350100（含所辖区县）、马尾区 350105；不填即不限")
    unit = forms.ModelChoiceField(label="成员单位监管范围", required=False,
                                  queryset=Unit.objects.order_by("name"), empty_label="不限",
                                  help_text="只抽取该单位报送过信用记录或行政许可的主体",
                                  error_messages={"invalid_choice": "请从列出的成员单位中选择"})
    grades = forms.MultipleChoiceField(
        label="信用风险分类", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(g, f"{g} 类") for g in draws.GRADES], help_text="不选即全部类别",
        error_messages={"invalid_choice": "请从列出的类别中选择"})
    scales = forms.MultipleChoiceField(
        label="企业规模", required=False, widget=forms.CheckboxSelectMultiple,
        choices=list(draws.SCALE_LABELS.items()),
        help_text="不选即不限（选择后，未登记规模的主体不在范围内）",
        error_messages={"invalid_choice": "请从列出的企业规模中选择"})

    def population(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"kinds": data["kinds"] or None, "region": data["region"] or None,
                "unit": data["unit"].pk if data["unit"] else None,
                "grades": data["grades"], "scales": data["scales"]}
