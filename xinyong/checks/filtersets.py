"""Filtering the lists of checks: dates, unit, scenario, and checks that never got feedback."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet

from xinyong.accounts.models import Unit
from xinyong.checks.forms import BootstrapForm, DateInput
from xinyong.checks.models import Check, Feedback


def has_feedback() -> Exists:
    return Exists(Feedback.objects.filter(check_request=OuterRef("pk")))


class CheckFilterForm(BootstrapForm):
    created_from = forms.DateField(label="核查日期自", required=False, widget=DateInput())
    created_to = forms.DateField(label="核查日期至", required=False, widget=DateInput())
    unit = forms.ModelChoiceField(label="成员单位", queryset=Unit.objects.order_by("name"),
                                  required=False, empty_label="全部单位")
    scenario = forms.ChoiceField(label="场景", required=False)
    hits = forms.BooleanField(label="只看有命中的核查", required=False)
    no_feedback = forms.BooleanField(label="从未反馈的核查", required=False)

    def __init__(self, *args: Any, scenarios: dict[str, str], office: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not office:
            del self.fields["unit"]
        self.fields["scenario"].choices = [("", "全部场景"), *scenarios.items()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", "结束日期不能早于开始日期")
        return data

    @property
    def active(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)


def filter_checks(queryset: QuerySet[Check], form: CheckFilterForm) -> QuerySet[Check]:
    """The checks the form asks for; an invalid form filters by nothing it got wrong."""
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    if data.get("created_from"):
        queryset = queryset.filter(created_at__date__gte=data["created_from"])
    if data.get("created_to"):
        queryset = queryset.filter(created_at__date__lte=data["created_to"])
    if data.get("unit"):
        queryset = queryset.filter(unit=data["unit"])
    if data.get("scenario"):
        queryset = queryset.filter(scenario=data["scenario"])
    if data.get("hits"):
        queryset = queryset.filter(Q(restricted__gt=0) | Q(incentivised__gt=0))
    if data.get("no_feedback"):
        queryset = queryset.filter(~has_feedback())
    return queryset
