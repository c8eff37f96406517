"""A membership's exit reason is a field with codes and Chinese labels (lists/choices.py),
set where the membership ends."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xinyong.accounts.models import Unit
from xinyong.lists.choices import EXIT, SHOWN_EXIT
from xinyong.lists.models import Membership, describe
from xinyong.lists.tests.test_memberships import submit
from xinyong.records import services

D = dt.date


@pytest.fixture
def unit(taicang_unit: Unit) -> Unit:
    return taicang_unit  # the cases of test_memberships are 太仓's findings


def test_every_exit_has_a_chinese_label() -> None:
    assert dict(Membership._meta.get_field("exit_reason").choices or []) == dict(EXIT.choices)
    assert [SHOWN_EXIT.label(v) for v in SHOWN_EXIT.values] == [
        "信用修复", "记录撤销", "异议成立", "整改完成", "政策失效", "期限届满"]


def test_the_page_and_the_api_read_the_field(loaded: Any, unit: Any) -> None:
    record = submit(unit)
    services.withdraw(record, "异议成立：但这是单位自己撤销的", actor=None, today=D(2026, 11, 1))
    shown = describe(Membership.objects.filter(record=record), D(2026, 11, 2))[0]
    assert (shown["exit_reason"], shown["exit_label"]) == ("withdrawn", "记录撤销")
    Membership.objects.filter(record=record).update(exit_reason="objection_upheld")
    shown = describe(Membership.objects.filter(record=record), D(2026, 11, 2))[0]
    assert (shown["exit_reason"], shown["exit_label"]) == ("objection_upheld", "异议成立")
