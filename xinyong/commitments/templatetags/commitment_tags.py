"""What the commitments app adds to other apps' pages: on a record page, the commitment
whose breach the record is."""

from __future__ import annotations

from typing import Any

from django import template

from xinyong.commitments.models import Commitment

register = template.Library()


@register.inclusion_tag("commitments/_breach_link.html", takes_context=True)
def breached_commitment_for(context: dict[str, Any], record: Any) -> dict[str, Any]:
    """The commitment this record records the breach of, as far as the viewer may see it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    rows = Commitment.objects.filter(breach_record_id=record.pk)
    return {"commitment": rows.visible_to(user).first(),
            # Said even to those who may not open the commitment (a person's is never public).
            "from_commitment": rows.exists()}
