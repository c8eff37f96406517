"""Fixtures of the grant tests: the shipped packs, a person and an enterprise with records
of several statuses, and their subject users."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xinyong.accounts.models import Role, Unit, User
from xinyong.records import services as records
from xinyong.subjects.models import Subject

TODAY = dt.date.today()


def finding(unit: Unit, subject: Subject, behavior: str, number: str, **changes: Any) -> Any:
    fields: dict[str, Any] = dict(
        subject_kind=subject.kind, subject_name=subject.name, subject_code=subject.full_code(),
        behavior=behavior, occurred_on=TODAY - dt.timedelta(days=12),
        decided_on=TODAY - dt.timedelta(days=10), decision_no=number, facts="经查属实",
        severity="general")
    fields.update(changes)
    return records.submit(unit, records.Submission(**fields), today=TODAY)[0]


@pytest.fixture
def person_file(loaded: Any, taicang_unit: Unit, person: Subject, users: dict[str, User]) -> dict[str, Any]:
    """张三: one record published, one withdrawn (the public no longer sees it)."""
    shown = finding(taicang_unit, person, "tc_evade_quarantine", "太卫〔2026〕8号")
    hidden = finding(taicang_unit, person, "tc_evade_quarantine", "太卫〔2026〕9号")
    records.withdraw(hidden, "认定错误", actor=users[Role.OFFICE], today=TODAY)
    return {"subject": person, "shown": shown, "hidden": hidden}


@pytest.fixture
def bank(users: dict[str, User]) -> User:
    return users[Role.INSTITUTION]
