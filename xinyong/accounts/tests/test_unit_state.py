"""The office deactivates and reactivates member units: a confirmation page that says what
follows, a reason, the audit log; the unit list shows each unit's state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import PASSWORD
from xinyong.accounts.models import ApiToken, Role, Unit, User
from xinyong.audit.models import AuditEvent

from .test_office_pages import field_error


@pytest.fixture
def office(users: dict[str, User], web: Callable[..., Client]) -> Client:
    return web(users[Role.OFFICE])


def row_of(html: str, unit: Unit) -> str:
    for row in html.split("<tr")[1:]:
        if unit.code in row:
            return row.split("</tr>")[0]
    raise AssertionError(f"no row for {unit.code}")


def test_the_list_shows_the_state_and_the_action(office: Client, unit: Unit, other_unit: Unit
                                                 ) -> None:
    Unit.objects.filter(pk=other_unit.pk).update(is_active=False)
    html = office.get("/office/units/").content.decode()
    active, inactive = row_of(html, unit), row_of(html, other_unit)
    assert "启用中" in active and f'href="/office/units/{unit.pk}/deactivate/"' in active
    assert "已停用" in inactive and f'href="/office/units/{other_unit.pk}/reactivate/"' in inactive
    assert "/deactivate/" not in inactive and "/reactivate/" not in active


def test_the_user_list_marks_users_of_a_deactivated_unit(
    office: Client, users: dict[str, User], unit: Unit
) -> None:
    assert "单位已停用" not in office.get("/office/users/").content.decode()
    Unit.objects.filter(pk=unit.pk).update(is_active=False)
    html = office.get("/office/users/").content.decode()
    bob = next(row for row in html.split("<tr>") if ">bob</td>" in row)
    assert "市场监督管理局" in bob and "单位已停用" in bob


def test_the_token_list_marks_tokens_of_a_deactivated_unit(
    office: Client, users: dict[str, User], unit: Unit
) -> None:
    token, _ = ApiToken.issue(users[Role.DEPARTMENT], "报送系统")
    Unit.objects.filter(pk=unit.pk).update(is_active=False)
    html = office.get("/office/tokens/").content.decode()
    row = next(r for r in html.split("<tr>") if f"{token.prefix}…" in r)
    assert "单位已停用" in row and ">有效<" not in row


def test_the_confirmation_page_says_what_follows(office: Client, users: dict[str, User],
                                                 unit: Unit) -> None:
    ApiToken.issue(users[Role.DEPARTMENT], "报送系统")
    response = office.get(f"/office/units/{unit.pk}/deactivate/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "停用成员单位：市场监督管理局" in html and unit.code in html
    assert "1 个用户不能登录" in html and "1 个接口令牌" in html
    assert 'name="reason"' in html and "确认停用" in html
    assert Unit.objects.get(pk=unit.pk).is_active and not AuditEvent.objects.exists()


def test_deactivate_with_a_reason(office: Client, users: dict[str, User], unit: Unit,
                                  web: Callable[..., Client]) -> None:
    bob = web(users[Role.DEPARTMENT])
    response = office.post(f"/office/units/{unit.pk}/deactivate/",
                           {"reason": "机构改革，职能并入市场监管总局"}, REMOTE_ADDR="10.0.0.5")
    assert response.status_code == 302 and response["Location"] == "/office/units/"
    unit.refresh_from_db()
    assert not unit.is_active
    page = office.get("/office/units/").content.decode()
    assert "已停用成员单位：市场监督管理局" in page
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.via, event.ip) == (
        "unit.deactivate", users[Role.OFFICE], "web", "10.0.0.5")
    assert event.object_id == str(unit.pk)
    assert "市场监督管理局" in event.summary and "机构改革，职能并入市场监管总局" in event.summary
    assert event.detail["reason"] == "机构改革，职能并入市场监管总局"
    # Its user's open session is refused from now on.
    assert bob.get("/records/")["Location"].startswith("/login/")


def test_reactivate_with_a_reason(office: Client, users: dict[str, User], unit: Unit) -> None:
    Unit.objects.filter(pk=unit.pk).update(is_active=False)
    html = office.get(f"/office/units/{unit.pk}/reactivate/").content.decode()
    assert "启用成员单位：市场监督管理局" in html and "确认启用" in html
    response = office.post(f"/office/units/{unit.pk}/reactivate/", {"reason": "误停用，恢复"})
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.is_active
    event = AuditEvent.objects.get()
    assert event.action == "unit.reactivate" and "误停用，恢复" in event.summary
    assert "已启用成员单位：市场监督管理局" in office.get("/office/units/").content.decode()
    assert Client().post("/login/", {"username": "bob", "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(office: Client, unit: Unit, reason: str) -> None:
    response = office.post(f"/office/units/{unit.pk}/deactivate/", {"reason": reason})
    assert response.status_code == 200
    assert "这个字段是必填项" in field_error(response.content.decode(), "reason")
    assert Unit.objects.get(pk=unit.pk).is_active and not AuditEvent.objects.exists()


def test_repeating_the_action_changes_nothing(office: Client, unit: Unit) -> None:
    office.post(f"/office/units/{unit.pk}/deactivate/", {"reason": "撤并"})
    again = office.post(f"/office/units/{unit.pk}/deactivate/", {"reason": "撤并"})
    assert again.status_code == 302
    assert "已是停用状态" in office.get("/office/units/").content.decode()
    assert AuditEvent.objects.count() == 1
    # The confirmation page of an action that is done already leads back to the list.
    assert office.get(f"/office/units/{unit.pk}/deactivate/")["Location"] == "/office/units/"


@pytest.mark.parametrize("action", ["deactivate", "reactivate"])
@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION])
def test_only_the_office(users: dict[str, User], web: Callable[..., Client], unit: Unit,
                         other_unit: Unit, role: str, action: str) -> None:
    client = web(users[role])
    path = f"/office/units/{other_unit.pk}/{action}/"
    assert client.get(path).status_code == 403
    assert client.post(path, {"reason": "x"}).status_code == 403
    assert Client().post(path, {"reason": "x"})["Location"].startswith("/login/")
    assert Unit.objects.get(pk=other_unit.pk).is_active and not AuditEvent.objects.exists()


def test_unknown_unit_is_404(office: Client, unit: Any) -> None:
    assert office.get("/office/units/999999/deactivate/").status_code == 404
    assert office.post("/office/units/999999/reactivate/", {"reason": "x"}).status_code == 404
