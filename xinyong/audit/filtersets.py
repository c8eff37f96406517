from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from xinyong.audit.labels import action_choices, actions_matching
from xinyong.audit.models import AuditEvent


class EventFilterForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=200,
                        help_text="在摘要和操作名称中查找，或输入对象编号")
    action = forms.ChoiceField(label="操作", required=False, choices=action_choices)
    actor = forms.CharField(label="操作人", required=False, max_length=200)
    since = forms.DateField(label="起始日期", required=False)
    until = forms.DateField(label="截止日期", required=False)
    # One object's events (`accounts.user:5`), linked from that object's page.
    object = forms.RegexField(label="对象", required=False, regex=r"^[a-z_]+\.[a-z_]+:[\w-]+$")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "截止日期不能早于起始日期")
        return data


def filter_events(
    queryset: QuerySet[AuditEvent], params: Any
) -> tuple[QuerySet[AuditEvent], EventFilterForm]:
    form = EventFilterForm(params)
    if not form.is_valid():
        return queryset.none(), form
    data = form.cleaned_data
    if q := data["q"].strip():
        found = Q(summary__icontains=q) | Q(object_id=q)
        if codes := actions_matching(q):
            found |= Q(action__in=codes)
        queryset = queryset.filter(found)
    if action := data["action"]:
        # A code (`token.create`), or a group's prefix (`token`: every token action).
        queryset = queryset.filter(
            Q(action=action) if "." in action else Q(action__startswith=f"{action}."))
    if data["actor"]:
        queryset = queryset.filter(actor_label__icontains=data["actor"])
    if data["since"]:
        queryset = queryset.filter(at__date__gte=data["since"])
    if data["until"]:
        queryset = queryset.filter(at__date__lte=data["until"])
    if data["object"]:
        object_type, object_id = data["object"].split(":", 1)
        queryset = queryset.filter(object_type=object_type, object_id=object_id)
    return queryset, form
