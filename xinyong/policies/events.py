"""Recording the events that end packs (e.g. 疫情防控应急响应结束)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from xinyong.audit.models import record as audit
from xinyong.policies import rulebook
from xinyong.policies.models import PolicyEvent


class EventError(ValueError):
    pass


def known_events() -> dict[str, str]:
    """Event codes the loaded packs end with, and their names."""
    found = {}
    for entry in rulebook.current().entries:
        if entry.pack.ends_with_event:
            found[entry.pack.ends_with_event.code] = entry.pack.ends_with_event.name
    return found


@transaction.atomic
def record_event(code: str, day: dt.date, *, note: str = "", actor: Any = None,
                 via: str = "cli") -> PolicyEvent:
    names = known_events()
    if code not in names:
        listed = "、".join(sorted(names)) or "（无）"
        raise EventError(f"没有规则包以事件“{code}”结束；可记录的事件：{listed}")
    if PolicyEvent.objects.filter(code=code).exists():
        raise EventError(f"事件“{code}”已记录，如需更正请联系系统管理员")
    event = PolicyEvent.objects.create(
        code=code, name=names[code], occurred_on=day, note=note,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit("policy.event", actor=actor, obj=event, via=via,
          summary=f"记录事件 {event.name}：{day.isoformat()}")
    return event
