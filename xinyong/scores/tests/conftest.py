from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xinyong.accounts.models import Unit
from xinyong.records import services as records
from xinyong.subjects.models import Subject


@pytest.fixture
def finding(loaded: Any, taicang_unit: Unit, person: Subject) -> Any:
    """A 太仓 finding against the person (逃避隔离, general): 娄城积分 −50."""
    return records.submit(taicang_unit, records.Submission(
        subject_kind="person", subject_name=person.name, subject_code=person.full_code(),
        behavior="tc_evade_quarantine", occurred_on=dt.date(2026, 11, 2),
        decided_on=dt.date(2026, 11, 3), decision_no="太卫〔2026〕8号", facts="逃避隔离",
        severity="general"), today=dt.date(2026, 11, 3))[0]
