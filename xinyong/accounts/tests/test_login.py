"""Login and logout in the web UI, lock-out after repeated failures, Argon2 hashes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client

from conftest import PASSWORD, PERSON_CODE
from xinyong import settings as project_settings
from xinyong.accounts.models import Role, User
from xinyong.accounts.services import create_user

LIMIT = settings.AXES_FAILURE_LIMIT


def login(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post("/login/", {"username": username, "password": password}, **extra)


@pytest.fixture
def alice(users: dict[str, User]) -> User:
    return users[Role.OFFICE]


def test_login_page_is_chinese(db: Any) -> None:
    html = Client().get("/login/").content.decode()
    assert "<title>登录 · 公共信用信息平台</title>" in html
    assert 'name="username"' in html and 'name="password"' in html


def test_login_lands_on_home(alice: User) -> None:
    client = Client()
    response = login(client, "alice", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/").content.decode()
    assert "您的角色是<strong>信用办</strong>" in home and "退出登录" in home
    alice.refresh_from_db()
    assert alice.last_login is not None


def test_login_follows_next_but_not_off_site(alice: User) -> None:
    response = Client().post("/login/?next=/office/units/",
                             {"username": "alice", "password": PASSWORD})
    assert response["Location"] == "/office/units/"
    response = Client().post("/login/?next=https://evil.example/",
                             {"username": "alice", "password": PASSWORD})
    assert response["Location"] == "/"


def test_wrong_password_stays_on_the_form(alice: User) -> None:
    client = Client()
    response = login(client, "alice", "wrong-password")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert client.get("/office/units/").status_code == 302


def test_logged_in_user_visiting_login_goes_home(alice: User) -> None:
    client = Client()
    login(client, "alice", PASSWORD)
    assert client.get("/login/")["Location"] == "/"


def test_logout_is_a_post(alice: User) -> None:
    client = Client()
    login(client, "alice", PASSWORD)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/office/units/")["Location"].startswith("/login/")
    assert "退出登录" not in client.get("/").content.decode()


def test_inactive_and_passwordless_users_cannot_log_in(
    make_user: Callable[..., User], institution: Any
) -> None:
    make_user("gone", Role.OFFICE, is_active=False)
    create_user("nopass", Role.INSTITUTION, password=None, institution_code=institution.code)
    for username in ("gone", "nopass"):
        assert login(Client(), username, PASSWORD).status_code == 200


def test_lock_out_after_repeated_failures(alice: User) -> None:
    client = Client()
    for _ in range(LIMIT - 1):
        assert login(client, "alice", "wrong").status_code == 200
    locked = login(client, "alice", "wrong")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "登录失败次数过多，账号已暂时锁定" in html
    assert f"请在 {settings.AXES_COOLOFF_TIME * 60:.0f} 分钟后再试" in html
    # Now even the right password is refused.
    right = login(client, "alice", PASSWORD)
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="alice").failures_since_start >= LIMIT


def test_lock_out_is_per_user_name_and_address(alice: User, make_user: Callable[..., User]
                                               ) -> None:
    make_user("erin", Role.OFFICE)
    for _ in range(LIMIT):
        login(Client(), "alice", "wrong")
    assert login(Client(), "alice", PASSWORD).status_code == 429
    # Another user from the same address, and alice from another address, may log in.
    assert login(Client(), "erin", PASSWORD).status_code == 302
    assert login(Client(), "alice", PASSWORD, REMOTE_ADDR="10.9.8.7").status_code == 302


def test_success_before_the_limit_resets_the_count(alice: User) -> None:
    for _ in range(LIMIT - 1):
        login(Client(), "alice", "wrong")
    assert login(Client(), "alice", PASSWORD).status_code == 302
    for _ in range(LIMIT - 1):
        login(Client(), "alice", "wrong")
    assert login(Client(), "alice", PASSWORD).status_code == 302


def test_an_id_number_typed_as_user_name_locks_out_but_is_not_stored(db: Any) -> None:
    for _ in range(LIMIT):
        login(Client(), PERSON_CODE.lower(), "wrong")
    assert login(Client(), PERSON_CODE, "wrong").status_code == 429
    attempt = AccessAttempt.objects.get()
    assert attempt.username.startswith("110105********002X#")
    assert PERSON_CODE not in f"{attempt.username} {attempt.post_data} {attempt.get_data}"


def test_passwords_are_hashed_with_argon2(unit: Any) -> None:
    # The suite runs Argon2 with cheap parameters (conftest); the platform's own setting:
    assert project_settings.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.Argon2PasswordHasher")
    user = create_user("frank", Role.DEPARTMENT, password="Frank-2026-pass",
                       unit_code=unit.code)
    assert user.password.startswith("argon2$argon2id$")
    assert "Frank-2026-pass" not in user.password
    assert login(Client(), "frank", "Frank-2026-pass").status_code == 302


def test_an_older_hash_is_upgraded_to_argon2_on_login(make_user: Callable[..., User]) -> None:
    user = make_user("grace", Role.OFFICE)
    User.objects.filter(pk=user.pk).update(
        password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    assert login(Client(), "grace", PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
