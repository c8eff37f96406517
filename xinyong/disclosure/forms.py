"""The public 双公示 pages' search and filter form."""

from __future__ import annotations

from typing import Any

from django import forms

from xinyong.accounts.models import Unit
from xinyong.disclosure import queries
from xinyong.lib.forms import DateInput
from xinyong.licences.models import KINDS
from xinyong.policies.schema import PENALTY_CATEGORIES

SMALL = {"class": "form-control form-control-sm"}
SELECT = {"class": "form-select form-select-sm"}


class SearchForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=100, widget=forms.TextInput(attrs={
        **SMALL, "placeholder": "企业名称、统一社会信用代码或决定文书号", "type": "search"}))
    authority = forms.ChoiceField(label="决定机关", required=False, widget=forms.Select(attrs=SELECT))
    category = forms.ChoiceField(label="类别", required=False, widget=forms.Select(attrs=SELECT))
    decided_from = forms.DateField(label="决定日期自", required=False, widget=DateInput(attrs=SMALL))
    decided_to = forms.DateField(label="至", required=False, widget=DateInput(attrs=SMALL))

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(is_active=True).order_by("name").values_list("code", "name")
        self.fields["authority"].choices = [("", "全部决定机关"), *units]  # type: ignore[attr-defined]
        options = PENALTY_CATEGORIES if kind == "penalties" else KINDS
        label = "全部处罚类别" if kind == "penalties" else "全部许可类别"
        self.fields["category"].choices = [("", label), *((c, c) for c in options)]  # type: ignore[attr-defined]

    def filters(self) -> queries.Filters:
        if not self.is_valid():
            return queries.Filters(q=str(self.data.get("q", ""))[:100])
        data = self.cleaned_data
        return queries.Filters(q=data["q"], unit=data["authority"], category=data["category"],
                               decided_from=data["decided_from"], decided_to=data["decided_to"])


class PeriodForm(forms.Form):
    """The timeliness page's period (decision dates) and, for the office, a unit."""

    start = forms.DateField(label="决定日期自", required=False, widget=DateInput(attrs=SMALL))
    end = forms.DateField(label="至", required=False, widget=DateInput(attrs=SMALL))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "结束日期不能早于开始日期")
        return data
