"""A case's timeline (办理过程) and the one rule for what the public sees of it.

Each step keeps two texts: `public`, written by the platform (deadlines, the rule applied,
what happens next), and `note`, typed by an officer or the applicant. The parties (the
applicant's subject, the handling unit, the office) see both. Anyone holding the query
code sees the step, its time, the unit that took it and the platform's text, never the
free text: it may name persons or carry details of the case.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.utils import timezone

from xinyong.lib.pii import mask_id_numbers

# No 0/O, 1/I/L: the code is read over the phone and typed from paper.
QUERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_query_code(prefix: str) -> str:
    return prefix + "".join(secrets.choice(QUERY_ALPHABET) for _ in range(12))


def normalize_code(code: str) -> str:
    """A query code as typed from paper: spaces and dashes dropped, upper case."""
    return "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())


def step(timeline: list[dict[str, Any]], name: str, who: Any = None, note: str = "", *,
         public: str = "") -> None:
    """Append a step: `public` is the platform's own text, `note` free text (parties only)."""
    label = ""
    if who is not None and getattr(who, "is_authenticated", False):
        label = who.unit.name if getattr(who, "unit", None) else who.get_role_display()
    entry = {"at": timezone.now().isoformat(timespec="seconds"), "step": name, "by": label,
             "note": mask_id_numbers(note.strip())}
    if public:
        entry["public"] = public
    timeline.append(entry)


def _text(entry: dict[str, Any], public: bool) -> str:
    platform = entry.get("public", "")
    if public:
        return mask_id_numbers(platform)
    return "\n".join(t for t in (platform, entry.get("note", "")) if t)


def as_data(timeline: list[dict[str, Any]], *, public: bool) -> list[dict[str, str]]:
    """Steps for the API: {at, step, by, note}, the note as the audience may see it."""
    return [{"at": s.get("at", ""), "step": s.get("step", ""), "by": s.get("by", ""),
             "note": _text(s, public)} for s in timeline]


def as_rows(timeline: list[dict[str, Any]], *, public: bool) -> list[dict[str, Any]]:
    """Steps for a page: times as datetimes (shown in local time)."""
    rows = []
    for s in as_data(timeline, public=public):
        try:
            at: Any = dt.datetime.fromisoformat(s["at"])
        except ValueError:
            at = None
        rows.append({**s, "at": at})
    return rows
