"""Template filters for points and grades."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def percent(rate: Decimal | float | None) -> str:
    """0.025 -> "2.5%"; None -> "—"."""
    if rate is None:
        return "—"
    value = (Decimal(str(rate)) * 100).quantize(Decimal("0.01")).normalize()
    return f"{value:f}%"
