"""Every kind of case, as one parametrised fixture: the shared workflow tests run for each.

A new kind of case adds one `Kind` here, and the whole shared suite runs for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from xinyong.accounts.models import Role, User
from xinyong.casework.models import Case
from xinyong.casework.services import Workflow
from xinyong.objections import services as objections
from xinyong.records import services as records
from xinyong.records.models import Record
from xinyong.repairs import services as repairs

D = dt.date
# A Monday; the record below may be repaired from 2026-07-01 and objected to at any time.
SUBMITTED = D(2026, 8, 3)


@dataclass(frozen=True)
class Kind:
    name: str
    workflow: Workflow
    path: str  # /repairs, /objections (pages) and /api/v1/<path> (API)
    open: Callable[[User, Record, dt.date], Case]
    decide_yes: str  # the outcome that does something to the record
    decide_no: str
    marks_record: bool  # the record carries the objection mark while the case is open


KINDS = {
    "repair": Kind("repair", repairs.workflow, "repairs",
                   lambda user, record, day: repairs.apply(user, record.pk, "已缴清罚款", True, today=day),
                   "approve", "reject", False),
    "objection": Kind("objection", objections.workflow, "objections",
                      lambda user, record, day: objections.submit(user, record.pk, "该处罚已被撤销",
                                                                  today=day),
                      "upheld", "dismissed", True),
}


@pytest.fixture(params=list(KINDS))
def kind(request: Any) -> Kind:
    return KINDS[request.param]


@pytest.fixture
def record(loaded: Any, unit: Any, users: dict[str, User]) -> Record:
    """A general penalty of the subject user's enterprise, published, repairable from 07-01."""
    subject = users[Role.SUBJECT].subject
    assert subject is not None
    return records.submit(unit, records.Submission(
        subject_kind=subject.kind, subject_name=subject.name, subject_code=subject.full_code(),
        behavior="administrative_penalty", occurred_on=D(2026, 3, 20), decided_on=D(2026, 4, 1),
        decision_no="榕马市监罚〔2026〕8号", facts="", severity="general"), today=D(2026, 4, 1))[0]


@pytest.fixture
def case(kind: Kind, record: Record, users: dict[str, User]) -> Case:
    """An open case of the kind, submitted on SUBMITTED by the subject user."""
    return kind.open(users[Role.SUBJECT], record, SUBMITTED)
