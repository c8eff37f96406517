from datetime import timedelta
from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, key)


@register.filter
def minutes(duration: timedelta | None) -> int | None:
    """A duration in whole minutes (rounded up), for texts like “请在 15 分钟后再试”."""
    if duration is None:
        return None
    return -(-int(duration.total_seconds()) // 60)
