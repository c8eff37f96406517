from __future__ import annotations

from typing import Any

from xinyong.policies.rulebook import Entry, Rulebook


def book_of(*packs: Any, events: dict[str, Any] | None = None) -> Rulebook:
    """A rulebook built without the database, as the determination sees it."""
    from xinyong.policies.models import PolicyVersion, effective_until

    entries = []
    for i, pack in enumerate(packs, start=1):
        stub = PolicyVersion(
            effective_from=pack.effective_from, effective_until=pack.effective_until,
            ending_event=pack.ends_with_event.code if pack.ends_with_event else "",
        )
        entries.append(Entry(i, pack, effective_until(stub, events or {})))
    return Rulebook(entries, events or {})
