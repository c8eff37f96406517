"""Password rules (AUTH_PASSWORD_VALIDATORS): long enough, not common, not the user name nor
too like it or the display name. The command line, the office's user form and Django's
`changepassword` all refuse a weak password with a Chinese message naming the field; the
passwords the demo and the test fixtures use pass."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.test import Client

from conftest import PASSWORD, UNIT_CODE
from xinyong.accounts.models import Role, Unit, User
from xinyong.accounts.services import create_user
from xinyong.audit.models import AuditEvent
from xinyong.demo.data import DEMO_PASSWORD, DEMO_USERS
from xinyong.lib.errors import DomainError

from .test_office_pages import field_error

WEAK = [
    # (user name, display name, password, what the message says)
    ("heidi", "", "1", "密码太短，至少需要 8 个字符"),
    ("heidi", "", "password123", "这个密码太常见了"),
    ("scjg-liaison", "", "scjg-liaison", "密码与用户名太相似"),
    ("liaison", "", "Liaison2026", "密码与用户名太相似"),
    ("heidi", "Zhang Weiming", "zhangweiming", "密码与姓名或机构名称太相似"),
]


def create(username: str, display: str, password: str) -> str:
    with pytest.raises(CommandError) as caught:
        call_command("user", "create", username, "--role", "office", "--password", password,
                     "--display-name", display, stdout=StringIO())
    return str(caught.value)


@pytest.mark.parametrize(("username", "display", "password", "says"), WEAK)
def test_cli_refuses_a_weak_password(
    db: Any, username: str, display: str, password: str, says: str
) -> None:
    message = create(username, display, password)
    assert message.startswith("--password：") and says in message, message
    assert not User.objects.exists() and not AuditEvent.objects.exists()


def test_cli_names_every_broken_rule(db: Any) -> None:
    message = create("heidi", "", "1")
    assert message == "--password：密码太短，至少需要 8 个字符。这个密码太常见了。"


def test_cli_accepts_a_good_password_and_no_password(institution: Any) -> None:
    call_command("user", "create", "heidi", "--role", "office", "--password", "Heidi-2026-pass",
                 stdout=StringIO())
    call_command("user", "create", "ivan", "--role", "institution", "--institution",
                 institution.code, stdout=StringIO())
    assert User.objects.get(username="heidi").check_password("Heidi-2026-pass")
    assert not User.objects.get(username="ivan").has_usable_password()


def test_service_error_names_the_password_field(unit: Unit) -> None:
    with pytest.raises(DomainError) as caught:
        create_user("frank", Role.DEPARTMENT, password="frank2026", unit_code=UNIT_CODE)
    assert caught.value.field == "password" and "用户名" in caught.value.msg


@pytest.mark.parametrize(("username", "display", "password", "says"), WEAK)
def test_office_form_refuses_a_weak_password(
    users: dict[str, User], web: Callable[..., Client], username: str, display: str,
    password: str, says: str,
) -> None:
    office = web(users[Role.OFFICE])
    response = office.post("/office/users/", {"username": username, "display_name": display,
                                              "role": Role.OFFICE, "password": password})
    assert response.status_code == 200
    assert says in field_error(response.content.decode(), "password")
    assert not User.objects.filter(username=username).exists()
    assert not AuditEvent.objects.exists()


def change_password(monkeypatch: pytest.MonkeyPatch, username: str, *typed: str) -> str:
    """Django's `xinyong changepassword NAME`, typing `typed` at each prompt."""
    answers = iter(typed)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    err = StringIO()
    call_command("changepassword", username, stdout=StringIO(), stderr=err)
    return err.getvalue()


def test_changepassword_applies_the_same_rules(
    users: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = users[Role.OFFICE]
    alice.display_name = "Zhang Weiming"
    alice.save()
    err = change_password(monkeypatch, "alice", "zhangweiming", "zhangweiming",
                          "Alice-new-2026", "Alice-new-2026")
    assert "密码与姓名或机构名称太相似" in err
    alice.refresh_from_db()
    assert alice.check_password("Alice-new-2026")


def test_demo_password_passes_the_rules_for_every_demo_user() -> None:
    for username, role, _, _, note in DEMO_USERS:
        validate_password(DEMO_PASSWORD, User(username=username, role=role, display_name=note))


def test_fixture_password_passes_the_rules(users: dict[str, User]) -> None:
    for user in users.values():
        validate_password(PASSWORD, user)
