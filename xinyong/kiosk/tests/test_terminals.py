"""Terminals: registered by the office (token shown once, stored hashed), enrolled once in a
browser (an HttpOnly, SameSite=Strict cookie), revoked at once; pages refuse other roles."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from xinyong.accounts.models import Role, User
from xinyong.audit.models import AuditEvent
from xinyong.kiosk import services
from xinyong.kiosk.models import Terminal
from xinyong.kiosk.tests.conftest import PLACE, terminal_client
from xinyong.kiosk.views import COOKIE
from xinyong.lib.errors import DomainError


def stored_rows() -> str:
    table = connection.ops.quote_name(Terminal._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
        return repr(cursor.fetchall())


def test_a_terminal_token_is_shown_once_and_stored_hashed(registered: tuple[Terminal, str],
                                                          office: User) -> None:
    terminal, raw = registered
    assert raw.startswith("kt_") and len(raw) > 40
    assert raw not in stored_rows()
    assert terminal.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(terminal.prefix) and len(terminal.prefix) < len(raw) / 3
    assert terminal.place == PLACE and terminal.registered_by == office
    event = AuditEvent.objects.get(action="kiosk.register")
    assert event.actor == office and event.object_id == str(terminal.pk)
    assert raw not in event.summary and PLACE in event.summary


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION])
def test_only_the_office_registers_and_revokes(users: dict[str, User], terminal: Terminal,
                                               role: str) -> None:
    with pytest.raises(DomainError) as refused:
        services.register_terminal("x", "y", actor=users[role])
    assert refused.value.status == 403
    with pytest.raises(DomainError):
        services.revoke_terminal(terminal, actor=users[role])
    terminal.refresh_from_db()
    assert terminal.is_active


@pytest.mark.parametrize(("name", "place", "field"), [("", PLACE, "name"), ("1 号机", "  ", "place"),
                                                       ("x" * 101, PLACE, "name")])
def test_a_terminal_needs_a_name_and_a_place(office: User, name: str, place: str, field: str) -> None:
    with pytest.raises(DomainError) as refused:
        services.register_terminal(name, place, actor=office)
    assert refused.value.field == field
    assert not Terminal.objects.exists()


def test_the_office_page_registers_lists_and_revokes(web: Any, office: User) -> None:
    client = web(office)
    page = client.get("/kiosk/terminals/")
    assert page.status_code == 200 and "登记终端" in page.content.decode()
    made = client.post("/kiosk/terminals/", {"name": "二楼 2 号机", "place": "政务服务中心二楼"})
    html = made.content.decode()
    terminal = Terminal.objects.get()
    assert made.status_code == 200 and 'data-testid="new-terminal-token"' in html
    assert "no-store" in made["Cache-Control"]
    raw = html.split('translate="no">kt_', 1)[1].split("<", 1)[0]
    assert terminal.digest == hashlib.sha256(f"kt_{raw}".encode()).hexdigest()
    again = client.get("/kiosk/terminals/").content.decode()
    assert f"kt_{raw}" not in again and terminal.prefix in again and "政务服务中心二楼" in again
    # Registering with a blank place is refused beside the field.
    blank = client.post("/kiosk/terminals/", {"name": "3 号机", "place": ""})
    assert "请填写放置地点" in blank.content.decode() and Terminal.objects.count() == 1

    revoked = client.post(f"/kiosk/terminals/{terminal.pk}/revoke/", follow=True)
    assert revoked.status_code == 200 and "已停用终端" in revoked.content.decode()
    terminal.refresh_from_db()
    assert terminal.revoked_at is not None
    assert AuditEvent.objects.filter(action="kiosk.revoke", object_id=str(terminal.pk)).count() == 1
    # Revoking twice changes nothing and records nothing more.
    client.post(f"/kiosk/terminals/{terminal.pk}/revoke/")
    assert AuditEvent.objects.filter(action="kiosk.revoke").count() == 1


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION])
def test_the_office_pages_refuse_other_roles(web: Any, users: dict[str, User], terminal: Terminal,
                                             role: str) -> None:
    client = web(users[role])
    assert client.get("/kiosk/terminals/").status_code == 403
    assert client.post("/kiosk/terminals/", {"name": "x", "place": "y"}).status_code == 403
    assert client.post(f"/kiosk/terminals/{terminal.pk}/revoke/").status_code == 403
    assert Terminal.objects.count() == 1 and Terminal.objects.get().is_active


def test_the_office_pages_send_the_anonymous_to_log_in(terminal: Terminal) -> None:
    client = Client()
    for response in (client.get("/kiosk/terminals/"),
                     client.post(f"/kiosk/terminals/{terminal.pk}/revoke/")):
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    terminal.refresh_from_db()
    assert terminal.is_active


def test_enrolment_stores_the_token_in_a_strict_http_only_cookie(
        registered: tuple[Terminal, str], settings: Any) -> None:
    terminal, raw = registered
    client = Client()
    form = client.get("/kiosk/enrol/")
    assert form.status_code == 200 and "启用自助服务终端" in form.content.decode()
    assert "no-store" in form["Cache-Control"]
    wrong = client.post("/kiosk/enrol/", {"token": raw[:-2] + "xx"})
    assert wrong.status_code == 422 and "终端令牌不正确" in wrong.content.decode()
    assert COOKIE not in wrong.cookies

    done = client.post("/kiosk/enrol/", {"token": f"  {raw} "})
    assert done.status_code == 302 and done["Location"] == "/kiosk/"
    cookie = done.cookies[COOKIE]
    assert cookie.value == raw
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/kiosk/"
    assert int(cookie["max-age"]) >= 365 * 24 * 3600
    assert not cookie["secure"]
    assert client.get("/kiosk/").status_code == 200
    event = AuditEvent.objects.get(action="kiosk.enrol")
    assert event.object_id == str(terminal.pk) and raw not in event.summary

    settings.SESSION_COOKIE_SECURE = True
    secure = Client().post("/kiosk/enrol/", {"token": raw})
    assert secure.cookies[COOKIE]["secure"]


def test_the_enrolment_screen_names_an_enrolled_terminal(kiosk: Client, terminal: Terminal) -> None:
    html = kiosk.get("/kiosk/enrol/").content.decode()
    assert "本终端已启用" in html and terminal.name in html


@pytest.mark.parametrize("path", ["/kiosk/", "/kiosk/print/no-such-ticket/"])
def test_without_a_terminal_cookie_every_screen_is_the_enrolment_screen(
        db: Any, path: str) -> None:
    for client in (Client(), terminal_client("kt_not-a-terminal")):
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code == 403 and 'data-testid="enrol"' in html
        assert 'name="code"' not in html and "no-store" in response["Cache-Control"]
    assert 'data-testid="enrol-refused"' in terminal_client("kt_x").get(path).content.decode()


def test_a_revoked_terminal_stops_at_once(registered: tuple[Terminal, str], kiosk: Client,
                                          office: User, code_for: Any) -> None:
    terminal, raw = registered
    assert kiosk.get("/kiosk/").status_code == 200
    code = code_for()
    services.revoke_terminal(terminal, actor=office)
    start = kiosk.get("/kiosk/")
    assert start.status_code == 403 and 'data-testid="enrol-refused"' in start.content.decode()
    assert start.cookies[COOKIE].value == ""  # the dead token is forgotten
    kiosk.cookies[COOKIE] = raw  # and refused when it comes again
    posted = kiosk.post("/kiosk/", {"code": code})
    assert posted.status_code == 403 and 'data-testid="enrol"' in posted.content.decode()
    with pytest.raises(DomainError) as refused:
        services.redeem(terminal, code)
    assert refused.value.status == 403
    assert not AuditEvent.objects.filter(action="kiosk.redeem").exists()


def test_a_revoked_token_is_refused_when_presented_again(registered: tuple[Terminal, str],
                                                         office: User, code_for: Any) -> None:
    terminal, raw = registered
    services.revoke_terminal(terminal, actor=office)
    code = code_for()
    response = terminal_client(raw).post("/kiosk/", {"code": code})
    assert response.status_code == 403
    assert services.terminal_for_token(raw) is None
    assert Client().post("/kiosk/enrol/", {"token": raw}).status_code == 422


def test_last_seen_is_noted_at_most_once_a_minute(kiosk: Client, terminal: Terminal) -> None:
    assert terminal.last_seen_at is None
    kiosk.get("/kiosk/")
    terminal.refresh_from_db()
    first = terminal.last_seen_at
    assert first is not None
    kiosk.get("/kiosk/")
    terminal.refresh_from_db()
    assert terminal.last_seen_at == first
    stale = timezone.now() - dt.timedelta(minutes=2)
    Terminal.objects.filter(pk=terminal.pk).update(last_seen_at=stale)
    kiosk.get("/kiosk/")
    terminal.refresh_from_db()
    assert terminal.last_seen_at > stale


def test_terminals_are_the_office_s_only(users: dict[str, User], terminal: Terminal) -> None:
    assert list(Terminal.objects.visible_to(users[Role.OFFICE])) == [terminal]
    for role in (Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION):
        assert not Terminal.objects.visible_to(users[role]).exists()
