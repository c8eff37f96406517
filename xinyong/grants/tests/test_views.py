"""Grant pages: the subject grants through the form (errors beside the field), sees the
reads and revokes; the institution lists what it received, opens the credit file and
downloads the report its grant covers (403 without); the credit file of a person is 404
for an institution without a live grant."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from xinyong.accounts.models import Institution, Role, User
from xinyong.audit.models import AuditEvent
from xinyong.grants import services
from xinyong.grants.models import Grant, GrantRead
from xinyong.lib.dates import add_months
from xinyong.reports.models import Report

ALL = ["profile", "records", "score", "report"]


@pytest.fixture
def zhang(make_user: Callable[..., User], person_file: dict[str, Any]) -> User:
    return make_user("zhangsan", Role.SUBJECT, subject=person_file["subject"])


def errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-error-for="(\w+)">([^<]*)<', html))


def give(user: User, institution: Institution, scope: list[str] = ALL, **kwargs: Any) -> Grant:
    return services.grant(user, institution, scope, "申请流动资金贷款", **kwargs)


# --- the subject -----------------------------------------------------------------------------

def test_the_form_offers_institutions_scopes_and_the_longest_expiry(
        loaded: Any, users: dict[str, User], institution: Institution,
        other_institution: Institution, web: Callable[..., Client]) -> None:
    Institution.objects.filter(pk=other_institution.pk).update(is_active=False)
    html = web(users[Role.SUBJECT]).get("/grants/new/").content.decode()
    latest = add_months(timezone.localdate(), 12)
    assert f'<option value="{institution.pk}">{institution.name}</option>' in html
    assert other_institution.name not in html  # deactivated: not offered
    for label in ("基本信息与名单", "全部信用记录", "信用评价（积分或分类）", "信用报告"):
        assert label in html
    assert "完整的证件号码" in html  # each part says what the institution then sees
    assert "最长 12 个月" in html
    assert f'value="{latest.isoformat()}"' in html and f'max="{latest.isoformat()}"' in html


def test_a_grant_made_through_the_form(loaded: Any, users: dict[str, User], institution: Institution,
                                       web: Callable[..., Client]) -> None:
    carol = web(users[Role.SUBJECT])
    expires = timezone.localdate() + dt.timedelta(days=90)
    response = carol.post("/grants/new/", {
        "institution": institution.pk, "scope": ["profile", "report"],
        "purpose": "申请流动资金贷款", "expires_on": expires.isoformat()})
    grant = Grant.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/grants/{grant.pk}/"
    assert grant.scope == ["profile", "report"] and grant.expires_on == expires
    assert grant.institution == institution and grant.subject_id == users[Role.SUBJECT].subject_id
    page = carol.get(response["Location"]).content.decode()
    assert f"已授权 {institution.name} 查询" in page and "基本信息与名单、信用报告" in page
    mine = carol.get("/grants/").content.decode()
    assert f'data-grant="{grant.pk}"' in mine and "有效" in mine and "尚未查询" in mine
    assert AuditEvent.objects.filter(action="grant.create").count() == 1


@pytest.mark.parametrize(("data", "field", "says"), [
    ({"expires_on": "LATE"}, "expires_on", "授权期限最长 12 个月"),
    ({"expires_on": "2000-01-01"}, "expires_on", "不能早于今天"),
    ({"scope": []}, "scope", "请至少选择一项授权范围"),
    ({"purpose": ""}, "purpose", "请写明授权用途"),
    ({"institution": ""}, "institution", "请选择被授权的金融机构"),
])
def test_errors_are_shown_beside_the_field(loaded: Any, users: dict[str, User],
                                           institution: Institution, web: Callable[..., Client],
                                           data: dict[str, Any], field: str, says: str) -> None:
    late = add_months(timezone.localdate(), 12) + dt.timedelta(days=1)
    form = {"institution": institution.pk, "scope": ["profile"], "purpose": "申请贷款",
            **{k: late.isoformat() if v == "LATE" else v for k, v in data.items()}}
    response = web(users[Role.SUBJECT]).post("/grants/new/", form)
    assert response.status_code == 200
    shown = errors(response.content.decode())
    assert says in shown[field] and set(shown) == {field}
    assert not Grant.objects.exists()


def test_revoke_from_the_list(loaded: Any, users: dict[str, User], institution: Institution,
                              web: Callable[..., Client]) -> None:
    grant = give(users[Role.SUBJECT], institution)
    carol = web(users[Role.SUBJECT])
    mine = carol.get("/grants/").content.decode()
    assert f'action="/grants/{grant.pk}/revoke/"' in mine and "确定撤销对" in mine
    response = carol.post(f"/grants/{grant.pk}/revoke/", {"reason": "贷款已办完", "next": "/grants/"})
    assert response.status_code == 302 and response["Location"] == "/grants/"
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.revoke_reason == "贷款已办完"
    page = carol.get("/grants/").content.decode()
    assert "已撤销" in page and f'action="/grants/{grant.pk}/revoke/"' not in page
    # Twice: said, not failed; someone else's grant: 404; others may not revoke.
    again = carol.post(f"/grants/{grant.pk}/revoke/", follow=True).content.decode()
    assert "该授权已于" in again
    assert carol.get("/grants/999/").status_code == 404
    assert web(users[Role.INSTITUTION]).post(f"/grants/{grant.pk}/revoke/").status_code == 403


def test_a_subject_cannot_see_or_revoke_anothers_grant(
        loaded: Any, users: dict[str, User], zhang: User, institution: Institution,
        web: Callable[..., Client]) -> None:
    grant = give(zhang, institution)
    carol = web(users[Role.SUBJECT])
    assert carol.get(f"/grants/{grant.pk}/").status_code == 404
    assert carol.post(f"/grants/{grant.pk}/revoke/").status_code == 404
    assert Grant.objects.get().revoked_at is None


# --- the institution ------------------------------------------------------------------------

def test_received_lists_live_grants_first_with_their_links(
        loaded: Any, users: dict[str, User], zhang: User, institution: Institution,
        other_institution: Institution, web: Callable[..., Client]) -> None:
    carol = users[Role.SUBJECT]
    ended = give(carol, institution, ["profile"])
    services.revoke(carol, ended.pk, "不再需要")
    live = give(zhang, institution, ["records"])
    with_report = give(carol, institution, ["profile", "report"])
    give(carol, other_institution)  # to another bank: not listed
    html = web(users[Role.INSTITUTION]).get("/grants/received/").content.decode()
    listed = [int(pk) for pk in re.findall(r'data-grant="(\d+)"', html)]
    assert listed == [with_report.pk, live.pk, ended.pk]
    rows = dict(zip(listed, html.split('data-grant="')[1:], strict=True))
    assert f'href="/subjects/{zhang.subject_id}/"' in rows[live.pk]
    assert f'action="/grants/{live.pk}/report/"' not in rows[live.pk]
    assert f'action="/grants/{with_report.pk}/report/"' in rows[with_report.pk]
    assert "/subjects/" not in rows[ended.pk] and "已撤销" in rows[ended.pk]
    only_live = web(users[Role.INSTITUTION]).get("/grants/received/?state=live").content.decode()
    assert f'data-grant="{ended.pk}"' not in only_live
    only_ended = web(users[Role.INSTITUTION]).get("/grants/received/?state=ended").content.decode()
    assert [int(pk) for pk in re.findall(r'data-grant="(\d+)"', only_ended)] == [ended.pk]
    for role in (Role.SUBJECT, Role.OFFICE, Role.DEPARTMENT):
        assert web(users[role]).get("/grants/received/").status_code == 403


def test_report_under_a_grant_with_report_and_403_without(
        loaded: Any, users: dict[str, User], institution: Institution,
        web: Callable[..., Client]) -> None:
    carol = users[Role.SUBJECT]
    bank = web(users[Role.INSTITUTION])
    narrow = give(carol, institution, ["profile"])
    refused = bank.post(f"/grants/{narrow.pk}/report/")
    assert refused.status_code == 403 and "没有该主体授权本机构获取信用报告" in refused.content.decode()
    assert not Report.objects.exists()
    wide = give(carol, institution, ["profile", "report"])  # supersedes the narrow one
    response = bank.post(f"/grants/{wide.pk}/report/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    report = Report.objects.get()
    assert response["X-Report-Number"] == report.number and report.version == "full"
    read = GrantRead.objects.get(grant=wide)
    assert read.parts == ["report"] and read.channel == "web" and report.number in read.detail
    assert bank.get(f"/grants/{wide.pk}/report/").status_code == 405
    # Revoked: refused like any request without a grant.
    services.revoke(carol, wide.pk)
    assert bank.post(f"/grants/{wide.pk}/report/").status_code == 403


def test_reads_are_listed_for_the_subject_and_the_institution(
        loaded: Any, users: dict[str, User], institution: Institution, other_institution: Institution,
        make_user: Callable[..., User], web: Callable[..., Client]) -> None:
    carol = users[Role.SUBJECT]
    grant = give(carol, institution, ["profile", "records", "report"])
    bank = web(users[Role.INSTITUTION])
    assert bank.get(f"/subjects/{carol.subject_id}/").status_code == 200
    bank.post(f"/grants/{grant.pk}/report/")
    for viewer in (users[Role.SUBJECT], users[Role.INSTITUTION], users[Role.OFFICE]):
        html = web(viewer).get(f"/grants/{grant.pk}/").content.decode()
        rows = html.split('data-read="')[1:]
        assert len(rows) == 2, viewer.role
        assert "信用报告" in rows[0] and "基本信息与名单、全部信用记录" in rows[1]
        assert "网页" in rows[0] and "信用档案" in rows[1]
        assert "dave" in rows[0]  # who read
    # Another bank's user sees nothing of it.
    stranger = make_user("erin", Role.INSTITUTION, institution=other_institution)
    assert web(stranger).get(f"/grants/{grant.pk}/").status_code == 404
    assert web(users[Role.DEPARTMENT]).get(f"/grants/{grant.pk}/").status_code == 403


def test_a_persons_file_is_404_without_a_grant_and_200_with_one(
        zhang: User, users: dict[str, User], institution: Institution,
        person_file: dict[str, Any], web: Callable[..., Client]) -> None:
    person = person_file["subject"]
    bank = web(users[Role.INSTITUTION])
    assert bank.get(f"/subjects/{person.pk}/").status_code == 404
    grant = give(zhang, institution, ["profile", "records"])
    response = bank.get(f"/subjects/{person.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    note = html.split('data-testid="grant-note"')[1].split("</dd>")[0]
    assert f"#{grant.pk}" in note and "基本信息与名单、全部信用记录" in note
    assert grant.expires_on.isoformat() in note and "下载信用报告" not in note
    assert person.full_code() in html  # the profile part: the full ID number
    assert GrantRead.objects.filter(grant=grant).count() == 1
    services.revoke(zhang, grant.pk)
    assert bank.get(f"/subjects/{person.pk}/").status_code == 404


def test_the_subjects_own_file_has_no_grant_note(loaded: Any, users: dict[str, User],
                                                 web: Callable[..., Client]) -> None:
    html = web(users[Role.SUBJECT]).get(f"/subjects/{users[Role.SUBJECT].subject_id}/").content.decode()
    assert 'data-testid="grant-note"' not in html


@pytest.mark.parametrize("path", ["/grants/", "/grants/new/", "/grants/received/", "/grants/1/"])
def test_anonymous_is_sent_to_login(db: Any, client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
