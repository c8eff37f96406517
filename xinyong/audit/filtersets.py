from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from xinyong.audit.models import AuditEvent


class EventFilterForm(forms.Form):
    q = forms.CharField(label="关键词", required=False)
    action = forms.CharField(label="操作", required=False)
    actor = forms.CharField(label="操作人", required=False)
    since = forms.DateField(label="起始日期", required=False)
    until = forms.DateField(label="截止日期", required=False)


def filter_events(
    queryset: QuerySet[AuditEvent], params: Any
) -> tuple[QuerySet[AuditEvent], EventFilterForm]:
    form = EventFilterForm(params)
    if not form.is_valid():
        return queryset.none(), form
    data = form.cleaned_data
    if data["q"]:
        queryset = queryset.filter(Q(summary__icontains=data["q"]) | Q(object_id=data["q"]))
    if data["action"]:
        queryset = queryset.filter(action__startswith=data["action"])
    if data["actor"]:
        queryset = queryset.filter(actor_label__icontains=data["actor"])
    if data["since"]:
        queryset = queryset.filter(at__date__gte=data["since"])
    if data["until"]:
        queryset = queryset.filter(at__date__lte=data["until"])
    return queryset, form
