"""What the repairs app adds to other apps' pages: the repair offer on a record page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from xinyong.repairs.services import repair_offer

register = template.Library()


@register.inclusion_tag("repairs/_offer.html", takes_context=True)
def repair_offer_for(context: dict[str, Any], record: Any) -> dict[str, Any]:
    """For the subject itself, on its own record: its open case, the link to apply, or why
    not yet; nothing for anyone else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"record": record, "repair": repair_offer(user, record, timezone.localdate())}
