"""A company with a history worth a report: a published penalty (under objection), a
withdrawn finding, a record of an honour, a licence; a person with a published record."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from xinyong.accounts.models import Role, Unit, User
from xinyong.conftest_helpers import licence_submission, penalty_submission
from xinyong.records import services as records
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

ORG_CODE = "91350105MA2Y00001R"  # the root conftest's `organization`
PERSON_CODE = "11010519491231002X"  # the root conftest's `person`


def submit(unit: Unit, subject: Subject, behavior: str, number: str, *, days_ago: int = 20,
           severity: str = "general") -> Record:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    record, _ = records.submit(unit, records.Submission(
        subject_kind=subject.kind, subject_name=subject.name, subject_code=subject.full_code(),
        behavior=behavior, occurred_on=day - dt.timedelta(days=3), decided_on=day,
        decision_no=number, facts="口罩价格高于进价 3 倍", severity=severity))
    return record


@pytest.fixture
def history(loaded: Any, unit: Unit, organization: Subject) -> dict[str, Any]:
    from xinyong.licences import services as licences

    penalty, _ = records.submit(unit, penalty_submission(
        organization.name, "榕马市监罚〔2026〕11号", ("罚款", "没收违法所得"), subject_code=ORG_CODE,
        fine="2.5", days_ago=10))
    Record.objects.filter(pk=penalty.pk).update(objection_open=True)
    withdrawn = submit(unit, organization, "fz_mask_fraud", "榕马市监认〔2026〕12号")
    records.withdraw(withdrawn, "行政复议撤销", actor=None)
    honour = submit(unit, organization, "fz_donation", "榕马发改〔2026〕13号", severity="minor")
    licence, _ = licences.submit(unit, licence_submission(
        subject_kind="organization", subject_name=organization.name, subject_code=ORG_CODE,
        decision_no="榕马市监许〔2026〕14号", licence_name="医疗器械经营许可证",
        licence_no="闽榕食药监械经营许20260014号", decided_on=timezone.localdate() - dt.timedelta(days=40),
        valid_to=timezone.localdate() + dt.timedelta(days=1000)))
    return {"penalty": penalty, "withdrawn": withdrawn, "honour": honour, "licence": licence}


@pytest.fixture
def owner(make_user: Callable[..., User], organization: Subject) -> User:
    return make_user("kangning", Role.SUBJECT, subject=organization)


@pytest.fixture
def office(make_user: Callable[..., User]) -> User:
    return make_user("xyb", Role.OFFICE)


@pytest.fixture
def person_history(loaded: Any, unit: Unit, person: Subject) -> Record:
    record, _ = records.submit(unit, penalty_submission(
        person.name, "榕马公罚〔2026〕21号", ("罚款",), subject_code=PERSON_CODE, kind="person",
        fine="0.5"))
    return record


def pdf_text(data: bytes) -> str:
    """The text of every page, whitespace removed (a table cell wraps where it must)."""
    from pypdf import PdfReader

    return re.sub(r"\s", "", "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages))
