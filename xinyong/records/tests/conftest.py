from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from xinyong.policies import loader
from xinyong.policies.rulebook import Entry, Rulebook

QINGSHI = Path(__file__).resolve().parents[2] / "policies" / "tests" / "data" / "qingshi-2024-3.yaml"


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


@pytest.fixture(scope="session")
def shipped_packs() -> list[Any]:
    return [p.pack for p in loader.shipped()]


@pytest.fixture(scope="session")
def qingshi_pack() -> Any:
    return loader.parse_file(QINGSHI).pack


@pytest.fixture
def loaded(db: Any) -> Any:
    """Shipped packs and the made-up district's pack, loaded in the database."""
    return loader.load([*loader.shipped(), loader.parse_file(QINGSHI)])


@pytest.fixture
def qingshi_text() -> str:
    return QINGSHI.read_text(encoding="utf-8")
