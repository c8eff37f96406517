from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from xinyong.accounts.models import Unit
from xinyong.records import services as records
from xinyong.records.models import Record
from xinyong.subjects.models import Subject


@pytest.fixture
def unit(taicang_unit: Unit) -> Unit:
    """The records objected to here are 太仓's findings (and national penalties): the
    reporting unit, and the department user of `users`, are a 太仓 unit."""
    return taicang_unit


@pytest.fixture
def punish(organization: Subject) -> Callable[..., Record]:
    """A record through the real submission service. By default 太仓 10: illegal wildlife
    trade by the subject user's enterprise, decided 70 days ago: published today and on the
    public 联合惩戒对象名单, so checks for bidding restrict it."""
    counter = iter(range(1, 1000))

    def make(unit: Unit, subject: Subject | None = None, **kw: Any) -> Record:
        subject = subject or organization
        today = timezone.localdate()
        base: dict[str, Any] = dict(
            subject_kind=subject.kind, subject_name=subject.name, subject_code=subject.full_code(),
            behavior="tc_wildlife_trade", occurred_on=today - dt.timedelta(80),
            decided_on=today - dt.timedelta(70), decision_no=f"太农罚〔2026〕{next(counter)}号",
            facts="非法收购野生动物", severity="serious")
        base.update(kw)
        record, created = records.submit(unit, records.Submission(**base))
        assert created
        return record

    return make
