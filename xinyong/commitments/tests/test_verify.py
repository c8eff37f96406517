"""告知承诺: the accepting department records the approval, verifies by the deadline; a
breach is a dishonest record made through the usual determination, linked both ways."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from xinyong.accounts.models import Role, Unit, User
from xinyong.commitments import choices, services
from xinyong.commitments.models import Commitment
from xinyong.lib.errors import DomainError
from xinyong.records.models import Record
from xinyong.subjects.profile import build_profile


def approve(c: Commitment, user: User, **kwargs: Any) -> Commitment:
    return services.record_approval(user, c.pk, kwargs.pop("approval_no", "榕马复工备〔2026〕8号"),
                                    kwargs.pop("approved_on", timezone.localdate()),
                                    "复工复产方案、应急预案", **kwargs)


def refused(field: str, call: Callable[[], Any], status: int = 422, says: str = "") -> None:
    with pytest.raises(DomainError) as caught:
        call()
    assert (caught.value.field, caught.value.status) == (field, status), caught.value
    assert says in caught.value.msg


def test_breach_found_by_a_mawei_department_is_recorded_under_fuzhou_2_11(
        resumption: Callable[..., Commitment], dept: User, owner: User, web: Callable[..., Any],
        api: Callable[..., Any]) -> None:
    c = approve(resumption(), dept)
    today = timezone.localdate()
    assert c.verify_by and c.verify_by.month == (today.month + 2) % 12 + 1  # 3 months (模板)
    response = api(dept).post_json(f"/api/v1/commitments/{c.pk}/verify", {
        "result": "breached", "method": "实地调查", "note": "现场核查：未落实返岗职工健康监测"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "breached" and body["record_id"]
    record = Record.objects.get(pk=body["record_id"])
    assert (record.behavior, record.severity, record.status, record.unit_id) == (
        "fz_work_resumption_breach", "serious", "published", dept.unit_id)
    assert record.decision_no == f"承诺核查-{c.number}" and c.number in record.facts
    assert "未落实返岗职工健康监测" in record.facts
    assert any(step["clause"] == "二.11" and step["policy"] == "fuzhou-2020-4" for step in record.trace)
    # Linked both ways: the commitment names the record, the record's page the commitment.
    c.refresh_from_db()
    assert c.breach_record == record and record.breached_commitment == c
    page = web(None).get(f"/records/{record.pk}/").content.decode()
    assert 'data-testid="breached-commitment"' in page and f"/commitments/{c.pk}/" in page
    detail = web(None).get(f"/commitments/{c.pk}/").content.decode()
    assert f"/records/{record.pk}/" in detail and "未履约" in detail
    # The credit file shows it to everyone, with its state.
    shown = build_profile(c.subject, None)["commitments"]
    assert [(x["id"], x["status"], x["record_id"]) for x in shown] == [(c.pk, "breached", record.pk)]


def test_fulfilled_verification(resumption: Callable[..., Commitment], dept: User) -> None:
    c = approve(resumption(), dept)
    done = services.verify(dept, c.pk, "fulfilled", "书面核查", "材料已补齐，与承诺一致")
    assert (done.status, done.breach_record_id, done.verified_unit_id) == (choices.FULFILLED, None,
                                                                           dept.unit_id)
    assert done.status_label == "已履约（核查通过）"
    assert not Record.objects.exists()
    refused("status", lambda: services.verify(dept, c.pk, "breached", "书面核查", "再查"), status=409,
            says="已履约")


def test_every_verification_refusal_names_its_field(
        resumption: Callable[..., Commitment], dept: User, office: User,
        make_user: Callable[..., User], other_unit: Unit) -> None:
    c = resumption()
    refused("result", lambda: services.verify(dept, c.pk, "maybe", "书面核查", "x"))
    refused("method", lambda: services.verify(dept, c.pk, "fulfilled", "电话核查", "x"))
    refused("note", lambda: services.verify(dept, c.pk, "fulfilled", "书面核查", " "))
    refused("behavior", lambda: services.verify(dept, c.pk, "breached", "书面核查", "x",
                                                behavior="tc_price_gouging"), says="不是")
    refused("behavior", lambda: services.verify(dept, c.pk, "breached", "书面核查", "x",
                                                behavior="fz_hubei_medical_aid"))
    refused("severity", lambda: services.verify(dept, c.pk, "breached", "书面核查", "x",
                                                severity="grave"))
    # Another 马尾 department sees the public commitment but does not verify it.
    other = make_user("other", Role.DEPARTMENT, unit=other_unit)
    refused("", lambda: services.verify(other, c.pk, "fulfilled", "书面核查", "x"), status=403)
    refused("id", lambda: services.verify(other, 999999, "fulfilled", "书面核查", "x"), status=404)
    assert Commitment.objects.get(pk=c.pk).status == choices.IN_FORCE
    # The breach behaviour of the pack, serious-only: a stated general severity is no finding.
    nothing = services.verify(dept, c.pk, "breached", "书面核查", "x", severity="general")
    assert nothing.breach_record is not None and nothing.breach_record.status != "published"


def test_the_office_records_a_breach_under_the_accepting_unit(
        resumption: Callable[..., Commitment], office: User, owner: User, unit: Unit) -> None:
    c = services.verify(office, resumption().pk, "breached", "公示核查", "公示期内收到举报并查实")
    assert c.breach_record is not None and c.breach_record.unit == unit
    # Without an accepting unit or campaign the office has no unit to record under.
    public = services.sign(owner, "fz_epidemic_integrity")
    refused("result", lambda: services.verify(office, public.pk, "breached", "公示核查", "x"),
            says="没有受理单位")


def test_without_an_accepting_unit_departments_governed_by_the_pack_verify(
        owner: User, dept: User, make_user: Callable[..., User]) -> None:
    c = services.sign(owner, "fz_epidemic_integrity")
    taicang = Unit.objects.create(code="11320585003000001U", name="太仓市市场监督管理局", region="320585")
    outsider = make_user("tc", Role.DEPARTMENT, unit=taicang)
    refused("", lambda: services.verify(outsider, c.pk, "fulfilled", "公示核查", "x"), status=403)
    done = services.verify(dept, c.pk, "breached", "实地调查", "哄抬口罩价格")
    assert done.breach_record is not None and done.breach_record.behavior == "fz_work_resumption_breach"


def test_approval_rules(resumption: Callable[..., Commitment], dept: User, owner: User,
                        make_user: Callable[..., User], other_unit: Unit) -> None:
    c = resumption()
    today = timezone.localdate()
    refused("approval_no", lambda: approve(c, dept, approval_no=" "))
    refused("approved_on", lambda: approve(c, dept, approved_on=today + dt.timedelta(days=1)))
    refused("verify_by", lambda: approve(c, dept, verify_by=today - dt.timedelta(days=1)))
    other = make_user("other", Role.DEPARTMENT, unit=other_unit)
    refused("", lambda: approve(c, other), status=403)
    done = approve(c, dept, verify_by=today + dt.timedelta(days=10))
    assert done.verify_by == today + dt.timedelta(days=10) and done.approved_by == dept
    refused("approval_no", lambda: approve(c, dept), status=409)
    public = services.sign(owner, "fz_epidemic_integrity")
    refused("approval_no", lambda: approve(public, dept), says="不涉及审批")


def test_withdrawal(resumption: Callable[..., Commitment], owner: User, dept: User,
                    api: Callable[..., Any]) -> None:
    mine = resumption()
    assert services.withdraw(owner, mine.pk).status == choices.WITHDRAWN
    approved = approve(resumption(), dept)
    refused("id", lambda: services.withdraw(owner, approved.pk), status=409, says="不能自行撤回")
    refused("reason", lambda: services.withdraw(dept, approved.pk, " "))
    response = api(dept).post_json(f"/api/v1/commitments/{approved.pk}/withdraw",
                                   {"reason": "审批决定已撤销"})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    again = api(dept).post_json(f"/api/v1/commitments/{approved.pk}/withdraw", {"reason": "再撤"})
    assert again.status_code == 409 and "已撤销" in again.json()["detail"]


def test_the_queue_puts_the_soonest_first_and_marks_the_overdue(
        resumption: Callable[..., Commitment], dept: User, office: User, web: Callable[..., Any]) -> None:
    today = timezone.localdate()
    later = approve(resumption(), dept, verify_by=today + dt.timedelta(days=20))
    late = approve(resumption(), dept, verify_by=today)
    # As if signed and approved months ago: its deadline passed ten days ago.
    Commitment.objects.filter(pk=late.pk).update(verify_by=today - dt.timedelta(days=10))
    rows = services.due_rows(services.queue(dept, today), today)
    assert [r["c"].pk for r in rows] == [late.pk, later.pk]
    assert rows[0]["overdue"] and "已逾期" in rows[0]["due_text"] and not rows[1]["overdue"]
    assert [c.pk for c in services.queue(office, today, "overdue")] == [late.pk]
    assert [c.pk for c in services.queue(dept, today, "due")] == [later.pk]
    page = web(dept).get("/commitments/queue/?show=overdue").content.decode()
    assert f'data-commitment="{late.pk}" class="table-danger" data-overdue="1"' in page
    assert f'data-commitment="{later.pk}"' not in page
    # A page at a time: the queue of a busy unit is paged like every list.
    for _ in range(20):
        approve(resumption(), dept, verify_by=today + dt.timedelta(days=30))
    first = web(dept).get("/commitments/queue/").content.decode()
    assert first.count("data-commitment=") == 20 and "?page=2" in first
    assert web(dept).get("/commitments/queue/?page=2").content.decode().count("data-commitment=") == 2
