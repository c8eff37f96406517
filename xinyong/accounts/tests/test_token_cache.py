"""The token look-up's cache (issue 19): the user of a token is built once and reused while
its row is unchanged, but the look-up itself runs on every call, so a revocation or a
deactivation, however made (the model, update(), plain SQL as another process would), is
refused on the very next call; and a change to the user, its unit or its institution is
seen on the next call."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from conftest import ORG_CODE, ApiClient
from xinyong.accounts import auth
from xinyong.accounts.auth import user_for_token
from xinyong.accounts.models import ApiToken, Institution, Role, Unit, User

LOOKUP = "/api/v1/subjects/lookup"


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How often a user was built from its row, by user id."""
    built: list[int] = []
    real = auth._build

    def counting(row: tuple[Any, ...]) -> User:
        user = real(row)
        built.append(user.pk)
        return user

    monkeypatch.setattr(auth, "_build", counting)
    yield built


def ok(raw: str) -> bool:
    status = ApiClient(raw).post_json(LOOKUP, {"code": ORG_CODE}).status_code
    assert status in (200, 401), status
    return status == 200


def sql(statement: str, params: list[Any]) -> None:
    """A change made behind the ORM's back, as another process or a script would."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_the_user_is_built_once_while_nothing_changes(users: dict[str, User],
                                                      builds: list[int]) -> None:
    _, raw = ApiToken.issue(users[Role.DEPARTMENT], "x")
    first, second, third = (user_for_token(raw) for _ in range(3))
    assert first == second == third == users[Role.DEPARTMENT]
    assert builds == [users[Role.DEPARTMENT].pk]


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.INSTITUTION, Role.SUBJECT])
def test_the_built_user_is_the_one_the_orm_loads(users: dict[str, User], role: Role) -> None:
    _, raw = ApiToken.issue(users[role], "x")
    built = user_for_token(raw)
    loaded = User.objects.select_related("unit", "institution").get(pk=users[role].pk)
    for model, a, b in ((User, built, loaded), (Unit, built.unit, loaded.unit),  # type: ignore[union-attr]
                        (Institution, built.institution, loaded.institution)):  # type: ignore[union-attr]
        if b is None:
            assert a is None
            continue
        for f in model._meta.concrete_fields:  # the same values, of the same types
            assert getattr(a, f.attname) == getattr(b, f.attname), f.name
            assert type(getattr(a, f.attname)) is type(getattr(b, f.attname)), f.name
        assert not a._state.adding and a._state.db == b._state.db


def test_each_call_gets_its_own_user(users: dict[str, User]) -> None:
    _, raw = ApiToken.issue(users[Role.DEPARTMENT], "x")
    first = user_for_token(raw)
    assert first is not None
    first.first_name = "改过"
    second = user_for_token(raw)
    assert second is not None and second is not first and second.first_name != "改过"


def test_the_unit_comes_with_the_user(users: dict[str, User],
                                      django_assert_num_queries: Any) -> None:
    _, raw = ApiToken.issue(users[Role.DEPARTMENT], "x")
    user_for_token(raw)  # writes last_used_at once
    with django_assert_num_queries(1):
        user = user_for_token(raw)
        assert user is not None and user.unit is not None
        assert user.unit.region == users[Role.DEPARTMENT].unit.region
        assert user.institution is None


@pytest.mark.parametrize("how", ["model", "update", "sql"])
def test_a_revoked_token_is_refused_on_the_next_call(
        users: dict[str, User], organization: Any, how: str) -> None:
    token, raw = ApiToken.issue(users[Role.OFFICE], "x")
    assert ok(raw) and ok(raw)  # looked up and its user built: cached
    if how == "model":
        token.revoke()
    elif how == "update":
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.created_at)
    else:
        sql(f"UPDATE {ApiToken._meta.db_table} SET revoked_at = created_at WHERE id = %s",  # noqa: S608
            [token.pk])
    assert not ok(raw)
    assert user_for_token(raw) is None


@pytest.mark.parametrize("what", ["user", "unit", "institution"])
def test_a_deactivation_is_refused_on_the_next_call(
        users: dict[str, User], organization: Any, what: str) -> None:
    user = users[Role.INSTITUTION] if what == "institution" else users[Role.DEPARTMENT]
    _, raw = ApiToken.issue(user, "x")
    assert ok(raw)
    model = {"user": User, "unit": Unit, "institution": Institution}[what]
    pk = {"user": user.pk, "unit": user.unit_id, "institution": user.institution_id}[what]
    sql(f"UPDATE {model._meta.db_table} SET is_active = %s WHERE id = %s", [False, pk])  # noqa: S608
    assert user_for_token(raw) is None
    sql(f"UPDATE {model._meta.db_table} SET is_active = %s WHERE id = %s", [True, pk])  # noqa: S608
    assert user_for_token(raw) == user


def test_a_changed_user_or_unit_is_seen_on_the_next_call(
        users: dict[str, User], builds: list[int], api: Callable[..., Any]) -> None:
    bob = users[Role.DEPARTMENT]
    _, raw = ApiToken.issue(bob, "x")
    assert user_for_token(raw).first_name == bob.first_name  # type: ignore[union-attr]
    User.objects.filter(pk=bob.pk).update(first_name="新名")
    assert user_for_token(raw).first_name == "新名"  # type: ignore[union-attr]
    Unit.objects.filter(pk=bob.unit_id).update(region="350199")
    assert user_for_token(raw).unit.region == "350199"  # type: ignore[union-attr]
    User.objects.filter(pk=bob.pk).update(role=Role.OFFICE, unit=None)
    again = user_for_token(raw)
    assert again is not None and again.role == Role.OFFICE and again.unit is None
    assert len(builds) == 4


def test_a_token_of_a_deleted_user_is_refused(users: dict[str, User],
                                              make_user: Callable[..., User]) -> None:
    temp = make_user("temp", Role.OFFICE)
    _, raw = ApiToken.issue(temp, "x")
    assert user_for_token(raw) == temp
    temp.delete()
    assert user_for_token(raw) is None
