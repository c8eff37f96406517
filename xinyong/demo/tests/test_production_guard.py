"""The demo accounts have a published password: `xinyong demo` refuses to load them with
XINYONG_DEBUG off unless forced, and while any of them still accepts that password the
office's home page says so, naming them."""

from __future__ import annotations

import re
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from xinyong.accounts.models import Role, Unit, User
from xinyong.demo.data import DEMO_PASSWORD, DEMO_USERS
from xinyong.subjects.models import Subject

DEMO_NAMES = [username for username, *_ in DEMO_USERS]


def demo(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_demo_refuses_to_run_with_debug_off(db: Any, settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError) as caught:
        demo()
    message = str(caught.value)
    assert "XINYONG_DEBUG" in message and "--force" in message
    assert "密码是公开的" in message and "生产环境" in message
    assert DEMO_PASSWORD not in message
    assert not (Unit.objects.exists() or User.objects.exists() or Subject.objects.exists())


def test_demo_runs_when_forced_and_warns(db: Any, settings: Any) -> None:
    settings.DEBUG = False
    out, err = demo("--force")
    assert User.objects.filter(username__in=DEMO_NAMES).count() == len(DEMO_NAMES)
    assert DEMO_PASSWORD in out
    assert "--force" in err and "上线前" in err


def test_demo_runs_with_debug_on(db: Any, settings: Any) -> None:
    settings.DEBUG = True
    _, err = demo()
    assert User.objects.filter(username__in=DEMO_NAMES).count() == len(DEMO_NAMES)
    assert err == ""


def warning(client: Client) -> str:
    html = client.get("/").content.decode()
    found = re.search(r'<div class="alert alert-danger[^"]*" data-testid="demo-accounts".*?</div>',
                      html, re.S)
    return found.group(0) if found else ""


@pytest.fixture
def loaded(db: Any) -> None:
    demo("--force")


@pytest.fixture
def office(loaded: None, web: Callable[..., Client]) -> Client:
    return web(User.objects.get(username="office"))


def test_office_home_names_the_demo_accounts(office: Client) -> None:
    text = warning(office)
    assert text, "no warning on the office's home page"
    for name in DEMO_NAMES:
        assert f'<code translate="no">{name}</code>' in text
    assert "公开的演示密码" in text and "正式上线前" in text
    assert "xinyong changepassword" in text


@pytest.mark.parametrize("username", ["scjg", "kangning", "bank"])
def test_other_roles_and_the_public_see_no_warning(loaded: None, web: Callable[..., Client],
                                                   username: str) -> None:
    assert warning(web(User.objects.get(username=username))) == ""
    assert warning(Client()) == ""


def test_a_changed_password_or_deactivated_account_is_no_longer_named(
    office: Client, make_user: Callable[..., User], web: Callable[..., Client]
) -> None:
    bank = User.objects.get(username="bank")
    bank.set_password("Bank-new-password-2026")
    bank.save()
    User.objects.filter(username="kangning").update(is_active=False)
    text = warning(office)
    assert '<code translate="no">office</code>' in text and '<code translate="no">scjg</code>' in text
    assert '<code translate="no">bank</code>' not in text
    assert '<code translate="no">kangning</code>' not in text
    for name in ("office", "scjg", "tcny", "loujiang"):
        user = User.objects.get(username=name)
        user.set_password(f"{name}-new-password-2026")
        user.save()
    # (The demo office user's session ended with its password; another office user looks.)
    assert warning(web(make_user("alice", Role.OFFICE))) == ""


def test_an_account_named_like_a_demo_one_is_not_named(
    make_user: Callable[..., User], web: Callable[..., Client]
) -> None:
    # Made by the office with its own password, not by `xinyong demo`.
    office = make_user("office", Role.OFFICE)
    assert warning(web(office)) == ""
