from datetime import timedelta
from typing import Any

from django import template

from xinyong.lib.pii import mask_id_numbers

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


@register.filter
def mask_ids(text: Any) -> str:
    """Free text as shown: ID numbers masked again on the way out (stored text already is,
    this also covers anything stored before the recogniser learnt a new way of writing)."""
    return mask_id_numbers(str(text)) if text is not None else ""


@register.filter
def rule_label(rule: str) -> str:
    """A determination step's rule in words (the API keeps the code)."""
    from xinyong.policies.coverage import rule_label as label

    return label(rule or "")
