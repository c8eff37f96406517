"""Recording the events that end packs (e.g. 疫情防控应急响应结束)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from xinyong.audit.models import record as audit
from xinyong.lib.errors import DomainError
from xinyong.policies import rulebook
from xinyong.policies.models import PolicyEvent
from xinyong.policies.signals import rules_changed


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
        raise DomainError("code", f"没有规则包以事件“{code}”结束；可记录的事件：{listed}")
    if PolicyEvent.objects.filter(code=code).exists():
        raise DomainError("code", f"事件“{code}”已记录；日期有误的，请更正已记录的事件并说明原因")
    event = PolicyEvent.objects.create(
        code=code, name=names[code], occurred_on=day, note=note,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit("policy.event", actor=actor, obj=event, via=via,
          summary=f"记录事件 {event.name}：{day.isoformat()}")
    rules_changed.send(sender=PolicyEvent, packs=packs_ending_with(code))
    return event


def packs_ending_with(code: str) -> list[str]:
    return [e.pack.id for e in rulebook.current().entries
            if e.pack.ends_with_event and e.pack.ends_with_event.code == code]


@transaction.atomic
def correct_event(code: str, day: dt.date | None, reason: str, *, actor: Any = None,
                  via: str = "cli") -> PolicyEvent | None:
    """Correct the date of a recorded event, or (day None) withdraw it: the packs it ends,
    and the lists their rules made, follow at once. The old and new dates are audited."""
    reason = reason.strip()
    if not reason:
        raise DomainError("reason", "更正已记录的事件须说明原因")
    event = PolicyEvent.objects.select_for_update().filter(code=code).first()
    if event is None:
        raise DomainError("code", f"事件“{code}”尚未记录，无需更正")
    before = event.occurred_on
    if day == before:
        raise DomainError("occurred_on", f"事件“{event.name}”已记录为 {before.isoformat()}，与更正日期相同")
    packs = packs_ending_with(code)
    if day is None:
        event.delete()
        summary = f"撤回事件 {event.name}（原记录日期 {before.isoformat()}）：{reason}"
        result = None
    else:
        event.occurred_on = day
        event.note = f"{event.note}（{before.isoformat()} 更正为 {day.isoformat()}：{reason}）"[-500:]
        event.save(update_fields=["occurred_on", "note"])
        summary = f"更正事件 {event.name}：{before.isoformat()} → {day.isoformat()}：{reason}"
        result = event
    audit("policy.event_correct", actor=actor, obj=result, via=via, summary=summary[:500],
          detail={"code": code, "before": before.isoformat(),
                  "after": day.isoformat() if day else None, "reason": reason})
    rules_changed.send(sender=PolicyEvent, packs=packs)
    return result


def awaiting_events(today: dt.date) -> list[dict[str, Any]]:
    """Packs in force that end with an event not yet recorded: the office home lists them,
    so that a lapsed emergency measure is not left running by oversight."""
    book = rulebook.current()
    found = []
    for entry in book.entries:
        event = entry.pack.ends_with_event
        if event and event.code not in book.events and entry.in_force(today):
            found.append({"pack": entry.pack.id, "doc_number": entry.pack.doc_number,
                          "title": entry.pack.title, "event": event.name, "code": event.code,
                          "since": entry.pack.effective_from})
    return found
