"""A certificate cited elsewhere: a record reported with force majeure and the subject's
certificate (exempted under 太仓 9 when a 太仓 unit reports it), and a repair application;
a number that is unknown, another subject's, or given without force majeure is refused
naming the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from conftest import ORG2_CODE, ORG_CODE
from xinyong.accounts.models import Role, Unit, User
from xinyong.certificates import services
from xinyong.certificates.models import Certificate
from xinyong.lib.errors import DomainError
from xinyong.records import services as records
from xinyong.records.choices import EXEMPTED
from xinyong.records.models import Record
from xinyong.repairs import services as repairs
from xinyong.subjects.models import get_or_create_subject

D = dt.date


def contract_default(certificate: str, *, force_majeure: bool = True, **changes: Any) -> dict[str, Any]:
    """太仓 9: a contract default in 2020, as a 太仓 unit reports it through the API."""
    return {"subject": {"kind": "organization", "name": "福州马尾康宁医疗器械有限公司", "code": ORG_CODE},
            "behavior": "tc_contract_default", "occurred_on": "2020-03-01", "decided_on": "2020-03-10",
            "decision_no": "太市监罚〔2020〕9号", "facts": "未按期交货", "severity": "general",
            "circumstances": {"force_majeure": force_majeure},
            "force_majeure_certificate": certificate, **changes}


@pytest.fixture
def tc_dept(make_user: Callable[..., User], taicang_unit: Unit) -> User:
    return make_user("tc_reporter", Role.DEPARTMENT, unit=taicang_unit)


@pytest.fixture
def foreign(make_user: Callable[..., User], office: User, apply: Callable[..., Certificate]) -> Certificate:
    """Another exporter's issued certificate."""
    other = get_or_create_subject("organization", ORG2_CODE, "太仓另一外贸有限公司")[0]
    cert = apply(user=make_user("other-exporter", Role.SUBJECT, subject=other))
    return services.workflow.decide(cert.pk, office, "issue", "属实")  # type: ignore[return-value]


def test_a_record_reported_with_force_majeure_and_the_certificate(
        issued: Certificate, tc_dept: User, api: Callable[..., Any], web: Callable[..., Any]) -> None:
    assert issued.number is not None
    typed = issued.number.lower()
    created = api(tc_dept).post_json("/api/v1/records", contract_default(typed))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == EXEMPTED and body["force_majeure_certificate"] == issued.number
    assert any("exemption:force_majeure_exemption" in str(step) for step in body["trace"])
    record = Record.objects.get(pk=body["id"])
    assert record.force_majeure_certificate == issued.number
    assert record.versions.get().data["force_majeure_certificate"] == issued.number
    page = web(tc_dept).get(f"/records/{record.pk}/").content.decode()
    assert 'data-testid="force-majeure-certificate"' in page
    assert f"/force-majeure/certificates/{issued.number}/" in page


@pytest.mark.parametrize("case", ["unknown", "foreign", "without_force_majeure"])
def test_a_wrong_certificate_is_refused_naming_the_field(
        case: str, issued: Certificate, foreign: Certificate, tc_dept: User,
        api: Callable[..., Any]) -> None:
    body = {"unknown": contract_default("20200301ABCDEFGHJKMNPQ"),
            "foreign": contract_default(foreign.number or ""),
            "without_force_majeure": contract_default(issued.number or "", force_majeure=False),
            }[case]
    refused = api(tc_dept).post_json("/api/v1/records", body)
    assert refused.status_code == 422, refused.content
    assert refused.json()["errors"][0]["loc"][-1] == "force_majeure_certificate"
    assert not Record.objects.exists()


def test_the_record_form_takes_the_certificate(issued: Certificate, foreign: Certificate,
                                               tc_dept: User, web: Callable[..., Any]) -> None:
    form = {"subject_kind": "organization", "subject_name": "福州马尾康宁医疗器械有限公司",
            "subject_code": ORG_CODE, "behavior": "tc_contract_default", "occurred_on": "2020-03-01",
            "decided_on": "2020-03-10", "decision_no": "太市监罚〔2020〕9号", "severity": "general",
            "force_majeure": "on", "force_majeure_certificate": foreign.number}
    client = web(tc_dept)
    assert 'name="force_majeure_certificate"' in client.get("/records/new/").content.decode()
    wrong = client.post("/records/new/", form)
    assert wrong.status_code == 422
    assert 'data-error-for="force_majeure_certificate"' in wrong.content.decode()
    done = client.post("/records/new/", {**form, "force_majeure_certificate": issued.number})
    assert done.status_code == 302
    assert Record.objects.get().force_majeure_certificate == issued.number


def test_a_correction_keeps_the_certificate_only_with_force_majeure(
        issued: Certificate, tc_dept: User, taicang_unit: Unit) -> None:
    record = records.submit(taicang_unit, records.Submission(
        subject_kind="organization", subject_name="福州马尾康宁医疗器械有限公司", subject_code=ORG_CODE,
        behavior="tc_contract_default", occurred_on=D(2020, 3, 1), decided_on=D(2020, 3, 10),
        decision_no="太市监罚〔2020〕9号", facts="", severity="general", force_majeure=True,
        force_majeure_certificate=issued.number or ""))[0]
    fixed = records.correct(record, {"facts": "未按期交货"}, "补充事实", actor=tc_dept)
    assert fixed.force_majeure_certificate == issued.number
    with pytest.raises(DomainError) as caught:
        records.correct(record, {"force_majeure": False}, "情形有误", actor=tc_dept)
    assert caught.value.field == "force_majeure_certificate"


def test_a_repair_application_carrying_a_certificate(
        issued: Certificate, foreign: Certificate, exporter: User, unit: Unit, users: dict[str, User],
        api: Callable[..., Any], web: Callable[..., Any]) -> None:
    record = records.submit(unit, records.Submission(
        subject_kind="organization", subject_name="福州马尾康宁医疗器械有限公司", subject_code=ORG_CODE,
        behavior="administrative_penalty", occurred_on=D(2026, 3, 20), decided_on=D(2026, 4, 1),
        decision_no="榕马市监罚〔2026〕8号", facts="", severity="general"), today=D(2026, 4, 1))[0]
    body = {"record_id": record.pk, "statement": "已缴清罚款", "commitment": True}
    wrong = api(exporter).post_json("/api/v1/repairs", {**body, "force_majeure_certificate": foreign.number})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["loc"][-1] == "force_majeure_certificate"
    created = api(exporter).post_json("/api/v1/repairs", {**body, "force_majeure_certificate": issued.number})
    assert created.status_code == 201, created.content
    assert created.json()["force_majeure_certificate"] == issued.number
    page = web(users[Role.DEPARTMENT]).get(f"/repairs/{created.json()['id']}/").content.decode()
    assert 'data-testid="force-majeure-certificate"' in page and issued.number in page
    # The apply form has the field and names it on a refusal.
    repairs_form = web(exporter).get(f"/repairs/apply/{record.pk}/").content.decode()
    assert 'name="force_majeure_certificate"' in repairs_form
    assert repairs.workflow.model.objects.get().force_majeure_certificate == issued.number
