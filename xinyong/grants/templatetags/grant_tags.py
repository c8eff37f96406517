"""What grants (授权查询) put on other apps' pages: the labels of a grant's scope."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from xinyong.grants import choices

register = template.Library()


@register.filter
def scope_labels(scope: Iterable[str] | None) -> str:
    """A grant's parts in Chinese, in the platform's order: 基本信息与名单、信用报告."""
    parts = set(scope or ())
    return "、".join(label for value, label in choices.SCOPES.choices if value in parts)
