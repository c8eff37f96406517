"""The office's pages for member units, users and API tokens: create, errors shown next to
the field, revoke; 403 for other roles, login for the anonymous; every change audited."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import PERSON_CODE, UNIT2_CODE
from xinyong.accounts.models import ApiToken, Institution, Role, Unit, User
from xinyong.audit.models import AuditEvent
from xinyong.subjects.models import Subject

PAGES = ["/office/units/", "/office/users/", "/office/tokens/"]


def field_block(html: str, name: str) -> str:
    """The form group that holds input `name`: its label, input, errors and help."""
    for block in html.split('<div class="mb-2">')[1:]:
        if f'name="{name}"' in block:
            return block.split("</div>\n{%")[0]
    raise AssertionError(f"no field {name} in the page")


def field_error(html: str, name: str) -> str:
    block = field_block(html, name)
    assert "is-invalid" in block, f"field {name} is not marked invalid"
    errors = re.findall(r'<div class="invalid-feedback">(.*?)</div>', block)
    assert errors, f"no error shown next to {name}"
    return " ".join(errors)


def no_field_errors(html: str, *names: str) -> None:
    for name in names:
        assert "is-invalid" not in field_block(html, name), name


@pytest.fixture
def office(users: dict[str, User], web: Callable[..., Client]) -> Client:
    return web(users[Role.OFFICE])


# Access


@pytest.mark.parametrize("page", PAGES)
def test_office_sees_the_pages(office: Client, page: str) -> None:
    response = office.get(page)
    assert response.status_code == 200
    assert 'href="/office/units/">成员单位</a>' in response.content.decode()


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION])
@pytest.mark.parametrize("page", [*PAGES, "/office/tokens/1/revoke/"])
def test_other_roles_get_403(
    users: dict[str, User], web: Callable[..., Client], role: str, page: str
) -> None:
    client = web(users[role])
    assert client.get(page).status_code in (403, 405)
    assert client.post(page, {"name": "x", "code": UNIT2_CODE}).status_code == 403
    assert Unit.objects.count() == 1 and not AuditEvent.objects.exists()


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_go_to_login(db: Any, page: str) -> None:
    response = Client().get(page)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={page}"


def test_nav_shows_office_pages_to_office_only(
    users: dict[str, User], web: Callable[..., Client]
) -> None:
    assert "接口令牌" in web(users[Role.OFFICE]).get("/").content.decode()
    for role in (Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION):
        html = web(users[role]).get("/").content.decode()
        assert "/office/units/" not in html and "接口令牌" not in html


# Units


def test_create_unit(office: Client, users: dict[str, User]) -> None:
    response = office.post("/office/units/", {"name": " 发展和改革局 ", "code": UNIT2_CODE.lower()},
                           REMOTE_ADDR="10.0.0.5")
    assert response.status_code == 302 and response["Location"] == "/office/units/"
    unit = Unit.objects.get(code=UNIT2_CODE)
    assert unit.name == "发展和改革局"
    page = office.get("/office/units/").content.decode()
    assert "已新建成员单位：发展和改革局" in page and UNIT2_CODE in page
    event = AuditEvent.objects.get(action="unit.create")
    assert event.actor == users[Role.OFFICE] and event.via == "web" and event.ip == "10.0.0.5"
    assert event.object_id == str(unit.pk) and "发展和改革局" in event.summary


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        ({"name": "发展和改革局", "code": "11350105003000001Q"}, "code", "校验位错误"),
        ({"name": "发展和改革局", "code": "1135010500300"}, "code", "应为 18 位"),
        ({"name": "发展和改革局", "code": ""}, "code", "这个字段是必填项"),
        ({"name": "", "code": UNIT2_CODE}, "name", "这个字段是必填项"),
        ({"name": "发展和改革局", "code": "113501050030000041"}, "code", "已存在"),
        ({"name": "市场监督管理局", "code": UNIT2_CODE}, "name", "已存在"),
    ],
)
def test_unit_errors_next_to_the_field(
    office: Client, data: dict[str, str], field: str, says: str
) -> None:
    response = office.post("/office/units/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert says in field_error(html, field)
    no_field_errors(html, *({"name", "code"} - {field}))
    # What was typed stays in the form.
    assert f'value="{data["name"]}"' in field_block(html, "name")
    assert Unit.objects.count() == 1 and not AuditEvent.objects.exists()


# Users


def test_create_users_of_each_role(
    office: Client, users: dict[str, User], unit: Unit, person: Subject, institution: Institution
) -> None:
    forms = [
        {"username": "heidi", "role": Role.OFFICE},
        {"username": "ivan", "role": Role.DEPARTMENT, "unit": unit.pk},
        {"username": "judy", "role": Role.SUBJECT, "subject_code": PERSON_CODE},
        {"username": "mallory", "role": Role.INSTITUTION, "display_name": "示例银行",
         "institution": institution.pk},
    ]
    for data in forms:
        response = office.post("/office/users/", {**data, "password": "Strong-pass-2026"})
        assert response.status_code == 302, field_errors_of(response)
    assert User.objects.get(username="ivan").unit == unit
    assert User.objects.get(username="mallory").institution == institution
    judy = User.objects.get(username="judy")
    assert judy.subject == person and judy.password.startswith("argon2$")
    assert judy.check_password("Strong-pass-2026")
    page = office.get("/office/users/").content.decode()
    assert "110105********002X" in page and PERSON_CODE not in page
    events = AuditEvent.objects.filter(action="user.create")
    assert events.count() == 4
    assert {e.actor for e in events} == {users[Role.OFFICE]}
    assert PERSON_CODE not in repr(list(AuditEvent.objects.values()))


def field_errors_of(response: Any) -> list[str]:
    return re.findall(r'<div class="invalid-feedback">(.*?)</div>', response.content.decode())


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        ({"username": "alice", "role": Role.OFFICE}, "username", "已存在"),
        ({"username": "ivan", "role": Role.DEPARTMENT}, "unit", "必须指定所属单位"),
        ({"username": "judy", "role": Role.SUBJECT}, "subject_code", "必须指定绑定主体"),
        ({"username": "judy", "role": Role.SUBJECT, "subject_code": "110105194912310021"},
         "subject_code", "校验位错误"),
        ({"username": "judy", "role": Role.SUBJECT, "subject_code": "440524188001010014"},
         "subject_code", "没有该代码的信用主体"),
        ({"username": "judy", "role": Role.OFFICE, "subject_code": PERSON_CODE},
         "subject_code", "只有信用主体角色"),
        ({"username": "mallory", "role": Role.INSTITUTION}, "institution", "必须指定所属金融机构"),
        ({"username": "mallory", "role": Role.OFFICE, "institution": "BANK"}, "institution",
         "只有金融机构角色"),
        ({"username": "ivan", "role": "boss"}, "role", "选择一个有效的选项"),
        ({"username": "ivan", "role": Role.OFFICE, "password": "123"}, "password", "密码太短"),
        ({"username": "ivan", "role": Role.OFFICE, "password": "password123"}, "password",
         "太常见"),
    ],
)
def test_user_errors_next_to_the_field(
    office: Client, person: Subject, institution: Institution, data: dict[str, Any], field: str,
    says: str
) -> None:
    data = {k: (institution.pk if v == "BANK" else v) for k, v in data.items()}
    response = office.post("/office/users/", {"password": "Strong-pass-2026", **data})
    assert response.status_code == 200
    html = response.content.decode()
    assert says in field_error(html, field)
    assert 'value="Strong-pass-2026"' not in html  # passwords are not sent back
    assert not AuditEvent.objects.exists()


# Tokens


def test_create_and_revoke_a_token(office: Client, users: dict[str, User]) -> None:
    bob = users[Role.DEPARTMENT]
    response = office.post("/office/tokens/", {"user": bob.pk, "name": "报送系统"})
    assert 'data-testid="new-token"' in response.content.decode()
    token = ApiToken.objects.get(user=bob)
    response = office.post(f"/office/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/office/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    page = office.get("/office/tokens/").content.decode()
    assert f"已吊销令牌 {token.prefix}…" in page and "已吊销" in page
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "token.create", "token.revoke"]
    # Revoking again changes nothing and writes nothing.
    office.post(f"/office/tokens/{token.pk}/revoke/")
    assert AuditEvent.objects.count() == 2


def test_revoke_is_post_only_and_404_for_unknown(office: Client, users: dict[str, User]
                                                 ) -> None:
    token, _ = ApiToken.issue(users[Role.DEPARTMENT], "x")
    assert office.get(f"/office/tokens/{token.pk}/revoke/").status_code == 405
    assert office.post("/office/tokens/999999/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.is_active


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [({"name": "报送系统"}, "user", "这个字段是必填项"),
     ({"user": 999999, "name": "报送系统"}, "user", "选择一个有效的选项"),
     ({"user": "bob", "name": ""}, "name", "这个字段是必填项")],
)
def test_token_errors_next_to_the_field(
    office: Client, users: dict[str, User], data: dict[str, Any], field: str, says: str
) -> None:
    if data.get("user") == "bob":
        data = {**data, "user": users[Role.DEPARTMENT].pk}
    html = office.post("/office/tokens/", data).content.decode()
    assert says in field_error(html, field)
    assert not ApiToken.objects.exists() and 'data-testid="new-token"' not in html


def test_no_tokens_for_deactivated_users(
    office: Client, users: dict[str, User], make_user: Callable[..., User]
) -> None:
    gone = make_user("gone", Role.INSTITUTION, is_active=False,
                     institution=users[Role.INSTITUTION].institution)
    html = office.post("/office/tokens/", {"user": gone.pk, "name": "x"}).content.decode()
    assert "选择一个有效的选项" in field_error(html, "user")
