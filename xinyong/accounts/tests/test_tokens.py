"""API tokens: stored hashed, shown once, revocable (then 401), last use recorded, audited."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.utils import timezone

from conftest import ORG_CODE, ApiClient
from xinyong.accounts.auth import LAST_USED_RESOLUTION
from xinyong.accounts.models import ApiToken, Role, User
from xinyong.accounts.services import issue_token, revoke_token
from xinyong.audit.models import AuditEvent

LOOKUP = "/api/v1/subjects/lookup"


def stored_token_rows() -> str:
    """Every column of every stored token, as the database returns it."""
    table = connection.ops.quote_name(ApiToken._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
        return repr(cursor.fetchall())


def test_token_is_stored_hashed(users: dict[str, User]) -> None:
    token, raw = ApiToken.issue(users[Role.OFFICE], "对接系统")
    assert raw.startswith("xy_") and len(raw) > 40
    assert raw not in stored_token_rows()
    token.refresh_from_db()
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(token.prefix) and len(token.prefix) < len(raw) / 3
    assert str(token) == f"{token.prefix}…（对接系统）"


def test_each_token_is_new(users: dict[str, User]) -> None:
    raws = {ApiToken.issue(users[Role.OFFICE], "x")[1] for _ in range(5)}
    assert len(raws) == 5


def test_token_authenticates_its_user(
    users: dict[str, User], organization: Any
) -> None:
    _, raw = ApiToken.issue(users[Role.DEPARTMENT], "报送系统")
    response = ApiClient(raw).post_json(LOOKUP, {"code": "11010519491231002X"})
    # Departments may look persons up (404: not on file); the anonymous get 403.
    assert response.status_code == 404
    assert ApiClient().post_json(LOOKUP, {"code": "11010519491231002X"}).status_code == 403


def test_last_used_at_is_recorded(users: dict[str, User], organization: Any) -> None:
    token, raw = ApiToken.issue(users[Role.OFFICE], "x")
    assert token.last_used_at is None
    before = timezone.now()
    assert ApiClient(raw).post_json(LOOKUP, {"code": ORG_CODE}).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at >= before


def test_last_used_at_is_written_at_most_once_a_minute(
    users: dict[str, User], organization: Any
) -> None:
    token, raw = ApiToken.issue(users[Role.OFFICE], "x")
    recent = timezone.now() - LAST_USED_RESOLUTION / 2
    stale = timezone.now() - LAST_USED_RESOLUTION - dt.timedelta(seconds=5)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    ApiClient(raw).post_json(LOOKUP, {"code": ORG_CODE})
    token.refresh_from_db()
    assert token.last_used_at == recent
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    ApiClient(raw).post_json(LOOKUP, {"code": ORG_CODE})
    token.refresh_from_db()
    assert token.last_used_at > recent


def test_revoked_token_is_401(users: dict[str, User], organization: Any) -> None:
    token, raw = issue_token(users[Role.OFFICE], "x", actor=users[Role.OFFICE], via="web")
    assert ApiClient(raw).post_json(LOOKUP, {"code": ORG_CODE}).status_code == 200
    revoke_token(token, actor=users[Role.OFFICE])
    response = ApiClient(raw).post_json(LOOKUP, {"code": ORG_CODE})
    assert response.status_code == 401
    assert response.json() == {"detail": "令牌无效、已吊销或已过期"}
    assert not token.is_active


def test_revoking_twice_keeps_the_first_time(users: dict[str, User]) -> None:
    token, _ = ApiToken.issue(users[Role.OFFICE], "x")
    token.revoke()
    first = token.revoked_at
    token.revoke()
    token.refresh_from_db()
    assert token.revoked_at == first


def test_other_tokens_of_the_user_keep_working(
    users: dict[str, User], organization: Any
) -> None:
    old, old_raw = ApiToken.issue(users[Role.OFFICE], "旧")
    _, new_raw = ApiToken.issue(users[Role.OFFICE], "新")
    old.revoke()
    assert ApiClient(old_raw).post_json(LOOKUP, {"code": ORG_CODE}).status_code == 401
    assert ApiClient(new_raw).post_json(LOOKUP, {"code": ORG_CODE}).status_code == 200


def test_token_create_and_revoke_are_audited(users: dict[str, User]) -> None:
    office, bob = users[Role.OFFICE], users[Role.DEPARTMENT]
    token, raw = issue_token(bob, "报送系统", actor=office, via="web")
    revoke_token(token, actor=office)
    created, revoked = AuditEvent.objects.order_by("id")
    assert (created.action, created.actor, created.via) == ("token.create", office, "web")
    assert (revoked.action, revoked.actor) == ("token.revoke", office)
    assert created.object_id == revoked.object_id == str(token.pk)
    assert token.prefix in created.summary and "bob" in created.summary
    assert raw not in repr(list(AuditEvent.objects.values()))


def test_web_shows_a_new_token_once(
    users: dict[str, User], web: Callable[..., Client]
) -> None:
    office = web(users[Role.OFFICE])
    response = office.post("/office/tokens/", {"user": users[Role.DEPARTMENT].pk,
                                               "name": "报送系统"})
    assert response.status_code == 200
    token = ApiToken.objects.get(name="报送系统")
    html = response.content.decode()
    raw = html.split('<div class="token-once mt-2 p-2 bg-white border rounded">')[1].split("<")[0]
    assert raw.startswith(token.prefix) and token.digest == hashlib.sha256(raw.encode()
                                                                            ).hexdigest()
    assert "只显示这一次" in html and response["Cache-Control"] == "no-store"
    assert token.user == users[Role.DEPARTMENT] and token.created_by == users[Role.OFFICE]
    again = office.get("/office/tokens/").content.decode()
    assert raw not in again and f"{token.prefix}…" in again
    assert ApiClient(raw).get("/api/v1/health").status_code == 200
