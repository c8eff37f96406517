"""Signing: the letter filled in, a numbered, signed PDF whose QR code leads to the check
page; every refusal names its field; the bar while a breach is in publicity."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from pypdf import PdfReader

from conftest import PERSON_CODE, TAICANG
from xinyong.accounts.models import Unit, User
from xinyong.audit.models import AuditEvent
from xinyong.commitments import choices, services
from xinyong.commitments.models import Commitment
from xinyong.conftest_helpers import qr_codes_on_first_page
from xinyong.lib.errors import DomainError
from xinyong.notices.models import Notice
from xinyong.records import services as records


def pdf_text(data: bytes) -> str:
    return re.sub(r"\s", "", "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages))


def test_the_enterprise_signs_the_work_resumption_letter(
        resumption: Callable[..., Commitment], owner: User, unit: Unit, dept: User) -> None:
    c = resumption()
    assert c.status == choices.IN_FORCE and c.number and c.proof_checks_out()
    assert (c.template, c.policy, c.clause, c.kind) == ("fz_work_resumption", "fuzhou-2020-4", "一.2",
                                                       "approval")
    assert c.accepting_unit == unit and c.public and c.signed_by == owner
    # The blanks filled: name, code, matter, unit, date.
    assert "本单位福州马尾康宁医疗器械有限公司（统一社会信用代码：91350105MA2Y00001R）" in c.text
    assert "就“复工复产备案（马尾区快安厂区）”向市场监督管理局申请办理" in c.text
    assert re.search(r"承诺日期：\d{4}年\d{1,2}月\d{1,2}日", c.text) and "{" not in c.text
    text = pdf_text(c.pdf.read())
    for expected in ("复工复产信用承诺书（告知承诺）", "福州马尾康宁医疗器械有限公司",
                     "审批替代型（告知承诺）", "市场监督管理局", "榕发改信用〔2020〕4号一.2", c.number,
                     "承诺内容", "说明"):
        assert expected in text, expected
    assert AuditEvent.objects.filter(action="commitment.sign", object_id=str(c.pk)).exists()
    # The subject and the accepting department are told.
    assert Notice.objects.filter(user=owner, title__contains="已签署").exists()
    assert Notice.objects.filter(user=dept, title__contains="收到信用承诺").exists()


def test_the_qr_code_decodes_to_the_check_page(resumption: Callable[..., Commitment],
                                               tmp_path: Path) -> None:
    c = resumption()
    found = qr_codes_on_first_page(c.pdf.read(), tmp_path)
    assert found == [f"{settings.SITE_ROOT}/commitments/check/{c.number}/"]


def fails(field: str, call: Callable[[], Any], *, status: int = 422, says: str = "") -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    assert (caught.value.field, caught.value.status) == (field, status), caught.value
    assert says in caught.value.msg
    return caught.value


def test_every_refusal_names_its_field(resumption: Callable[..., Commitment], owner: User,
                                       dept: User, office: User, make_user: Callable[..., User]) -> None:
    fails("template", lambda: services.sign(owner, "no_such_letter"), says="没有施行中的承诺书模板")
    fails("matter", lambda: resumption(matter=""), says="承诺事项")
    fails("accepting_unit", lambda: resumption(accepting_unit=None), says="受理单位")
    fails("accepting_unit", lambda: resumption(accepting_unit="91350105MA2Y00001R"), says="没有这个成员单位")
    taicang = Unit.objects.create(code="11320585003000001U", name="太仓市市场监督管理局", region=TAICANG)
    fails("accepting_unit", lambda: resumption(accepting_unit=taicang), says="不在其适用范围内")
    fails("campaign", lambda: resumption(campaign=999999), says="没有这个承诺活动")
    for user in (dept, office):
        fails("", lambda user=user: services.sign(user, "fz_work_resumption"), status=403)
    assert not Commitment.objects.exists()


def test_a_person_signs_only_letters_for_persons_with_the_number_masked(
        loaded: Any, person_user: User) -> None:
    fails("template", lambda: services.sign(person_user, "fz_epidemic_integrity"),
          says="不适用于自然人")
    c = services.sign(person_user, "credit_repair", matter="榕马市监罚〔2026〕3号")
    assert PERSON_CODE not in c.text and "110105********002X" in c.text
    assert PERSON_CODE not in pdf_text(c.pdf.read())
    # A person's commitment is never public, whatever its letter says.
    assert c.public and not Commitment.objects.visible_to(None).filter(pk=c.pk).exists()


def breach(resumption: Callable[..., Commitment], dept: User, today: dt.date | None = None) -> Any:
    c = resumption()
    done = services.verify(dept, c.pk, "breached", "实地调查", "现场未落实消杀措施", today=today)
    return done.breach_record


def test_the_commitment_route_is_barred_while_a_breach_is_in_publicity(
        resumption: Callable[..., Commitment], owner: User, dept: User) -> None:
    record = breach(resumption, dept)
    error = fails("template", resumption, says=record.decision_no)
    assert f"公示至 {record.ends_on:%Y-%m-%d}" in error.msg and "审批替代型（告知承诺）" in error.msg
    # Kinds the rules do not bar stay open (主动公示型).
    assert services.sign(owner, "fz_epidemic_integrity").status == choices.IN_FORCE
    # Once the record is closed (withdrawn, repaired) the route is open again.
    records.withdraw(record, "异议成立", actor=dept)
    assert resumption().status == choices.IN_FORCE


def test_the_bar_lifts_when_publicity_ends(resumption: Callable[..., Commitment], dept: User) -> None:
    record = breach(resumption, dept)
    fails("template", lambda: resumption(today=record.ends_on), says=record.decision_no)
    assert resumption(today=record.ends_on + dt.timedelta(days=1)).status == choices.IN_FORCE


def test_the_api_signs_with_the_units_code(owner: User, unit: Unit, api: Callable[..., Any]) -> None:
    client = api(owner)
    done = client.post_json("/api/v1/commitments", {"template": "fz_work_resumption",
                                                    "matter": "复工复产备案", "accepting_unit": unit.code})
    assert done.status_code == 201, done.content
    body = done.json()
    assert body["status"] == "in_force" and body["number"] and body["id"]
    assert body["accepting_unit"] == unit.code
    assert body["signer_name"] == (owner.display_name or owner.username)
    missing = client.post_json("/api/v1/commitments", {"template": "fz_work_resumption"})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["loc"][-1] == "matter"
    wrong = client.post_json("/api/v1/commitments", {"template": "fz_work_resumption", "matter": "备案",
                                                     "accepting_unit": "NOTACODE"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["loc"][-1] == "accepting_unit"


def test_signing_is_all_or_nothing(resumption: Callable[..., Commitment], monkeypatch: Any) -> None:
    from xinyong.commitments import services as s

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(s, "audit", broken)
    with pytest.raises(RuntimeError):
        resumption()
    assert not Commitment.objects.exists()

