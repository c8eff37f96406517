"""Web pages of credit repair: the subject's list and apply form (refusals as form errors),
evidence files and who may download them, the queue with its overdue flag, decisions,
the office's take-over, the public progress page and the training page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import PERSON_CODE
from xinyong.accounts.models import Role, Unit, User
from xinyong.audit.models import AuditEvent
from xinyong.casework import evidence as case_evidence
from xinyong.lib import workdays
from xinyong.lib.errors import DomainError
from xinyong.notices.models import Notice
from xinyong.records import determination as d
from xinyong.records.models import Record
from xinyong.repairs import services
from xinyong.repairs.models import Evidence, Repair
from xinyong.repairs.tests.test_repairs import on, record_for

D = dt.date
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
# A general penalty decided 2026-04-01 (2025 regime): repairable from 2026-07-01.
DECIDED = D(2026, 4, 1)
LATER = D(2026, 8, 3)  # a Monday, well after the minimum period


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


@pytest.fixture
def subject_user(users: dict[str, User]) -> User:
    return users[Role.SUBJECT]


@pytest.fixture
def dept(users: dict[str, User]) -> User:
    return users[Role.DEPARTMENT]


@pytest.fixture
def office(users: dict[str, User]) -> User:
    return users[Role.OFFICE]


@pytest.fixture
def other_dept(make_user: Callable[..., User], other_unit: Unit) -> User:
    return make_user("erin", Role.DEPARTMENT, unit=other_unit)


def html(response: Any) -> str:
    return response.content.decode()


def pdf(name: str = "缴款凭证.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def general(unit: Unit, subject: Any, n: int = 1, decided_on: dt.date = DECIDED) -> Record:
    return record_for(unit, subject, decided_on=decided_on, severity="general", n=n)


def apply_form(**extra: Any) -> dict[str, Any]:
    return {"statement": "已于 2026 年 5 月缴清罚款并完成整改", "commitment": "on", **extra}


def errors_for(page: str, field: str) -> list[str]:
    return re.findall(rf'data-error-for="{field}">(.*?)</div>', page)


def applied(user: User, record: Record, day: dt.date = LATER, **kw: Any) -> Repair:
    with on(day):
        return services.apply(user, record.pk, "已整改", True, **kw)


# --- the subject's list and the apply form ----------------------------------------------------

def test_mine_lists_applications_and_the_earliest_repair_dates(
    loaded: Any, unit: Unit, subject_user: User, person: Any, web: Callable[..., Client]
) -> None:
    ready = general(unit, subject_user.subject, n=1)
    early = record_for(unit, subject_user.subject, decided_on=DECIDED, severity="serious", n=2)
    busy = general(unit, subject_user.subject, n=3)
    theirs = general(unit, person, n=4)
    repair = applied(subject_user, busy)
    with on(LATER):
        page = html(web(subject_user).get("/repairs/mine/"))
    assert repair.query_code in page and "办理中，查看" in page
    rows = dict(re.findall(r'<tr data-record="(\d+)">(.*?)</tr>', page, flags=re.S))
    assert set(rows) == {str(ready.pk), str(early.pk), str(busy.pk)}  # not another subject's
    assert f"/repairs/apply/{ready.pk}/" in rows[str(ready.pk)]
    # Too early: the button is grey and the date it opens is given.
    assert f"/repairs/apply/{early.pk}/" not in rows[str(early.pk)]
    assert "disabled" in rows[str(early.pk)] and "2027-04-01" in rows[str(early.pk)]
    assert f"/repairs/apply/{busy.pk}/" not in rows[str(busy.pk)]
    assert str(theirs.pk) not in rows


def test_apply_with_green_channel_and_evidence(
    loaded: Any, unit: Unit, subject_user: User, dept: User, media: Path, web: Callable[..., Client]
) -> None:
    record = general(unit, subject_user.subject)
    client = web(subject_user)
    with on(LATER):
        form = html(client.get(f"/repairs/apply/{record.pk}/"))
        # The green-channel situations come from the channels in force.
        assert 'value="epidemic_hit"' in form and "受疫情影响较大" in form
        assert "2026-07-01" in form  # the earliest date, shown beside the form
        # The letter to be signed, filled in with this subject and record.
        assert f"{subject_user.subject.name}" in form and f"申请修复“{record.decision_no}（" in form
        response = client.post(f"/repairs/apply/{record.pk}/", apply_form(
            green_flags=["epidemic_hit"], evidence=[pdf(), SimpleUploadedFile("整改照片.png", PNG)]))
    repair = Repair.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/repairs/{repair.pk}/receipt/"
    assert repair.channel == "green" and repair.green_flags == ["epidemic_hit"]
    assert repair.statement.startswith("已于 2026 年 5 月缴清罚款")
    assert sorted(Evidence.objects.values_list("name", flat=True)) == ["整改照片.png", "缴款凭证.pdf"]
    assert all(Path(e.file.path).is_file() and e.file.path.startswith(str(media))
               for e in Evidence.objects.all())
    got = client.get(response["Location"])
    receipt = html(got)
    assert got.status_code == 200 and repair.query_code in receipt
    assert "办理渠道</dt><dd class=\"col-8 col-sm-9\">绿色通道（自报情形待核实）" in receipt
    page = html(client.get(f"/repairs/{repair.pk}/"))
    assert repair.query_code in page and "缴款凭证.pdf" in page and "受疫情影响较大" in page
    # The repair letter signed with it, numbered and linked.
    assert repair.signed_commitment is not None
    assert f"/commitments/{repair.signed_commitment_id}/" in page and repair.signed_commitment.number in page
    notice = Notice.objects.get(user=subject_user)
    assert notice.link == f"/repairs/track/{repair.query_code}/"


def test_too_early_names_the_earliest_date(
    loaded: Any, unit: Unit, subject_user: User, media: Path, web: Callable[..., Client]
) -> None:
    record = record_for(unit, subject_user.subject, decided_on=DECIDED, severity="serious")
    client = web(subject_user)
    with on(LATER):
        form = html(client.get(f"/repairs/apply/{record.pk}/"))
        response = client.post(f"/repairs/apply/{record.pk}/", apply_form(evidence=[pdf()]))
    assert 'data-testid="refusal"' in form and "2027-04-01" in form
    assert response.status_code == 422
    errors = errors_for(html(response), "__all__")
    assert errors and "最早可于 2027-04-01 申请信用修复" in errors[0]
    assert not Repair.objects.exists() and not Evidence.objects.exists()
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_already_open_and_not_repairable_are_form_errors(
    loaded: Any, unit: Unit, subject_user: User, web: Callable[..., Client]
) -> None:
    record = general(unit, subject_user.subject)
    applied(subject_user, record)
    client = web(subject_user)
    with on(LATER):
        again = client.post(f"/repairs/apply/{record.pk}/", apply_form())
    assert again.status_code == 422
    assert "该记录已有正在办理的修复申请" in errors_for(html(again), "__all__")[0]
    assert Repair.objects.count() == 1

    under_objection = general(unit, subject_user.subject, n=2)
    Record.objects.filter(pk=under_objection.pk).update(objection_open=True)
    expired = general(unit, subject_user.subject, n=3, decided_on=D(2025, 1, 10))
    with on(LATER):
        objected = client.post(f"/repairs/apply/{under_objection.pk}/", apply_form())
        past = client.post(f"/repairs/apply/{expired.pk}/", apply_form())
    assert "正在处理的异议" in errors_for(html(objected), "__all__")[0]
    assert "无需申请修复" in errors_for(html(past), "__all__")[0]
    assert Repair.objects.count() == 1


def test_form_errors_in_chinese_beside_the_field(
    loaded: Any, unit: Unit, subject_user: User, media: Path, web: Callable[..., Client],
    monkeypatch: Any,
) -> None:
    record = general(unit, subject_user.subject)
    client = web(subject_user)
    url = f"/repairs/apply/{record.pk}/"
    with on(LATER):
        blank = html(client.post(url, {"statement": "  "}))
        assert errors_for(blank, "statement") == ["请填写修复说明：纠正失信行为、履行义务的情况"]
        assert errors_for(blank, "commitment") == ["须签署信用承诺后方可申请信用修复"]
        exe = html(client.post(url, apply_form(evidence=[SimpleUploadedFile("材料.exe", b"MZ\x90\x00")])))
        assert "文件“材料.exe”的类型不支持" in errors_for(exe, "evidence")[0]
        fake = html(client.post(url, apply_form(evidence=[pdf("证明.pdf", b"<html>not a pdf</html>")])))
        assert "文件“证明.pdf”的内容不是PDF" in errors_for(fake, "evidence")[0]
        empty = html(client.post(url, apply_form(evidence=[pdf("空.pdf", b"")])))
        assert errors_for(empty, "evidence")
        monkeypatch.setattr(case_evidence, "MAX_BYTES", 1024 * 1024)
        big = html(client.post(url, apply_form(evidence=[pdf("大.pdf", PDF + b"0" * (1024 * 1024))])))
        assert "文件“大.pdf”过大（上限 1 MB）" in errors_for(big, "evidence")[0]
        monkeypatch.setattr(case_evidence, "MAX_FILES", 2)
        many = html(client.post(url, apply_form(evidence=[pdf(f"{i}.pdf") for i in range(3)])))
        assert "最多上传 2 个文件" in errors_for(many, "evidence")[0]
        flag = html(client.post(url, apply_form(green_flags=["moon"])))
        assert errors_for(flag, "green_flags")
    assert not Repair.objects.exists()
    # No evidence stored; only the files that passed wait on the form, to be sent again.
    stored = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    assert stored and all(p.relative_to(media).parts[0] == "pending" for p in stored)


def test_a_refused_file_stores_nothing(loaded: Any, unit: Unit, subject_user: User, media: Path,
                                       monkeypatch: Any) -> None:
    """Bug fixed: files were saved one by one and the size checked as they went, so a large
    second file left the first one on disk when the application was rolled back."""
    record = general(unit, subject_user.subject)
    monkeypatch.setattr(case_evidence, "MAX_BYTES", 1024)
    with pytest.raises(DomainError) as caught:
        applied(subject_user, record, files=[pdf(), pdf("大.pdf", PDF + b"0" * 2048)])
    assert caught.value.field == "files"
    assert not Repair.objects.exists()
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_apply_for_anothers_record_is_404(loaded: Any, unit: Unit, subject_user: User, person: Any,
                                          web: Callable[..., Client]) -> None:
    record = general(unit, person)
    client = web(subject_user)
    with on(LATER):
        assert client.get(f"/repairs/apply/{record.pk}/").status_code == 404
        assert client.post(f"/repairs/apply/{record.pk}/", apply_form()).status_code == 404
    assert not Repair.objects.exists()


# --- evidence ---------------------------------------------------------------------------------

def test_evidence_download_only_for_applicant_deciding_unit_and_office(
    loaded: Any, unit: Unit, users: dict[str, User], subject_user: User, other_dept: User,
    person_user: User, media: Path, web: Callable[..., Client],
) -> None:
    record = general(unit, subject_user.subject)
    repair = applied(subject_user, record, files=[pdf()])
    item = repair.files.get()
    url = f"/repairs/{repair.pk}/evidence/{item.pk}/"
    for role in (Role.SUBJECT, Role.DEPARTMENT, Role.OFFICE):
        response = web(users[role]).get(url)
        assert response.status_code == 200, role
        assert b"".join(response.streaming_content) == PDF
        assert "attachment" in response["Content-Disposition"]
        assert response["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(action="repair.evidence_download").count() == 3
    assert web(other_dept).get(url).status_code == 404  # another unit
    assert web(person_user).get(url).status_code == 404  # another subject
    assert web(users[Role.INSTITUTION]).get(url).status_code == 403
    anonymous = web().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    # An evidence id of another case does not open through this one.
    other = applied(subject_user, general(unit, subject_user.subject, n=2), files=[pdf("另一份.pdf")])
    assert web(users[Role.OFFICE]).get(
        f"/repairs/{repair.pk}/evidence/{other.files.get().pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="repair.evidence_download").count() == 3


# --- queue, decisions, take-over --------------------------------------------------------------

def test_queue_shows_due_dates_and_flags_overdue_cases(
    loaded: Any, unit: Unit, subject_user: User, dept: User, other_dept: User, office: User,
    web: Callable[..., Client],
) -> None:
    late = applied(subject_user, general(unit, subject_user.subject, n=1), day=D(2026, 8, 3))
    fresh = applied(subject_user, general(unit, subject_user.subject, n=2), day=D(2026, 8, 31))
    assert late.due_by == D(2026, 8, 17)  # ten working days
    with on(D(2026, 9, 1)):
        page = html(web(dept).get("/repairs/"))
        rows = dict(re.findall(r'<tr[^>]*data-case="(\d+)">(.*?)</tr>', page, flags=re.S))
        assert set(rows) == {str(late.pk), str(fresh.pk)}
        # Not accepted: overdue against the acceptance limit (the step now due).
        late_by = workdays.workdays_between(late.accept_by, D(2026, 9, 1))
        late_row, fresh_row = rows[str(late.pk)], rows[str(fresh.pk)]
        assert 'data-testid="overdue"' in late_row and f"超期 {late_by} 个工作日" in late_row
        assert 'data-testid="overdue"' not in rows[str(fresh.pk)]
        left = workdays.workdays_between(D(2026, 9, 1), fresh.accept_by)
        assert f"剩 {left} 个工作日" in fresh_row and f"受理期限</span> {fresh.accept_by}" in fresh_row
        assert 'class="table-danger"' in page
        only_overdue = html(web(dept).get("/repairs/?status=open&overdue=on"))
        assert late.query_code in only_overdue and fresh.query_code not in only_overdue
        assert "已超期 1 件" in page
        # Another unit sees none of them; the office sees both, with the unit.
        assert late.query_code not in html(web(other_dept).get("/repairs/"))
        office_page = html(web(office).get("/repairs/"))
        assert late.query_code in office_page and fresh.query_code in office_page
        assert unit.name in office_page
    services.workflow.decide(late.pk, dept, "approve", "已履行")
    with on(D(2026, 9, 1)):
        default = html(web(dept).get("/repairs/"))
        approved = html(web(dept).get("/repairs/?status=approved"))
        everything = html(web(dept).get("/repairs/?status=all"))
        search = html(web(dept).get(f"/repairs/?status=all&q={fresh.query_code.lower()}"))
        bad = web(dept).get("/repairs/?status=nonsense")
    assert late.query_code not in default and fresh.query_code in default  # open ones by default
    assert late.query_code in approved and fresh.query_code not in approved
    assert late.query_code in everything and fresh.query_code in everything
    assert fresh.query_code in search and late.query_code not in search
    assert bad.status_code == 200 and errors_for(html(bad), "status")


def test_queue_is_for_departments_and_office(loaded: Any, users: dict[str, User],
                                             web: Callable[..., Client]) -> None:
    for role in (Role.SUBJECT, Role.INSTITUTION):
        assert web(users[role]).get("/repairs/").status_code == 403
    assert web().get("/repairs/").status_code == 302


def test_department_accepts_and_approves(
    loaded: Any, unit: Unit, subject_user: User, dept: User, web: Callable[..., Client]
) -> None:
    record = general(unit, subject_user.subject)
    repair = applied(subject_user, record)
    client = web(dept)
    url = f"/repairs/{repair.pk}/"
    page = html(client.get(url))
    assert 'value="accept"' in page and 'data-testid="decide-form"' in page
    assert client.post(url, {"action": "accept"}).status_code == 302
    repair.refresh_from_db()
    assert repair.status == "accepted"
    # No reason: the form says so, nothing is decided.
    missing = client.post(url, {"action": "decide", "decide-decision": "approve", "decide-reason": ""})
    assert missing.status_code == 422 and errors_for(html(missing), "reason") == ["请写明理由"]
    repair.refresh_from_db()
    assert repair.status == "accepted"
    done = client.post(url, {"action": "decide", "decide-decision": "approve",
                             "decide-reason": "已缴清罚款并签署信用承诺"}, follow=True)
    assert "已办结：修复通过" in html(done)
    repair.refresh_from_db()
    record.refresh_from_db()
    assert repair.status == "approved" and repair.decided_by == dept
    assert record.status == d.REPAIRED
    assert 'data-testid="decide-form"' not in html(done)  # decided: no more forms


def test_subject_and_other_units_cannot_act(
    loaded: Any, unit: Unit, subject_user: User, other_dept: User, web: Callable[..., Client]
) -> None:
    repair = applied(subject_user, general(unit, subject_user.subject))
    url = f"/repairs/{repair.pk}/"
    body = {"action": "decide", "decide-decision": "approve", "decide-reason": "自己批准"}
    own = web(subject_user)
    assert own.get(url).status_code == 200 and 'data-testid="decide-form"' not in html(own.get(url))
    assert own.post(url, body).status_code == 403
    assert web(other_dept).get(url).status_code == 404
    assert web(other_dept).post(url, body).status_code == 404
    repair.refresh_from_db()
    assert repair.status == "submitted"


def test_the_slower_officer_is_told_the_case_was_decided(
    loaded: Any, unit: Unit, subject_user: User, dept: User, office: User, web: Callable[..., Client]
) -> None:
    repair = applied(subject_user, general(unit, subject_user.subject))
    url = f"/repairs/{repair.pk}/"
    slow = web(dept)
    assert 'data-testid="decide-form"' in html(slow.get(url))  # both have the form open
    services.workflow.decide(repair.pk, office, "reject", "材料不全")  # the office is faster
    response = slow.post(url, {"action": "decide", "decide-decision": "approve",
                               "decide-reason": "已履行"}, follow=True)
    page = html(response)
    assert response.redirect_chain == [(url, 302)]
    assert "未能办理：信用修复申请已于" in page and "不能重复决定" in page
    repair.refresh_from_db()
    assert repair.status == "rejected" and repair.decision_reason == "材料不全"
    assert Record.objects.get(pk=repair.record_id).status == d.PUBLISHED


def test_office_takes_a_case_over(
    loaded: Any, unit: Unit, subject_user: User, dept: User, office: User, web: Callable[..., Client]
) -> None:
    repair = applied(subject_user, general(unit, subject_user.subject))
    url = f"/repairs/{repair.pk}/"
    assert 'value="take_over"' not in html(web(dept).get(url))  # departments cannot
    boss = web(office)
    assert 'value="take_over"' in html(boss.get(url))
    blank = boss.post(url, {"action": "take_over", "take_over-reason": " "})
    assert blank.status_code == 422 and errors_for(html(blank), "reason")
    assert boss.post(url, {"action": "take_over", "take_over-reason": "认定单位逾期未办"}).status_code == 302
    repair.refresh_from_db()
    assert repair.taken_over_by == office
    assert [s["step"] for s in repair.timeline][-1] == "信用办接办"
    assert AuditEvent.objects.filter(action="repair.take_over").count() == 1
    # The unit now only reads; a form it still had open is refused with the reason.
    dept_page = html(web(dept).get(url))
    assert 'data-testid="taken-over"' in dept_page and 'data-testid="decide-form"' not in dept_page
    refused = web(dept).post(url, {"action": "decide", "decide-decision": "approve",
                                   "decide-reason": "已履行"}, follow=True)
    assert "该信用修复申请已由信用办接办，本单位不再办理" in html(refused)
    repair.refresh_from_db()
    assert repair.status == "submitted"
    # Taken over twice: refused; the office decides.
    assert "已由信用办接办" in html(boss.post(url, {"action": "take_over", "take_over-reason": "再次"},
                                              follow=True))
    boss.post(url, {"action": "decide", "decide-decision": "approve", "decide-reason": "已履行"})
    repair.refresh_from_db()
    assert repair.status == "approved" and repair.decided_by == office


def test_approval_refused_when_the_record_was_withdrawn_meanwhile(
    loaded: Any, unit: Unit, subject_user: User, dept: User
) -> None:
    """Bug fixed: approving set a withdrawn record to repaired, overwriting its withdrawal."""
    from xinyong.records import services as records

    record = general(unit, subject_user.subject)
    repair = applied(subject_user, record)
    records.withdraw(record, "处罚决定已被撤销", actor=dept)
    with pytest.raises(DomainError) as caught:
        services.workflow.decide(repair.pk, dept, "approve", "已履行")
    assert caught.value.status == 409 and "记录已撤销" in caught.value.msg
    record.refresh_from_db()
    repair.refresh_from_db()
    assert record.status == d.WITHDRAWN and record.closed_reason == "处罚决定已被撤销"
    assert repair.status == "submitted"
    services.workflow.decide(repair.pk, dept, "reject", "记录已撤销，无需修复")
    repair.refresh_from_db()
    assert repair.status == "rejected"


# --- public progress page ---------------------------------------------------------------------

def test_public_progress_shows_no_personal_data(
    loaded: Any, unit: Unit, person: Any, person_user: User, dept: User, web: Callable[..., Client]
) -> None:
    record = general(unit, person)
    repair = applied(person_user, record)
    services.workflow.accept(repair.pk, dept)
    services.workflow.decide(repair.pk, dept, "reject", f"张三（{PERSON_CODE}）未提供缴款凭证")
    response = web().get(f"/repairs/track/{repair.query_code}/")
    page = html(response)
    assert response.status_code == 200
    assert repair.query_code in page and "不予修复" in page and unit.name in page
    assert [m for m in re.findall(r"<strong>(.*?)</strong>", page.split('data-testid="timeline"')[1])] == [
        "提交申请", "受理", "不予修复"]
    assert "张" not in page  # no name of the applicant, not even the surname
    # The decision's reason is free text: the public sees the step, not the text.
    assert PERSON_CODE not in page and "110105********002X" not in page and "缴款凭证" not in page
    assert "已整改" not in page  # the statement is the applicant's, not the public's
    assert record.decision_no not in page
    assert response["X-Robots-Tag"] == "noindex"


def test_no_applicant_name_on_the_public_page(loaded: Any, unit: Unit, subject_user: User,
                                             web: Callable[..., Client]) -> None:
    """One public policy for every kind of case: the code shows progress, not who applied."""
    repair = applied(subject_user, general(unit, subject_user.subject))
    page = html(web().get(f"/repairs/track/{repair.query_code}/"))
    assert subject_user.subject.name not in page and repair.query_code in page


def test_track_form_and_unknown_codes(loaded: Any, unit: Unit, subject_user: User,
                                      web: Callable[..., Client]) -> None:
    repair = applied(subject_user, general(unit, subject_user.subject))
    client = web()
    assert client.get("/repairs/track/").status_code == 200
    typed = f" {repair.query_code[:6].lower()}-{repair.query_code[6:]} "
    found = client.get("/repairs/track/", {"code": typed})
    assert found.status_code == 302 and found["Location"] == f"/repairs/track/{repair.query_code}/"
    empty = client.get("/repairs/track/", {"code": ""})
    assert empty.status_code == 422 and errors_for(html(empty), "code") == ["请输入查询码"]
    unknown = client.get("/repairs/track/XFNOSUCHCODE2/")
    assert unknown.status_code == 404 and 'data-testid="not-found"' in html(unknown)
    assert client.get(f"/repairs/track/{repair.query_code.lower()}/")["Location"] == (
        f"/repairs/track/{repair.query_code}/")


# --- training page ----------------------------------------------------------------------------

def test_guide_is_written_from_the_packs(loaded: Any, web: Callable[..., Client]) -> None:
    with on(D(2026, 11, 22)):
        page = html(web().get("/repairs/guide/"))
    regimes = dict(re.findall(r'data-pack="([\w-]+)">(.*?)</table>', page, flags=re.S))
    # The made-up district's pack of the test data has periods too; the national ones win.
    assert set(regimes) == {"cn-ndrc-2019-527", "cn-2025-22", "qingshi-2024-3"}
    assert ">现行<" in regimes["cn-2025-22"] and "适用于此前作出的决定" in regimes["cn-ndrc-2019-527"]
    assert "施行中，上级规定优先" in regimes["qingshi-2024-3"]
    # Serious: 1 to 3 years now, 6 months to 3 years before 2026-04-01; minor may stay unpublished.
    assert re.search(r"严重</td>\s*<td>1 年</td><td>3 年</td>", regimes["cn-2025-22"])
    assert re.search(r"严重</td>\s*<td>6 个月</td><td>3 年</td>", regimes["cn-ndrc-2019-527"])
    assert "可不予公示" in regimes["cn-2025-22"] and "法定责任义务履行完毕即可申请" in regimes["cn-2025-22"]
    channels = page.split('data-testid="channels"')[1].split("</table>")[0]
    green = re.search(r"信用修复绿色通道.*?</tr>", channels, flags=re.S)
    assert green and re.findall(r"(\d+) 个工作日", green.group(0)) == ["1", "5", "3"]
    assert "受疫情影响较大" in green.group(0)
    assert 'href="/policies/taicang-2020-1/#clause-11"' in page.split('data-testid="training-basis"')[1]
    assert "每个文件不超过 20 MB" in page


def test_guide_without_packs_says_so(db: Any, web: Callable[..., Client]) -> None:
    page = html(web().get("/repairs/guide/"))
    assert "平台尚未加载规定公示期限的政策规则" in page and "平台尚未加载信用修复时限规则" in page
    assert "1 年" not in page


def test_new_pages_in_the_navigation(loaded: Any, users: dict[str, User],
                                     web: Callable[..., Client]) -> None:
    anonymous = html(web().get("/"))
    # One tracker for every kind of query code.
    assert "/repairs/guide/" in anonymous and 'href="/track/"' in anonymous
    assert "/repairs/mine/" not in anonymous and 'href="/repairs/"' not in anonymous
    subject = html(web(users[Role.SUBJECT]).get("/"))
    assert "/repairs/mine/" in subject and "/notices/" in subject
    for role in (Role.DEPARTMENT, Role.OFFICE):
        page = html(web(users[role]).get("/"))
        assert 'href="/repairs/"' in page and "/repairs/mine/" not in page
    assert "/notices/" in html(web(users[Role.OFFICE]).get("/"))


def test_objection_open_mark_blocks_the_apply_button(
    loaded: Any, unit: Unit, subject_user: User, web: Callable[..., Client]
) -> None:
    record = general(unit, subject_user.subject)
    Record.objects.filter(pk=record.pk).update(objection_open=True)
    with on(LATER):
        page = html(web(subject_user).get("/repairs/mine/"))
    row = page.split(f'data-record="{record.pk}"')[1].split("</tr>")[0]
    assert "disabled" in row and "正在处理的异议" in row


def test_record_page_offers_repair_to_its_subject_only(
    loaded: Any, unit: Unit, subject_user: User, dept: User, web: Callable[..., Client]
) -> None:
    ready = general(unit, subject_user.subject, n=1)
    early = record_for(unit, subject_user.subject, decided_on=DECIDED, severity="serious", n=2)
    busy = general(unit, subject_user.subject, n=3)
    repair = applied(subject_user, busy)
    client = web(subject_user)

    def offer(record: Record, viewer: Client = client) -> str:
        with on(LATER):
            page = html(viewer.get(f"/records/{record.pk}/"))
        found = re.search(r'<[^>]*data-testid="repair-offer"[^>]*>(.*?)</(a|span)>', page, flags=re.S)
        return found.group(0) if found else ""

    assert "申请信用修复" in offer(ready) and f"/repairs/apply/{ready.pk}/" in offer(ready)
    assert "最早可于 2027-04-01" in offer(early) and "/repairs/apply/" not in offer(early)
    assert repair.query_code in offer(busy) and f"/repairs/{repair.pk}/" in offer(busy)
    assert offer(ready, web(dept)) == ""  # the unit sees its own record without the offer


# --- evidence on disk: private, under a random name, kept only for its retention period ----

def test_evidence_is_private_and_kept_for_its_retention_period(
    loaded: Any, unit: Unit, subject_user: User, dept: User, media: Path, settings: Any,
    web: Callable[..., Client]
) -> None:
    """Finding 5: evidence stayed on disk for ever, 0644 in 0755 folders, named as uploaded."""
    import stat

    settings.EVIDENCE_RETENTION_DAYS = 30
    record = general(unit, subject_user.subject)
    repair = applied(subject_user, record,
                     files=[pdf("身份证11010519491231002X缴款凭证.pdf")])
    item = Evidence.objects.get()
    path = Path(item.file.path)
    assert item.name == "身份证110105********002X缴款凭证.pdf"
    assert "11010519491231002X" not in str(path) and "缴款凭证" not in path.name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(media.stat().st_mode) == 0o700
    with on(LATER):
        services.workflow.accept(repair.pk, dept)
        services.workflow.decide(repair.pk, dept, "approve", "材料齐全")
    decided = Repair.objects.get(pk=repair.pk).decided_on
    assert services.purge_evidence(decided + dt.timedelta(days=29)) == 0 and path.exists()
    assert services.purge_evidence(decided + dt.timedelta(days=30)) == 1 and not path.exists()
    assert services.purge_evidence(decided + dt.timedelta(days=31)) == 0
    item.refresh_from_db()
    assert item.purged_on == decided + dt.timedelta(days=30)
    client = web(dept)
    page = html(client.get(f"/repairs/{repair.pk}/"))
    assert "按保存期限删除" in page
    assert client.get(f"/repairs/{repair.pk}/evidence/{item.pk}/").status_code == 404


def pending_tokens(page: str) -> dict[str, str]:
    """The files kept on a form that came back: name → token."""
    block = page.split('data-testid="pending-files"', 1)[1].split("</ul>", 1)[0]
    return {name: token for name, token in re.findall(
        r'<li data-pending="([^"]+)"><input type="hidden" name="pending" value="([^"]+)">', block)}


def test_chosen_files_are_kept_when_the_form_comes_back(
    loaded: Any, unit: Unit, subject_user: User, media: Path, web: Callable[..., Client]
) -> None:
    from xinyong.casework.models import PendingUpload

    record = general(unit, subject_user.subject)
    client = web(subject_user)
    url = f"/repairs/apply/{record.pk}/"
    with on(LATER):
        back = client.post(url, apply_form(commitment="", evidence=[
            pdf(), SimpleUploadedFile("病毒.exe", b"MZ"), SimpleUploadedFile("整改照片.png", PNG)]))
    page = html(back)
    assert back.status_code == 422
    # Only the refused file is named with its error; the others are listed, kept.
    assert errors_for(page, "evidence") == [
        f"文件“病毒.exe”的类型不支持；可上传：{case_evidence.types_label()}"]
    kept = pending_tokens(page)
    assert sorted(kept) == ["整改照片.png", "缴款凭证.pdf"] and "已选文件" in page
    assert PendingUpload.objects.count() == 2
    # Someone else (another login, even of the same user) cannot use the tokens.
    with on(LATER):
        stolen = web(subject_user).post(url, apply_form(pending=list(kept.values())))
    assert stolen.status_code == 302 and Repair.objects.get().files.count() == 0
    Repair.objects.all().delete()
    # The applicant drops one kept file, adds another, and the form goes through.
    with on(LATER):
        done = client.post(url, apply_form(
            pending=list(kept.values()), **{"pending-drop": [kept["整改照片.png"]]},
            evidence=[SimpleUploadedFile("整改报告.pdf", PDF)]))
    assert done.status_code == 302, errors_for(html(done), "evidence")
    repair = Repair.objects.get()
    assert sorted(repair.files.values_list("name", flat=True)) == ["整改报告.pdf", "缴款凭证.pdf"]
    assert all(Path(e.file.path).read_bytes() == PDF for e in repair.files.all())
    assert not PendingUpload.objects.exists()
    assert not [p for p in (media / "pending").rglob("*") if p.is_file()]


def test_kept_files_are_purged_after_a_day(loaded: Any, unit: Unit, subject_user: User,
                                           media: Path, web: Callable[..., Client]) -> None:
    from django.utils import timezone

    from xinyong.casework import pending
    from xinyong.casework.models import PendingUpload

    record = general(unit, subject_user.subject)
    with on(LATER):
        web(subject_user).post(f"/repairs/apply/{record.pk}/", apply_form(
            statement="", evidence=[pdf()]))
    item = PendingUpload.objects.get()
    path = Path(item.file.path)
    assert path.is_file() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert pending.purge(timezone.now()) == 0
    assert pending.purge(timezone.now() + pending.MAX_AGE + dt.timedelta(minutes=1)) == 1
    assert not PendingUpload.objects.exists() and not path.exists()
