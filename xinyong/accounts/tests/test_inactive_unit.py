"""A deactivated member unit (Unit.is_active False): its users cannot log in, their open
sessions are refused on the next request, their API tokens answer 401; reactivated, they
work again. Users without a unit, and other units' users, are not affected."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from conftest import PASSWORD, ApiClient
from xinyong.accounts.auth import user_for_token
from xinyong.accounts.models import ApiToken, Role, Unit, User
from xinyong.accounts.services import create_user
from xinyong.lib.errors import DomainError

from .test_office_pages import field_error


def set_active(unit: Unit, active: bool) -> None:
    Unit.objects.filter(pk=unit.pk).update(is_active=active)


def login(username: str, password: str = PASSWORD) -> tuple[Client, Any]:
    client = Client()
    return client, client.post("/login/", {"username": username, "password": password})


@pytest.fixture
def bob(users: dict[str, User]) -> User:
    return users[Role.DEPARTMENT]


def test_users_of_a_deactivated_unit_cannot_log_in(bob: User, unit: Unit) -> None:
    set_active(unit, False)
    client, response = login("bob")
    assert response.status_code == 200
    html = response.content.decode()
    assert "您所属的成员单位“市场监督管理局”已停用，不能登录" in html
    assert "_auth_user_id" not in client.session
    set_active(unit, True)
    assert login("bob")[1].status_code == 302


def test_a_wrong_password_does_not_tell_the_unit_is_deactivated(bob: User, unit: Unit) -> None:
    set_active(unit, False)
    html = login("bob", "wrong-password")[1].content.decode()
    assert "已停用" not in html and "请输入一个正确的" in html


def test_an_open_session_is_refused_on_the_next_request(
    bob: User, unit: Unit, web: Callable[..., Client]
) -> None:
    client = web(bob)
    assert client.get("/records/").status_code == 200
    set_active(unit, False)
    response = client.get("/records/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "退出登录" not in client.get("/").content.decode()


def test_other_users_keep_their_sessions(
    users: dict[str, User], unit: Unit, other_unit: Unit, make_user: Callable[..., User],
    web: Callable[..., Client],
) -> None:
    erin = make_user("erin", Role.DEPARTMENT, unit=other_unit)
    clients = {u.username: web(u) for u in (users[Role.OFFICE], erin)}
    set_active(unit, False)
    for client in clients.values():
        assert "退出登录" in client.get("/").content.decode()
    assert login("erin")[1].status_code == 302


def test_tokens_of_a_deactivated_unit_answer_401(
    users: dict[str, User], unit: Unit, organization: Any
) -> None:
    raws = {role: ApiToken.issue(user, "x")[1] for role, user in users.items()}
    set_active(unit, False)
    path = f"/api/v1/subjects/{organization.pk}"
    response = ApiClient(raws[Role.DEPARTMENT]).get(path)
    assert response.status_code == 401
    assert response.json()["detail"] == "令牌无效、已吊销或已过期"
    for role in (Role.OFFICE, Role.SUBJECT, Role.INSTITUTION):
        assert ApiClient(raws[role]).get(path).status_code == 200, role
    set_active(unit, True)
    assert ApiClient(raws[Role.DEPARTMENT]).get(path).status_code == 200


def test_the_token_look_up_stays_one_query(
    users: dict[str, User], unit: Unit, django_assert_num_queries: Any
) -> None:
    _, raw = ApiToken.issue(users[Role.DEPARTMENT], "x")
    assert user_for_token(raw) is not None  # writes last_used_at once
    with django_assert_num_queries(1):
        assert user_for_token(raw) == users[Role.DEPARTMENT]
    set_active(unit, False)
    with django_assert_num_queries(1):
        assert user_for_token(raw) is None


def test_no_new_tokens_or_users_for_a_deactivated_unit(
    bob: User, unit: Unit, users: dict[str, User], web: Callable[..., Client]
) -> None:
    set_active(unit, False)
    office = web(users[Role.OFFICE])
    html = office.post("/office/tokens/", {"user": bob.pk, "name": "x"}).content.decode()
    assert "选择一个有效的选项" in field_error(html, "user")
    with pytest.raises(CommandError) as caught:
        call_command("token", "create", "bob", stdout=StringIO(), stderr=StringIO())
    assert str(caught.value).startswith("NAME：") and "已停用" in str(caught.value)
    with pytest.raises(DomainError) as refused:
        create_user("ivan", Role.DEPARTMENT, password=None, unit_code=unit.code)
    assert refused.value.field == "unit" and "已停用" in refused.value.msg
    assert not ApiToken.objects.exists() and not User.objects.filter(username="ivan").exists()
