"""The office's page of financial institutions (金融机构, 信易贷): list and search, create
(errors beside the field), deactivate and reactivate with a reason; a deactivated
institution's users cannot log in, their sessions end and their tokens answer 401."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import BANK2_CODE, BANK_CODE, PASSWORD
from xinyong.accounts.models import ApiToken, Institution, Role, User
from xinyong.audit.models import AuditEvent

from .test_office_pages import field_block, field_error

PAGE = "/office/institutions/"


@pytest.fixture
def office(users: dict[str, User], web: Callable[..., Client]) -> Client:
    return web(users[Role.OFFICE])


def row_of(html: str, institution: Institution) -> str:
    return html.split(f'data-institution="{institution.pk}"')[1].split("</tr>")[0]


def test_the_office_finds_the_page_in_its_menu(office: Client) -> None:
    home = office.get("/").content.decode()
    assert f'href="{PAGE}">金融机构</a>' in home


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION])
def test_other_roles_get_403(users: dict[str, User], web: Callable[..., Client], role: str,
                             institution: Institution) -> None:
    client = web(users[role])
    for path in (PAGE, f"{PAGE}{institution.pk}/deactivate/"):
        assert client.get(path).status_code == 403
        assert client.post(path, {"name": "x", "code": BANK2_CODE, "reason": "x"}).status_code == 403
    assert Institution.objects.count() == 1 and Institution.objects.get().is_active
    assert Client().get(PAGE)["Location"] == f"/login/?next={PAGE}"


def test_create_an_institution(office: Client, users: dict[str, User]) -> None:
    response = office.post(PAGE, {"name": " 太仓示例村镇银行 ", "code": BANK2_CODE.lower(),
                                  "region": "320585"})
    assert response.status_code == 302 and response["Location"] == PAGE
    made = Institution.objects.get(code=BANK2_CODE)
    assert made.name == "太仓示例村镇银行" and made.region == "320585" and made.is_active
    html = office.get(PAGE).content.decode()
    assert "已新建金融机构：太仓示例村镇银行" in html and BANK2_CODE in html
    event = AuditEvent.objects.get(action="institution.create")
    assert event.actor == users[Role.OFFICE] and event.via == "web"


@pytest.mark.parametrize(("data", "field", "says"), [
    ({"name": "某银行", "code": "91320585MA1N0BANKX"}, "code", "校验位"),
    ({"name": "某银行", "code": ""}, "code", "必填"),
    ({"name": "", "code": BANK2_CODE}, "name", "必填"),
    ({"name": "某银行", "code": BANK_CODE}, "code", "已存在"),
    ({"name": "示例农商银行马尾支行", "code": BANK2_CODE}, "name", "已存在"),
    ({"name": "某银行", "code": BANK2_CODE, "region": "35010"}, "region", "应为 6 位数字"),
])
def test_errors_beside_the_field(office: Client, users: dict[str, User], data: dict[str, str],
                                 field: str, says: str) -> None:
    response = office.post(PAGE, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert says in field_error(html, field)
    assert f'value="{data["name"]}"' in field_block(html, "name")
    assert Institution.objects.count() == 1 and not AuditEvent.objects.exists()


def test_the_list_searches_and_filters(office: Client, institution: Institution,
                                       other_institution: Institution) -> None:
    Institution.objects.filter(pk=other_institution.pk).update(is_active=False)

    def listed(query: str) -> set[int]:
        html = office.get(f"{PAGE}{query}").content.decode()
        return {int(pk) for pk in __import__("re").findall(r'data-institution="(\d+)"', html)}

    both = {institution.pk, other_institution.pk}
    assert listed("") == both
    assert listed("?q=村镇") == {other_institution.pk}
    assert listed(f"?q={BANK_CODE[:10].lower()}") == {institution.pk}  # a code however typed
    assert listed("?active=1") == {institution.pk}
    assert listed("?active=0") == {other_institution.pk}
    html = office.get(PAGE).content.decode()
    active, inactive = row_of(html, institution), row_of(html, other_institution)
    assert "启用中" in active and f'href="{PAGE}{institution.pk}/deactivate/"' in active
    assert "已停用" in inactive and f'href="{PAGE}{other_institution.pk}/reactivate/"' in inactive


def test_deactivation_stops_login_sessions_and_tokens(
        office: Client, users: dict[str, User], institution: Institution,
        web: Callable[..., Client]) -> None:
    dave = users[Role.INSTITUTION]
    _, token = ApiToken.issue(dave, "信贷系统")
    headers = {"Authorization": f"Bearer {token}"}
    session = web(dave)
    assert session.get("/grants/received/").status_code == 200
    assert Client().get("/api/v1/grants", headers=headers).status_code == 200
    # The confirmation page says what follows.
    page = office.get(f"{PAGE}{institution.pk}/deactivate/").content.decode()
    assert "停用金融机构：示例农商银行马尾支行" in page
    assert "1 个用户不能登录" in page and "1 个接口令牌" in page
    # A reason is required.
    refused = office.post(f"{PAGE}{institution.pk}/deactivate/", {"reason": ""})
    assert "必填" in field_error(refused.content.decode(), "reason")
    response = office.post(f"{PAGE}{institution.pk}/deactivate/", {"reason": "退出信易贷合作"})
    assert response.status_code == 302 and response["Location"] == PAGE
    institution.refresh_from_db()
    assert not institution.is_active
    event = AuditEvent.objects.get(action="institution.deactivate")
    assert "退出信易贷合作" in event.summary
    # The session ends, the token answers 401, the login form says why.
    assert session.get("/grants/received/")["Location"].startswith("/login/")
    assert Client().get("/api/v1/grants", headers=headers).status_code == 401
    login = Client().post("/login/", {"username": "dave", "password": PASSWORD})
    assert login.status_code == 200 and "_auth_user_id" not in login.client.session
    assert "您所属的金融机构“示例农商银行马尾支行”已停用，不能登录" in login.content.decode()
    # The wrong password is not told about the institution.
    wrong = Client().post("/login/", {"username": "dave", "password": "wrong-pass"})
    assert "已停用" not in wrong.content.decode()
    # The user list marks the user; subjects can no longer grant to it.
    users_page = office.get("/office/users/?role=institution").content.decode()
    assert "机构已停用" in users_page
    # Reactivated: everything back.
    office.post(f"{PAGE}{institution.pk}/reactivate/", {"reason": "恢复合作"})
    institution.refresh_from_db()
    assert institution.is_active
    assert Client().get("/api/v1/grants", headers=headers).status_code == 200
    again = Client()
    again.post("/login/", {"username": "dave", "password": PASSWORD})
    assert again.get("/grants/received/").status_code == 200
    assert AuditEvent.objects.filter(action="institution.reactivate").count() == 1


def test_a_state_that_is_already_so_is_said(office: Client, institution: Institution) -> None:
    response = office.get(f"{PAGE}{institution.pk}/reactivate/", follow=True)
    assert "已是启用状态" in response.content.decode()
    assert office.get(f"{PAGE}999/deactivate/").status_code == 404


def test_the_user_forms_offer_active_institutions(office: Client, users: dict[str, User],
                                                  institution: Institution,
                                                  other_institution: Institution) -> None:
    Institution.objects.filter(pk=other_institution.pk).update(is_active=False)
    block = field_block(office.get("/office/users/").content.decode(), "institution")
    assert "所属金融机构" in block and institution.name in block
    assert other_institution.name not in block and "---------" not in block
    dave = users[Role.INSTITUTION]
    edit = field_block(office.get(f"/office/users/{dave.pk}/").content.decode(), "institution")
    assert f'<option value="{institution.pk}" selected>' in edit
    # A deactivated institution is not offered for a new user.
    response = office.post("/office/users/", {
        "username": "mallory", "role": Role.INSTITUTION, "institution": other_institution.pk,
        "password": "Strong-pass-2026"})
    assert "选择一个有效的选项" in field_error(response.content.decode(), "institution")
    assert not User.objects.filter(username="mallory").exists()


def test_anonymous_login_page_is_unchanged(db: Any) -> None:
    assert Client().get("/login/").status_code == 200
