"""What repair and objection cases share: query codes (查询码) and timelines."""

from __future__ import annotations

import secrets
from typing import Any

from django.utils import timezone

# No 0/O, 1/I/L: the code is read over the phone and typed from paper.
QUERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_query_code(prefix: str) -> str:
    return prefix + "".join(secrets.choice(QUERY_ALPHABET) for _ in range(12))


def step(timeline: list[dict[str, Any]], name: str, who: Any = None, note: str = "") -> None:
    """Append a step to a case's timeline (kept on the case, shown to the applicant)."""
    label = ""
    if who is not None and getattr(who, "is_authenticated", False):
        label = who.unit.name if getattr(who, "unit", None) else who.get_role_display()
    timeline.append({"at": timezone.now().isoformat(timespec="seconds"), "step": name,
                     "by": label, "note": note})


def normalize_code(code: str) -> str:
    """A query code as typed from paper: spaces and dashes dropped, upper case."""
    return "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())
