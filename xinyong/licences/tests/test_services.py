"""Licences: submission, idempotency, correction and withdrawal with versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xinyong.audit.models import AuditEvent
from xinyong.conftest_helpers import licence_submission as licence
from xinyong.lib.errors import DomainError
from xinyong.licences import services
from xinyong.licences.models import Licence, LicenceVersion
from xinyong.records.models import Record
from xinyong.records.penalties import LegalRepresentative

TODAY = dt.date(2026, 12, 1)


def test_a_licence_is_kept_with_its_fields(unit: Any) -> None:
    rep = LegalRepresentative(name="丁一", id_type="身份证", id_number="11010519491231002X")
    found, created = services.submit(unit, licence(legal_representative=rep), today=TODAY)
    assert created and found.status == "valid" and found.version == 1
    assert (found.kind, found.licence_no, found.valid_from) == ("普通", "JY23501050012345",
                                                                dt.date(2026, 11, 10))
    assert found.subject.kind == "individual_business" and found.subject.name == "马尾丁记小吃店"
    assert found.legal_rep["name"] == "丁一" and "11010519491231002X" not in str(found.legal_rep)
    assert LicenceVersion.objects.get(licence=found).change == "created"
    assert AuditEvent.objects.filter(action="licence.create").count() == 1
    assert not Record.objects.exists()  # never a record, never dishonest


def test_a_repeat_returns_the_same_licence(unit: Any) -> None:
    first, _ = services.submit(unit, licence(external_id="A1"), today=TODAY)
    again, created = services.submit(unit, licence(external_id="A1"), today=TODAY)
    by_decision, created2 = services.submit(unit, licence(), today=TODAY)
    assert (again.pk, by_decision.pk, created, created2) == (first.pk, first.pk, False, False)
    assert Licence.objects.count() == 1


@pytest.mark.parametrize(("changes", "field"), [
    ({"kind": "临时"}, "kind"),
    ({"decided_on": dt.date(2026, 12, 2)}, "decided_on"),
    ({"valid_to": dt.date(2026, 11, 1)}, "valid_to"),
    ({"authority_name": " "}, "authority.name"),
    ({"authority_code": "11350105MB00000001"}, "authority.code"),
    ({"subject_code": "92350105MA2Y000210"}, "subject.code"),
    ({"decision_no": ""}, "decision_no"),
])
def test_bad_input_names_the_field(unit: Any, changes: dict[str, Any], field: str) -> None:
    with pytest.raises(DomainError) as refused:
        services.submit(unit, licence(**changes), today=TODAY)
    assert refused.value.field == field
    assert not Licence.objects.exists()


def test_correction_keeps_versions(unit: Any, make_user: Any) -> None:
    clerk = make_user("bob", "department", unit=unit)
    found, _ = services.submit(unit, licence(), actor=clerk, today=TODAY)
    corrected = services.correct(found, {"licence_no": "JY23501050099999"}, "编号录入错误",
                                 actor=clerk, today=TODAY)
    assert (corrected.licence_no, corrected.version) == ("JY23501050099999", 2)
    versions = list(LicenceVersion.objects.filter(licence=found).order_by("number"))
    assert [v.change for v in versions] == ["created", "corrected"]
    assert versions[0].data["licence_no"] == "JY23501050012345"
    assert versions[1].reason == "编号录入错误"
    with pytest.raises(DomainError) as refused:
        services.correct(found, {"valid_to": dt.date(2020, 1, 1)}, "改", actor=clerk, today=TODAY)
    assert refused.value.field == "valid_to"
    with pytest.raises(DomainError) as refused:
        services.correct(found, {"status": "x"}, "改", actor=clerk, today=TODAY)
    assert refused.value.field == "status"


def test_withdrawal_leaves_the_public_pages_and_keeps_the_licence(unit: Any) -> None:
    found, _ = services.submit(unit, licence(), today=TODAY)
    assert Licence.objects.published().count() == 1
    gone = services.withdraw(found, "许可决定已被撤销", actor=None, today=TODAY)
    assert (gone.status, gone.withdrawn_on, gone.version) == ("withdrawn", TODAY, 2)
    assert not Licence.objects.published().exists() and Licence.objects.count() == 1
    with pytest.raises(DomainError):
        services.withdraw(found, "again", actor=None, today=TODAY)
    with pytest.raises(DomainError) as refused:
        services.correct(found, {"content": "x"}, "改", actor=None, today=TODAY)
    assert refused.value.field == "status"


def test_an_inactive_unit_cannot_report(unit: Any) -> None:
    unit.is_active = False
    unit.save()
    with pytest.raises(DomainError) as refused:
        services.submit(unit, licence(), today=TODAY)
    assert refused.value.field == "unit"
