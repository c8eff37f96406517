"""Filtering the record list (and its export): by status as of today, behaviour, dates, text."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from xinyong.accounts.models import Unit
from xinyong.policies.choices import SEVERITY
from xinyong.policies.rulebook import Rulebook
from xinyong.records import determination as d
from xinyong.records.forms import DateInput, behavior_choices, status_choices
from xinyong.records.models import Record


def status_q(status: str, today: dt.date) -> Q:
    """Records whose `effective_status(record, today)` is `status`, as one SQL condition.

    Mirrors models.effective_status, so the list filters by what it shows even when the
    daily status task has not run yet.
    """
    # Rows whose status on `today` is the stored one, in effective_status's order:
    # exempted or rectified; closed by now; never given a publicity window.
    stored = (Q(status__in=[d.EXEMPTED, d.RECTIFIED])
              | Q(status__in=[d.WITHDRAWN, d.REPAIRED]) & (Q(closed_on__isnull=True)
                                                            | Q(closed_on__lte=today))
              | Q(starts_on__isnull=True))
    deferred = Q(rectify_by__isnull=False, rectify_by__gte=today)
    ended = Q(ends_on__isnull=False, ends_on__lt=today)
    by_dates = {d.DEFERRED: deferred, d.EXPIRED: ~deferred & ended,
                d.PUBLISHED: ~deferred & ~ended}
    found = stored & Q(status=status)
    if status in by_dates:
        found |= ~stored & by_dates[status]
    return found


class RecordFilterForm(forms.Form):
    q = forms.CharField(label="决定文书号或主体名称", required=False, max_length=200)
    unit = forms.ModelChoiceField(label="报送单位", queryset=Unit.objects.order_by("name"),
                                  required=False, empty_label="全部单位")
    status = forms.ChoiceField(label="状态", required=False)
    behavior = forms.ChoiceField(label="行为", required=False)
    severity = forms.ChoiceField(label="情节", required=False,
                                 choices=[("", "全部情节"), *SEVERITY.choices])
    polarity = forms.ChoiceField(label="类别", required=False,
                                 choices=[("", "失信与良好"), ("dishonest", "失信"), ("good", "良好")])
    decided_from = forms.DateField(label="决定日期自", required=False, widget=DateInput())
    decided_to = forms.DateField(label="决定日期至", required=False, widget=DateInput())
    job = forms.IntegerField(label="导入任务", required=False, widget=forms.HiddenInput())

    def __init__(self, *args: Any, book: Rulebook, office: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not office:
            del self.fields["unit"]
        self.fields["status"].choices = status_choices()  # type: ignore[attr-defined]
        self.fields["behavior"].choices = [("", "全部行为"), *behavior_choices(book)]  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.HiddenInput):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} {css}-sm"
            if name == "q":
                field.widget.attrs["placeholder"] = field.label

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("decided_from"), data.get("decided_to")
        if start and end and start > end:
            self.add_error("decided_to", "截止日期不能早于起始日期")
        return data

    def active(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)


def filter_records(queryset: QuerySet[Record], form: RecordFilterForm,
                   today: dt.date) -> QuerySet[Record]:
    """Apply a bound filter form; an invalid form shows nothing rather than everything."""
    if not form.is_valid():
        return queryset.none()
    data = form.cleaned_data
    if data.get("unit"):
        queryset = queryset.filter(unit=data["unit"])
    if data["q"]:
        text = data["q"].strip()
        # Names and decision numbers only: a person's ID number is never searchable here
        # (persons' `code` column is always empty, so the exact USCC match finds enterprises).
        match = (Q(decision_no__icontains=text) | Q(subject__name__icontains=text)
                 | Q(reported_name__icontains=text))
        if text.isalnum() and len(text) == 18:
            match |= Q(subject__code=text.upper())
        queryset = queryset.filter(match)
    if data["status"]:
        queryset = queryset.filter(status_q(data["status"], today))
    if data["behavior"]:
        queryset = queryset.filter(behavior=data["behavior"])
    if data["severity"]:
        queryset = queryset.filter(severity=data["severity"])
    if data["polarity"]:
        queryset = queryset.filter(polarity=data["polarity"])
    if data["decided_from"]:
        queryset = queryset.filter(decided_on__gte=data["decided_from"])
    if data["decided_to"]:
        queryset = queryset.filter(decided_on__lte=data["decided_to"])
    if data["job"]:
        queryset = queryset.filter(import_job_id=data["job"])
    return queryset
