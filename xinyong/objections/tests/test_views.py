"""Objection pages: the subject's form and list, the mark on public pages, the units' queue
with deadlines in working days, the case page (accept or refuse, then verify; the office
taking over), and the public progress page with no personal data."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.utils import timezone

from xinyong.accounts.models import Role, User
from xinyong.lib import workdays
from xinyong.objections import services
from xinyong.objections.models import Objection
from xinyong.records import determination as d
from xinyong.records import services as records
from xinyong.records.models import Record
from xinyong.repairs import services as repairs

D = dt.date
MARK = "异议处理中"


def html(response: Any) -> str:
    return response.content.decode()


def row_of(page: str, attr: str, pk: int) -> str:
    """The table row carrying data-<attr>="pk"."""
    found = re.search(rf'<tr[^>]*data-{attr}="{pk}".*?</tr>', page, re.S)
    assert found, f"no row {attr}={pk}"
    return found.group(0)


def test_subject_objects_to_its_record_through_the_form(
    loaded: Any, unit: Any, users: dict[str, User], person: Any, web: Callable[..., Client],
    punish: Callable[..., Record]
) -> None:
    subject = users[Role.SUBJECT]
    record = punish(unit)
    others = punish(unit, subject=person, behavior="tc_epidemic_false_advertising")
    gone = records.withdraw(punish(unit), "决定已撤销", actor=users[Role.DEPARTMENT])
    client = web(subject)
    page = html(client.get(f"/objections/new/?record={record.pk}"))
    assert f'<option value="record:{record.pk}" selected>' in page
    assert f'value="record:{others.pk}"' not in page and f'value="record:{gone.pk}"' not in page
    assert "2 个工作日内决定是否受理" in page and "10 个工作日内核实" in page

    refused = client.post("/objections/new/", {"target": f"record:{record.pk}", "reason": ""})
    assert refused.status_code == 422
    assert 'data-error-for="reason">请写明异议理由' in html(refused)
    stranger = client.post("/objections/new/", {"target": f"record:{others.pk}", "reason": "x"})
    assert stranger.status_code == 422 and 'data-error-for="target"' in html(stranger)
    assert not Objection.objects.exists()

    done = client.post("/objections/new/", {"target": f"record:{record.pk}",
                                            "reason": "该决定已被行政复议撤销",
                                            "evidence_text": "太政复〔2026〕8号复议决定书"}, follow=True)
    objection = Objection.objects.get()
    assert done.redirect_chain == [(f"/objections/{objection.pk}/receipt/", 302)]
    assert f"查询码 {objection.query_code}" in html(done)  # the message, over the receipt
    assert 'data-testid="receipt-code"' in html(done)
    page = html(client.get(f"/objections/{objection.pk}/"))
    assert "该决定已被行政复议撤销" in page and "太政复〔2026〕8号复议决定书" in page
    assert 'data-testid="objection-mark"' in page and "提交异议" in page
    # The applicant may withdraw; it sees no step of the unit's.
    actions = set(re.findall(r'name="action" value="(\w+)"', page))
    assert actions == {"withdraw"}
    assert Record.objects.get(pk=record.pk).objection_open

    twice = client.post("/objections/new/", {"target": f"record:{record.pk}", "reason": "再次"})
    assert twice.status_code == 422
    assert 'data-error-for="target"' in html(twice) and objection.query_code in html(twice)

    mine = html(client.get("/objections/mine/"))
    row = row_of(mine, "objection", objection.pk)
    assert objection.query_code in row and record.decision_no in row and "已提交" in row


def test_subject_objects_to_a_refused_repair(loaded: Any, unit: Any, users: dict[str, User],
                                             web: Callable[..., Client],
                                             punish: Callable[..., Record]) -> None:
    subject, dept = users[Role.SUBJECT], users[Role.DEPARTMENT]
    record = punish(unit, behavior="administrative_penalty", severity="general",
                    decided_on=D(2026, 4, 1), occurred_on=D(2026, 3, 20))
    repair = repairs.apply(subject, record.pk, "已缴清罚款", True, today=D(2026, 8, 3))
    repairs.workflow.decide(repair.pk, dept, "reject", "未见缴款凭证", today=D(2026, 8, 4))
    client = web(subject)
    page = html(client.get(f"/objections/new/?repair={repair.pk}"))
    assert f'<option value="repair:{repair.pk}" selected>' in page and "不予修复的决定" in page
    response = client.post("/objections/new/", {"target": f"repair:{repair.pk}",
                                                "reason": "缴款凭证已随申请上传"})
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert (objection.record_id, objection.repair_id) == (record.pk, repair.pk)
    case = html(web(dept).get(f"/objections/{objection.pk}/"))
    assert f"对信用修复申请 <code>{repair.query_code}</code>" in case
    assert 'name="decide-remedy"' not in case  # upheld reopens the repair: no corrections
    web(dept).post(f"/objections/{objection.pk}/", {
        "action": "decide", "decide-decision": "upheld", "decide-reason": "凭证确已提交"})
    repair.refresh_from_db()
    assert repair.status == "accepted"


def test_the_mark_on_public_pages(loaded: Any, unit: Any, users: dict[str, User],
                                  web: Callable[..., Client], client: Client,
                                  punish: Callable[..., Record]) -> None:
    record = punish(unit)
    calm = punish(unit, subject=users[Role.SUBJECT].subject, decision_no="太农罚〔2026〕99号")
    objection = services.submit(users[Role.SUBJECT], record.pk, "有误")
    # Public list page: one of the two entries carries the mark.
    listing = html(client.get("/lists/joint_punishment/"))
    assert listing.count(MARK) == 1
    # (the name cell links the subject's credit file, then carries the mark)
    assert re.search(rf"<tr>\s*<td>(<a [^>]*>[^<]*</a>)?[^<]*<span[^>]*>{MARK}</span>\s*</td>", listing)
    # Record pages: for the public, the office and the unit; not on the undisputed record.
    for viewer in (None, users[Role.OFFICE], users[Role.DEPARTMENT], users[Role.SUBJECT]):
        page = html(web(viewer).get(f"/records/{record.pk}/"))
        assert 'data-testid="objection-mark"' in page and MARK in page, viewer
        assert MARK not in html(web(viewer).get(f"/records/{calm.pk}/")), viewer
    # Staff get a link to the case; the public does not.
    link = f'href="/objections/{objection.pk}/"'
    assert link in html(web(users[Role.DEPARTMENT]).get(f"/records/{record.pk}/"))
    assert link not in html(client.get(f"/records/{record.pk}/"))
    # The unit's record list shows it too.
    assert MARK in html(web(users[Role.DEPARTMENT]).get("/records/"))
    # Dismissed: the mark is gone everywhere.
    services.workflow.decide(objection.pk, users[Role.DEPARTMENT], "dismissed", "经核实无误")
    assert MARK not in html(client.get("/lists/joint_punishment/"))
    assert MARK not in html(client.get(f"/records/{record.pk}/"))
    # The owner is offered to dispute the record from its page.
    assert f"/objections/new/?record={record.pk}" in html(
        web(users[Role.SUBJECT]).get(f"/records/{record.pk}/"))


def test_queue_shows_deadlines_in_working_days_and_flags_overdue(
    loaded: Any, unit: Any, other_unit: Any, users: dict[str, User], make_user: Any,
    web: Callable[..., Client], punish: Callable[..., Record]
) -> None:
    subject = users[Role.SUBJECT]
    today = timezone.localdate()
    late = services.submit(subject, punish(unit).pk, "有误", today=D(2026, 9, 29))  # accept by 10-08
    fresh = services.submit(subject, punish(unit).pk, "有误")
    elsewhere = services.submit(  # a 马尾区 unit: a national penalty
        subject, punish(other_unit, behavior="administrative_penalty").pk, "有误")
    closed = services.submit(subject, punish(unit).pk, "有误")
    services.workflow.accept(closed.pk, users[Role.DEPARTMENT], False, "不属于异议范围")

    page = html(web(users[Role.DEPARTMENT]).get("/objections/"))
    late_row = row_of(page, "case", late.pk)
    behind = workdays.workdays_between(D(2026, 10, 8), today)
    assert 'class="table-danger"' in late_row and f"超期 {behind} 个工作日" in late_row
    assert "受理期限</span> 2026-10-08" in late_row and "已超期" in late_row
    fresh_row = row_of(page, "case", fresh.pk)
    left = workdays.workdays_between(today, fresh.accept_by)
    assert "table-danger" not in fresh_row
    assert (f"剩 {left} 个工作日" if left else "今日到期") in fresh_row
    assert f'data-case="{elsewhere.pk}"' not in page  # another unit's case
    assert f'data-case="{closed.pk}"' not in page  # closed: not in the default view
    assert 'data-testid="open-count">2<' in page and "已超期 1 件" in page
    only_late = html(web(users[Role.DEPARTMENT]).get("/objections/?status=open&overdue=on"))
    assert f'data-case="{late.pk}"' in only_late and f'data-case="{fresh.pk}"' not in only_late
    everything = html(web(users[Role.DEPARTMENT]).get("/objections/?status=all"))
    assert "不予受理" in row_of(everything, "case", closed.pk)
    by_code = html(web(users[Role.DEPARTMENT]).get(f"/objections/?q={fresh.query_code.lower()}"))
    assert f'data-case="{fresh.pk}"' in by_code and f'data-case="{late.pk}"' not in by_code

    office = web(users[Role.OFFICE])
    all_units = html(office.get("/objections/"))
    assert f'data-case="{elsewhere.pk}"' in all_units and other_unit.name in all_units
    one_unit = html(office.get(f"/objections/?unit={other_unit.pk}"))
    assert f'data-case="{elsewhere.pk}"' in one_unit and f'data-case="{late.pk}"' not in one_unit
    theirs = html(web(make_user("eve", Role.DEPARTMENT, unit=other_unit)).get("/objections/"))
    assert re.findall(r'data-case="(\d+)"', theirs) == [str(elsewhere.pk)]


def test_case_page_accept_then_verify_upheld(loaded: Any, unit: Any, users: dict[str, User],
                                              web: Callable[..., Client], client: Client,
                                              punish: Callable[..., Record]) -> None:
    record = punish(unit)
    name = users[Role.SUBJECT].subject.name
    assert name in html(client.get("/lists/joint_punishment/"))
    objection = services.submit(users[Role.SUBJECT], record.pk, "行为发生时本公司尚未成立",
                                evidence="营业执照")
    dept = web(users[Role.DEPARTMENT])
    url = f"/objections/{objection.pk}/"
    page = html(dept.get(url))
    assert 'data-testid="accept-form"' in page and 'data-testid="decide-form"' in page
    assert 'data-testid="take-over-form"' not in page  # the office's
    assert "行为发生时本公司尚未成立" in page and "营业执照" in page

    refused = dept.post(url, {"action": "accept", "accept-decision": "refuse", "accept-reason": ""})
    assert refused.status_code == 422 and 'data-error-for="reason">不予受理须写明理由' in html(refused)
    assert Objection.objects.get(pk=objection.pk).status == "submitted"

    accepted = dept.post(url, {"action": "accept", "accept-decision": "accept"}, follow=True)
    objection.refresh_from_db()
    assert objection.status == "accepted" and objection.accepted_on == timezone.localdate()
    page = html(accepted)
    assert f"请于 {objection.due_by:%Y-%m-%d} 前办结" in page
    assert 'data-testid="accept-form"' not in page and 'data-testid="decide-form"' in page

    missing = dept.post(url, {"action": "decide", "decide-reason": "x"})
    assert missing.status_code == 422 and 'data-error-for="decision"' in html(missing)
    done = dept.post(url, {"action": "decide", "decide-decision": "upheld", "decide-remedy": "withdraw",
                           "decide-reason": "营业执照显示成立于行为发生之后"}, follow=True)
    page = html(done)
    assert "已办结：异议成立，撤销记录" in page
    assert 'data-testid="decide-form"' not in page
    assert [s for s in ("提交异议", "受理，核查并转认定单位核实", "异议成立，撤销记录") if s in page] == [
        "提交异议", "受理，核查并转认定单位核实", "异议成立，撤销记录"]
    record = Record.objects.get(pk=record.pk)
    assert record.status == d.WITHDRAWN and not record.objection_open
    assert name not in html(client.get("/lists/joint_punishment/"))
    assert client.get(f"/records/{record.pk}/").status_code == 404

    # A second officer on a stale page: refused with a message, nothing applied twice.
    again = dept.post(url, {"action": "decide", "decide-decision": "dismissed", "decide-reason": "x"},
                      follow=True)
    assert "未能办理：异议申请已于" in html(again)
    assert Objection.objects.get(pk=objection.pk).status == "upheld"
    assert record.versions.filter(change="objection_upheld").count() == 1


def test_case_page_upheld_with_corrections(loaded: Any, unit: Any, users: dict[str, User],
                                           web: Callable[..., Client],
                                           punish: Callable[..., Record]) -> None:
    record = punish(unit)
    objection = services.submit(users[Role.SUBJECT], record.pk, "情节应为一般")
    dept = web(users[Role.DEPARTMENT])
    url = f"/objections/{objection.pk}/"
    empty = dept.post(url, {"action": "decide", "decide-decision": "upheld", "decide-remedy": "correct",
                            "decide-reason": "情节认定有误"})
    assert empty.status_code == 422 and "请至少填写一项更正后的事实" in html(empty)
    bad = dept.post(url, {"action": "decide", "decide-decision": "upheld", "decide-remedy": "correct",
                          "decide-reason": "x", "decide-decided_on": "2020-01-01",
                          "decide-occurred_on": "2020-02-01"})
    assert bad.status_code == 422
    assert Objection.objects.get(pk=objection.pk).status == "submitted"
    done = dept.post(url, {"action": "decide", "decide-decision": "upheld", "decide-remedy": "correct",
                           "decide-reason": "情节认定有误", "decide-severity": "general"})
    assert done.status_code == 302
    record = Record.objects.get(pk=record.pk)
    assert record.severity == "general" and record.status == d.PUBLISHED and record.lists == []
    assert Objection.objects.get(pk=objection.pk).remedy == "corrected"


def test_who_may_see_and_act_on_the_case_page(
    loaded: Any, unit: Any, other_unit: Any, users: dict[str, User], person_user: User,
    make_user: Any, web: Callable[..., Client], punish: Callable[..., Record]
) -> None:
    record = punish(unit)
    objection = services.submit(users[Role.SUBJECT], record.pk, "有误")
    url = f"/objections/{objection.pk}/"
    stranger = web(make_user("eve", Role.DEPARTMENT, unit=other_unit))
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, {"action": "accept", "accept-decision": "accept"}).status_code == 404
    assert web(person_user).get(url).status_code == 404
    assert web(users[Role.INSTITUTION]).get(url).status_code == 403
    assert web().get(url).status_code == 302
    owner = web(users[Role.SUBJECT])
    assert owner.get(url).status_code == 200
    assert owner.post(url, {"action": "accept", "accept-decision": "accept"}).status_code == 403
    assert Objection.objects.get(pk=objection.pk).status == "submitted"


def test_the_office_takes_a_case_over(loaded: Any, unit: Any, users: dict[str, User],
                                      web: Callable[..., Client],
                                      punish: Callable[..., Record]) -> None:
    record = punish(unit)
    objection = services.submit(users[Role.SUBJECT], record.pk, "有误", today=D(2026, 9, 29))
    url = f"/objections/{objection.pk}/"
    office, dept = web(users[Role.OFFICE]), web(users[Role.DEPARTMENT])
    page = html(office.get(url))
    assert 'data-testid="take-over-form"' in page and 'data-testid="accept-form"' in page
    assert 'data-testid="overdue"' in page
    empty = office.post(url, {"action": "take_over", "take_over-reason": ""})
    assert empty.status_code == 422 and 'data-error-for="reason"' in html(empty)
    office.post(url, {"action": "take_over", "take_over-reason": "认定单位逾期未受理"})
    assert Objection.objects.get(pk=objection.pk).taken_over_by == users[Role.OFFICE]
    page = html(dept.get(url))
    assert 'data-testid="taken-over-note"' in page and 'data-testid="accept-form"' not in page
    blocked = dept.post(url, {"action": "accept", "accept-decision": "accept"}, follow=True)
    assert "未能办理：该异议申请已由信用办接办" in html(blocked)
    assert Objection.objects.get(pk=objection.pk).status == "submitted"
    assert "信用办接办" in html(dept.get("/objections/"))
    office.post(url, {"action": "decide", "decide-decision": "dismissed", "decide-reason": "信息无误"})
    assert Objection.objects.get(pk=objection.pk).status == "dismissed"
    assert not Record.objects.get(pk=record.pk).objection_open


def test_public_progress_by_query_code_has_no_personal_data(
    loaded: Any, unit: Any, users: dict[str, User], person: Any, person_user: User,
    client: Client, punish: Callable[..., Record]
) -> None:
    record = punish(unit, subject=person, behavior="tc_epidemic_false_advertising")
    objection = services.submit(person_user, record.pk, "本人张三从未经营该店铺",
                                evidence="张三的身份证复印件")
    objection = services.workflow.accept(objection.pk, users[Role.DEPARTMENT], True, "已调取张三的户籍信息")
    page = html(client.get("/objections/track/"))
    assert 'name="code"' in page
    typed = " ".join([objection.query_code[:6].lower(), objection.query_code[6:]])
    response = client.get("/objections/track/", {"code": typed}, follow=True)
    assert response.redirect_chain[-1][0] == f"/objections/track/{objection.query_code}/"
    page = html(response)
    assert response["X-Robots-Tag"] == "noindex"
    assert "已受理，核查中" in page and "受理，核查并转认定单位核实" in page and objection.query_code in page
    # the limit now running: verification
    assert f"{objection.due_by:%Y-%m-%d}" in page
    assert '<span class="small text-muted" data-testid="due-text">剩 12 个工作日</span>' in page
    assert unit.name in page
    for private in ("张三", "张", "身份证", "户籍", "店铺", record.decision_no, person.code_masked,
                    "110105"):
        assert private not in page, private
    missing = client.get("/objections/track/YYNOSUCHCODE/")
    assert missing.status_code == 404 and 'data-testid="not-found"' in html(missing)
    blank = client.get("/objections/track/", {"code": ""})
    assert blank.status_code == 422


def test_navigation_by_role(loaded: Any, users: dict[str, User], web: Callable[..., Client]) -> None:
    assert 'href="/track/"' in html(web().get("/"))  # one tracker for every kind
    subject = html(web(users[Role.SUBJECT]).get("/"))
    assert 'href="/objections/mine/"' in subject and 'href="/objections/"' not in subject
    for role in (Role.DEPARTMENT, Role.OFFICE):
        page = html(web(users[role]).get("/"))
        assert 'href="/objections/"' in page and 'href="/objections/mine/"' not in page


def test_chosen_files_are_kept_when_the_objection_comes_back(
    loaded: Any, unit: Any, users: dict[str, User], web: Callable[..., Client],
    punish: Callable[..., Record], settings: Any, tmp_path: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    record = punish(unit)
    client = web(users[Role.SUBJECT])
    pdf = b"%PDF-1.4\n%test\n"
    back = client.post("/objections/new/", {"target": f"record:{record.pk}", "reason": "", "evidence": [
        SimpleUploadedFile("复议决定书.pdf", pdf), SimpleUploadedFile("空白.pdf", b"")]})
    page = html(back)
    assert back.status_code == 422 and "请写明异议理由" in page
    errors = re.findall(r'data-error-for="evidence">(.*?)</div>', page)
    assert errors == ["文件“空白.pdf”是空文件"]
    tokens = re.findall(r'name="pending" value="([^"]+)"', page)
    assert len(tokens) == 1 and 'data-pending="复议决定书.pdf"' in page
    done = client.post("/objections/new/", {"target": f"record:{record.pk}", "reason": "已被复议撤销",
                                            "pending": tokens})
    assert done.status_code == 302
    assert list(Objection.objects.get().files.values_list("name", flat=True)) == ["复议决定书.pdf"]
