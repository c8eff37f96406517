"""Forms: the day a score or grade is asked for, and the office's 企业规模 of a subject."""

from __future__ import annotations

from django import forms

from xinyong.policies.schema import SCALES


class AsOfForm(forms.Form):
    as_of = forms.DateField(label="计算日期", required=False,
                            widget=forms.DateInput(attrs={"type": "date"}),
                            help_text="留空为今天；可查看以往任一日期的结果（按当日的记录和规则计算）")
    scheme = forms.CharField(required=False, widget=forms.HiddenInput)


class ScaleForm(forms.Form):
    scale = forms.ChoiceField(label="企业规模", required=False,
                              choices=[("", "未知"), *SCALES.items()],
                              help_text="按《统计上大中小微型企业划分办法》；中小微企业可适用减少抽查频次的规定")
