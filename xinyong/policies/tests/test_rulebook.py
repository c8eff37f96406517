"""The rules in force by date: pack dating, ending events, period regimes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xinyong.lib.errors import DomainError
from xinyong.policies import events, loader, rulebook
from xinyong.policies.models import PolicyEvent

D = dt.date


@pytest.fixture
def qingshi(db: Any, qingshi_text: str) -> None:
    loader.load([loader.parse(qingshi_text, "q.yaml")])


def test_behavior_found_in_force(qingshi: None) -> None:
    entry, behavior = rulebook.current().behavior("dust_control_refused", D(2024, 3, 15))
    assert entry.pack_id == "qingshi-2024-3" and behavior.polarity == "dishonest"


def test_behavior_before_pack_is_refused_naming_pack_and_dates(qingshi: None) -> None:
    with pytest.raises(rulebook.RuleError) as caught:
        rulebook.current().behavior("dust_control_refused", D(2024, 3, 14))
    message = str(caught.value)
    assert "qingshi-2024-3" in message and "青信用办〔2024〕3号" in message
    assert "2024-03-15 起" in message and "2024-03-14" in message


def test_unknown_behavior(qingshi: None) -> None:
    with pytest.raises(rulebook.RuleError, match="没有任何规则包定义行为“flying”"):
        rulebook.current().behavior("flying", D(2024, 5, 1))


def test_ending_event_expires_pack_by_itself(shipped: Any) -> None:
    book = rulebook.current()
    taicang = book.entry("taicang-2020-1")
    assert taicang is not None and taicang.pack.ends_with_event is not None
    code = taicang.pack.ends_with_event.code
    behavior = taicang.pack.behaviors[0].code
    assert book.behavior(behavior, D(2023, 6, 1))  # no event recorded yet: still in force
    events.record_event(code, D(2020, 5, 1), note="省级响应调整为三级")
    book = rulebook.current()
    assert book.behavior(behavior, D(2020, 4, 30))[0].pack_id == "taicang-2020-1"
    with pytest.raises(rulebook.RuleError, match="2020-02-26 至 2020-04-30"):
        book.behavior(behavior, D(2020, 5, 1))


def test_event_must_be_one_a_pack_ends_with(shipped: Any) -> None:
    with pytest.raises(DomainError, match="没有规则包以事件“moon”结束"):
        events.record_event("moon", D(2020, 5, 1))
    assert not PolicyEvent.objects.exists()


@pytest.mark.parametrize(
    ("decided_on", "severity", "pack_id", "min_months", "max_months"),
    [
        (D(2026, 3, 31), "general", "cn-ndrc-2019-527", 3, 12),
        (D(2026, 3, 31), "serious", "cn-ndrc-2019-527", 6, 36),
        (D(2026, 4, 1), "general", "cn-2025-22", 3, 12),
        (D(2026, 4, 1), "serious", "cn-2025-22", 12, 36),
        (D(2026, 4, 1), "minor", "cn-2025-22", 0, 3),
    ],
)
def test_period_regime_chosen_by_decision_date(
    shipped: Any, decided_on: dt.date, severity: str, pack_id: str, min_months: int,
    max_months: int,
) -> None:
    found = rulebook.current().period(severity, decided_on)
    assert found is not None
    entry, period = found
    assert (entry.pack_id, period.min_months, period.max_months) == (
        pack_id, min_months, max_months)


def test_minor_under_2025_rules_may_stay_unpublished(shipped: Any) -> None:
    found = rulebook.current().period("minor", D(2026, 5, 1))
    assert found is not None and found[1].publish is False


def test_national_period_wins_over_local(shipped: Any, qingshi_text: str) -> None:
    # The made-up district sets 2–6 months for general cases; national rules are explicit.
    loader.load([loader.parse(qingshi_text, "q.yaml")])
    entry, _period = rulebook.current().period("general", D(2024, 6, 1)) or (None, None)
    assert entry is not None and entry.pack.level == "national"


def test_local_period_applies_where_no_national_rule(qingshi: None) -> None:
    entry, period = rulebook.current().period("general", D(2024, 6, 1)) or (None, None)
    assert entry is not None and entry.pack_id == "qingshi-2024-3"
    assert period is not None and (period.min_months, period.max_months) == (2, 6)


def test_rulebook_rebuilt_when_pack_changes(qingshi: None, qingshi_text: str) -> None:
    before = rulebook.current()
    assert rulebook.current() is before  # cached while nothing changed
    loader.load([loader.parse(qingshi_text.replace("max_months: 6", "max_months: 8"), "q.yaml")])
    after = rulebook.current()
    assert after is not before
    assert after.period("general", D(2024, 6, 1))[1].max_months == 8  # type: ignore[index]


def test_behavior_texts_name_every_code_in_words(shipped: Any) -> None:
    book = rulebook.current()
    texts = book.behavior_texts()
    every = {b.code for entry in book.entries for b in entry.pack.behaviors}
    assert set(texts) == every and all(texts.values())
    assert book.behavior_text("administrative_penalty") == texts["administrative_penalty"]
    assert book.behavior_text("no_such_behavior") == "no_such_behavior"
