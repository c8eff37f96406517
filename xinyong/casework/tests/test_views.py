"""The pages every kind of case shares (casework.views.CaseViews), for every kind: each party
sees its own steps, 补正 and withdrawal through the page, the queue and the public page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from html import unescape
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from xinyong.accounts.models import Role, User
from xinyong.casework import choices as c
from xinyong.casework.models import Case
from xinyong.casework.tests.conftest import Kind

PDF = b"%PDF-1.4\n%test\n"


def html(response: Any) -> str:
    return response.content.decode()


def actions(page: str) -> set[str]:
    return set(re.findall(r'name="action" value="(\w+)"', page))


def reload(case: Case) -> Any:
    return type(case).objects.get(pk=case.pk)


def test_each_party_sees_its_own_steps(kind: Kind, case: Case, users: dict[str, User],
                                       web: Callable[..., Client]) -> None:
    url = f"/{kind.path}/{case.pk}/"
    assert actions(html(web(users[Role.SUBJECT]).get(url))) == {"withdraw"}
    staff = {"accept", "material", "decide"}
    assert staff <= actions(html(web(users[Role.DEPARTMENT]).get(url)))
    assert "take_over" not in actions(html(web(users[Role.DEPARTMENT]).get(url)))
    assert staff | {"take_over"} <= actions(html(web(users[Role.OFFICE]).get(url)))
    # A step that is not the user's: 403; a step that does not exist: 404.
    assert web(users[Role.SUBJECT]).post(url, {"action": "decide"}).status_code == 403
    assert web(users[Role.DEPARTMENT]).post(url, {"action": "withdraw"}).status_code == 403
    assert web(users[Role.OFFICE]).post(url, {"action": "explode"}).status_code == 404


def test_material_requested_and_supplied_through_the_pages(
    kind: Kind, case: Case, users: dict[str, User], web: Callable[..., Client]
) -> None:
    url = f"/{kind.path}/{case.pk}/"
    dept, applicant = web(users[Role.DEPARTMENT]), web(users[Role.SUBJECT])
    empty = dept.post(url, {"action": "material", "material-reason": ""})
    assert empty.status_code == 422 and 'data-error-for="reason"' in html(empty)
    done = dept.post(url, {"action": "material", "material-reason": "请补充整改报告"}, follow=True)
    assert "已要求申请人补正材料" in html(done) and reload(case).status == c.AWAITING_MATERIAL
    page = html(applicant.get(url))
    assert 'data-testid="material-request"' in page and "请补充整改报告" in page
    assert actions(page) == {"supply", "withdraw"}
    nothing = applicant.post(url, {"action": "supply", "supply-note": ""})
    assert nothing.status_code == 422 and "请说明补正情况或上传补正材料" in html(nothing)
    bad = applicant.post(url, {"action": "supply", "supply-evidence": SimpleUploadedFile("x.exe", b"MZ")})
    assert bad.status_code == 422 and "类型不支持" in html(bad)
    supplied = applicant.post(url, {"action": "supply", "supply-note": "见附件",
                                    "supply-evidence": SimpleUploadedFile("整改报告.pdf", PDF)},
                              follow=True)
    assert "已补正" in html(supplied)
    fresh = reload(case)
    assert fresh.status == c.SUBMITTED and fresh.files.count() == 1
    assert "整改报告.pdf" in html(dept.get(url))


def test_the_applicant_withdraws_through_the_page(kind: Kind, case: Case, users: dict[str, User],
                                                  web: Callable[..., Client]) -> None:
    url = f"/{kind.path}/{case.pk}/"
    done = web(users[Role.SUBJECT]).post(url, {"action": "withdraw", "withdraw-reason": ""},
                                         follow=True)
    assert "已撤回" in html(done)
    assert reload(case).status == c.WITHDRAWN
    assert actions(html(web(users[Role.OFFICE]).get(url))) == set()


def test_queue_and_public_page(kind: Kind, case: Case, users: dict[str, User],
                               web: Callable[..., Client]) -> None:
    office = web(users[Role.OFFICE])
    queue = html(office.get(f"/{kind.path}/"))
    assert f'data-case="{case.pk}"' in queue and 'data-testid="overdue"' in queue  # August
    office.post(f"/{kind.path}/{case.pk}/", {"action": "material", "material-reason": "请补充王五签字页"})
    queue = html(office.get(f"/{kind.path}/"))
    assert "待补正材料" in queue and 'data-testid="overdue"' not in queue
    assert "待申请人补正，期限暂停计算" in queue
    public = web().get(f"/{kind.path}/track/{case.query_code}/")
    page = html(public)
    assert public.status_code == 200 and "要求补正材料" in page and "暂停计算" in page
    assert "王五" not in page and users[Role.SUBJECT].subject.name not in page


def deadline_labels(page: str) -> list[str]:
    card = page.split('data-testid="deadlines"', 1)[1].split("</div>\n  </div>", 1)[0]
    return re.findall(r'<div class="small text-muted">([^<]+)</div>', card)


def test_the_deadline_card_names_each_deadline_once(kind: Kind, case: Case, users: dict[str, User],
                                                    web: Callable[..., Client]) -> None:
    url = f"/{kind.path}/{case.pk}/"
    dept = web(users[Role.DEPARTMENT])
    submitted = deadline_labels(html(dept.get(url)))
    assert submitted.count("受理期限") == 1 and submitted.count("办结期限") == 1, submitted
    dept.post(url, {"action": "accept"})
    accepted = deadline_labels(html(dept.get(url)))
    assert accepted.count("受理期限") == 1 and accepted.count("办结期限") == 1, accepted
    assert len(set(accepted)) == len(accepted)


def test_after_take_over_the_pages_name_the_office_as_handling_unit(
    kind: Kind, case: Case, users: dict[str, User], web: Callable[..., Client]
) -> None:
    url = f"/{kind.path}/{case.pk}/"
    unit = case.unit.name
    before = html(web(users[Role.SUBJECT]).get(url))
    assert re.search(r'data-testid="handling-unit">[^<]*' + unit, before)
    web(users[Role.OFFICE]).post(url, {"action": "take_over", "take_over-reason": "逾期未受理"})
    for role in (Role.SUBJECT, Role.DEPARTMENT, Role.OFFICE):
        page = html(web(users[role]).get(url))
        shown = re.search(r'data-testid="handling-unit">([^<]*)<', page)
        assert shown and shown.group(1).startswith("办理单位：信用办"), (role, shown)
    queue = html(web(users[Role.OFFICE]).get(f"/{kind.path}/"))
    row = queue.split(f'data-case="{case.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "信用办（接办）" in row
    public = html(web().get(f"/{kind.path}/track/{case.query_code}/"))
    summary = public.split('data-testid="summary"')[1].split("</dl>")[0]
    assert "信用办（接办）" in summary and unit not in summary


def confirmation(page: str, decision: str) -> str:
    found = re.search(rf'data-confirm-{decision}="([^"]*)"', page)
    assert found, f"no confirmation for {decision}"
    return unescape(found.group(1))


def test_a_decision_is_confirmed_saying_what_it_will_do(kind: Kind, case: Case, record: Any,
                                                        users: dict[str, User],
                                                        web: Callable[..., Client]) -> None:
    from xinyong.lists.models import Membership

    since = timezone.localdate() - dt.timedelta(days=1)
    for code, name in (("joint_punishment", "联合惩戒对象名单"), ("key_supervision", "重点监管对象")):
        Membership.objects.create(list_code=code, list_name=name, subject_id=record.subject_id,
                                  record=record, policy="test", clause="1", since=since)
    names = ["联合惩戒对象名单", "重点监管对象"]
    page = html(web(users[Role.DEPARTMENT]).get(f"/{kind.path}/{case.pk}/"))
    form = page.split('data-testid="decide-form"', 1)[1].split(">", 1)[0]
    assert "onsubmit=" in form and "confirm(" in form
    yes = confirmation(page, kind.decide_yes)
    assert record.decision_no in yes and "移出以下名单：" in yes, yes
    assert all(name in yes.split("移出以下名单：")[1] for name in names), yes
    assert "不能更改" in yes
    assert "移出以下名单" not in confirmation(page, kind.decide_no)
    effects = page.split('data-testid="decision-effects"', 1)[1].split("</ul>", 1)[0]
    assert all(name in effects for name in names)
    # Refusing to accept closes the case; taking it over cannot be undone: both are asked.
    assert 'data-confirm="确定不予受理' in page
    office = html(web(users[Role.OFFICE]).get(f"/{kind.path}/{case.pk}/"))
    assert 'data-confirm="确定接办' in office


def test_one_tracker_finds_a_code_of_any_kind(kind: Kind, case: Case, web: Callable[..., Client]) -> None:
    from xinyong.casework.tests.conftest import KINDS

    client = web()
    own = f"/{kind.path}/track/{case.query_code}/"
    typed = " ".join([case.query_code[:6].lower(), case.query_code[6:]])
    found = client.get("/track/", {"code": typed})
    assert found.status_code == 302 and found["Location"] == own
    page = html(client.get(own))
    assert f'data-testid="kind">{case.NOUN}<' in page
    # A code typed into another kind's tracker is found and said to be of this kind.
    for other in (k for k in KINDS.values() if k.name != kind.name):
        response = client.get(f"/{other.path}/track/", {"code": typed}, follow=True)
        assert response.redirect_chain[-1][0] == own
        shown = html(response)
        assert "不存在" not in shown and f"是{case.NOUN}的查询码" in shown
        assert client.get(f"/{other.path}/track/{case.query_code}/")["Location"] == own
    unknown = client.get("/track/", {"code": "XFNOSUCHCODE2"})
    assert unknown.status_code == 404 and 'data-testid="not-found"' in html(unknown)
    assert client.get("/track/").status_code == 200


def test_a_printable_receipt_for_the_applicant(kind: Kind, case: Case, users: dict[str, User],
                                               web: Callable[..., Client], make_user: Any,
                                               person: Any) -> None:
    from xinyong.lib import workdays

    url = f"/{kind.path}/{case.pk}/receipt/"
    applicant = web(users[Role.SUBJECT])
    response = applicant.get(url)
    assert response.status_code == 200
    page = html(response)
    receipt = page.split('data-testid="receipt"', 1)[1]
    assert case.query_code in receipt and case.NOUN in receipt
    assert users[Role.SUBJECT].subject.name in receipt
    assert timezone.localtime(case.created_at).strftime("%Y-%m-%d %H:%M") in receipt
    accept_days = workdays.workdays_between(case.submitted_on, case.accept_by)
    assert re.sub(r"<[^>]+>", "", receipt.split('data-testid="receipt-accept">', 1)[1].split("</dd>")[0]) \
        == f"{accept_days} 个工作日内决定是否受理（{case.accept_by:%Y-%m-%d} 前）"
    assert f"{case.due_by:%Y-%m-%d}" in receipt.split('data-testid="receipt-decide"', 1)[1]
    assert f"http://testserver/{kind.path}/track/{case.query_code}/" in receipt
    assert "http://testserver/track/" in receipt
    assert "@media print" in page and "window.print()" in page and "打印回执" in page
    # The parties only: it names the subject.
    for role in (Role.DEPARTMENT, Role.OFFICE):
        assert web(users[role]).get(url).status_code == 200
    assert web(users[Role.INSTITUTION]).get(url).status_code == 403
    assert web(make_user("other-subject", Role.SUBJECT, subject=person)).get(url).status_code == 404
    assert web().get(url).status_code == 302
    # Reachable again from the applicant's list, the case page and the progress page.
    link = f'href="{url}"'
    assert link in html(applicant.get(f"/{kind.path}/mine/"))
    assert link in html(applicant.get(f"/{kind.path}/{case.pk}/"))
    assert link in html(applicant.get(f"/{kind.path}/track/{case.query_code}/"))
    assert link not in html(web().get(f"/{kind.path}/track/{case.query_code}/"))
