"""The audit log is append-only (model and database), records who/what/when/where, and the
office can browse and filter it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, transaction
from django.test import Client, RequestFactory
from django.utils import timezone

from xinyong.accounts.models import Role, User
from xinyong.audit.models import AppendOnlyError, AuditEvent, record

TABLE = AuditEvent._meta.db_table
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def event(db: Any) -> AuditEvent:
    return record("test.event", summary="原始摘要")


def stored_summary(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT summary FROM {TABLE} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


# Append-only


def test_saving_an_existing_event_raises(event: AuditEvent) -> None:
    event.summary = "改过的"
    with pytest.raises(AppendOnlyError, match="只能追加"):
        event.save()
    assert stored_summary(event.pk) == "原始摘要"


def test_deleting_an_event_raises(event: AuditEvent) -> None:
    with pytest.raises(AppendOnlyError, match="只能追加"):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_database_refuses_raw_update(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET summary = %s WHERE id = %s",  # noqa: S608
                       ["改过的", event.pk])
    assert stored_summary(event.pk) == "原始摘要"


def test_database_refuses_queryset_update(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(summary="改过的")
    assert stored_summary(event.pk) == "原始摘要"


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite keeps DELETE for the test runner's flush (see 0002)")
def test_postgresql_refuses_raw_delete(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])  # noqa: S608
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


# What an event holds


def test_record_from_a_request(users: dict[str, User]) -> None:
    request = RequestFactory().post("/office/units/", REMOTE_ADDR="198.51.100.9")
    request.user = users[Role.OFFICE]
    before = timezone.now()
    event = record("unit.create", request=request, obj=users[Role.DEPARTMENT].unit,
                   summary="新建成员单位 市场监督管理局", detail={"k": "v"})
    event.refresh_from_db()
    assert event.actor == users[Role.OFFICE]
    assert event.actor_label == "alice（信用办）"
    assert event.at >= before and event.ip == "198.51.100.9" and event.via == "web"
    assert (event.object_type, event.object_id) == ("accounts.unit",
                                                     str(users[Role.DEPARTMENT].unit_id))
    assert event.detail == {"k": "v"}


def test_department_actor_label_names_the_unit(users: dict[str, User]) -> None:
    event = record("x", actor=users[Role.DEPARTMENT])
    assert event.actor_label == "bob（成员单位·市场监督管理局）"


def test_anonymous_and_command_line(db: Any) -> None:
    request = RequestFactory().post("/api/v1/subjects/lookup")
    request.user = AnonymousUser()
    api_event = record("subject.lookup", request=request)
    assert api_event.actor is None and api_event.actor_label == "匿名访客"
    assert api_event.via == "api" and api_event.ip == "127.0.0.1"
    cli_event = record("unit.create")
    assert cli_event.via == "cli" and cli_event.ip is None and cli_event.actor_label == "系统（命令行）"


def test_forwarded_for_only_when_trusted(db: Any, settings: Any) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1",
                                   HTTP_X_FORWARDED_FOR="203.0.113.5, 10.0.0.1")
    assert record("x", request=request).ip == "10.0.0.1"
    settings.TRUST_X_FORWARDED_FOR = True
    assert record("x", request=request).ip == "203.0.113.5"


def test_long_summary_is_cut_not_refused(db: Any) -> None:
    assert len(record("x", summary="长" * 600).summary) == 500


# The office's page


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


@pytest.fixture
def history(users: dict[str, User]) -> None:
    office, bob = users[Role.OFFICE], users[Role.DEPARTMENT]
    rows = [
        (at("2026-03-01"), office, "unit.create", "新建成员单位 发展和改革局"),
        (at("2026-03-02", 23), bob, "subject.lookup", "按身份证号码查找 110105********002X"),
        (at("2026-03-03", 0), office, "token.create", "为 bob 创建接口令牌 xy_abcdef…"),
        (at("2026-03-04"), office, "token.revoke", "吊销 bob 的接口令牌 xy_abcdef…"),
    ]
    for when, actor, action, summary in rows:
        with mock.patch("django.utils.timezone.now", return_value=when):
            record(action, actor=actor, summary=summary)


def listed(client: Client, query: str = "") -> list[str]:
    response = client.get(f"/office/audit/{query}")
    assert response.status_code == 200
    html = response.content.decode()
    return [action for action in ("unit.create", "subject.lookup", "token.create",
                                  "token.revoke") if f'data-action="{action}"' in html]


@pytest.fixture
def office(users: dict[str, User], web: Callable[..., Client]) -> Client:
    return web(users[Role.OFFICE])


def test_office_lists_events_newest_first(office: Client, history: None) -> None:
    html = office.get("/office/audit/").content.decode()
    assert html.index('data-action="token.revoke"') < html.index('data-action="unit.create"')
    assert "2026-03-01 10:00:00" in html and "alice（信用办）" in html
    assert "共 4 条" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?action=token", ["token.create", "token.revoke"]),
        ("?action=subject.lookup", ["subject.lookup"]),
        ("?actor=bob", ["subject.lookup"]),
        ("?actor=信用办", ["unit.create", "token.create", "token.revoke"]),
        ("?q=身份证", ["subject.lookup"]),
        ("?q=xy_abcdef", ["token.create", "token.revoke"]),
        # Dates are the office's (Asia/Shanghai): 23:00 on 03-02 is still 03-02.
        ("?since=2026-03-02&until=2026-03-02", ["subject.lookup"]),
        ("?since=2026-03-03", ["token.create", "token.revoke"]),
        ("?until=2026-03-01", ["unit.create"]),
        ("?action=token&until=2026-03-03", ["token.create"]),
        ("?actor=nobody", []),
    ],
)
def test_office_filters(office: Client, history: None, query: str, expected: list[str]) -> None:
    assert sorted(listed(office, query)) == sorted(expected)


def test_filter_keeps_its_values_and_pages_keep_the_filter(
    office: Client, users: dict[str, User]
) -> None:
    for i in range(55):
        record("token.create", actor=users[Role.OFFICE], summary=f"第 {i} 个")
    html = office.get("/office/audit/?action=token").content.decode()
    assert 'value="token"' in html and "共 55 条" in html
    assert 'href="?action=token&amp;page=2"' in html
    second = office.get("/office/audit/?action=token&page=2").content.decode()
    assert "第 2 / 2 页" in second


def test_bad_dates_say_so_not_500(office: Client, history: None) -> None:
    response = office.get("/office/audit/?since=2026-13-45")
    assert response.status_code == 200
    html = response.content.decode()
    assert "is-invalid" in html and "没有符合条件的记录" in html
    assert office.get("/office/audit/?page=abc").status_code == 200


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION])
def test_audit_page_403_for_other_roles(
    users: dict[str, User], web: Callable[..., Client], role: str
) -> None:
    assert web(users[role]).get("/office/audit/").status_code == 403


def test_audit_page_asks_the_anonymous_to_log_in(db: Any) -> None:
    assert Client().get("/office/audit/")["Location"] == "/login/?next=/office/audit/"
