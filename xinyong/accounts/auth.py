"""API authentication: bearer tokens, and the role checks every endpoint makes."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import HttpBearer

from xinyong.accounts.models import ApiToken, Institution, Role, Unit, User, hash_token
from xinyong.lib import pii
from xinyong.lib.prepared import Statement
from xinyong.subjects import codes

# last_used_at is written at most this often per token, so reads do not all become writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _columns(model: Any, alias: str) -> str:
    return ", ".join(f"{alias}.{f.column}" for f in model._meta.concrete_fields)


# The user, the token's id, whether last_used_at is due for a write (the database says: no
# datetime conversion here), and the user's member unit and institution (NULLs if none),
# whose regions the checks need: one indexed look-up, prepared on each connection
# (lib/prepared.py; planning it cost 0.49 ms against 0.02 ms to run it). Columns are named,
# never `*`, so a column added by a migration does not change a prepared result.
_TOKEN_USER = Statement("token_user", (
    f"SELECT {_columns(User, 'u')}, t.id, "  # noqa: S608 (names from the models only)
    f"{_columns(Unit, 'n')}, {_columns(Institution, 'i')}, "
    "(t.last_used_at IS NULL OR t.last_used_at < %s) "
    f"FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id "
    # A department user's member unit must be active too (a deactivated unit's tokens: 401).
    f"LEFT JOIN {Unit._meta.db_table} n ON n.id = u.unit_id "
    # ... and an institution's user's institution (信易贷).
    f"LEFT JOIN {Institution._meta.db_table} i ON i.id = u.institution_id "
    "WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active "
    "AND (u.unit_id IS NULL OR n.is_active) AND (u.institution_id IS NULL OR i.is_active)"))
_USER_WIDTH, _UNIT_WIDTH = len(User._meta.concrete_fields), len(Unit._meta.concrete_fields)

# The users of live tokens, by token digest, with the row they were built from: a request
# whose look-up returns the same row reuses the built user instead of constructing it
# again. The look-up itself runs on every request, so revocation and deactivation (by any
# process, by any means: save, update(), SQL) take effect on the very next request; only
# the construction is cached, and a changed row builds the user anew.
_BUILT: dict[str, tuple[tuple[Any, ...], User]] = {}
_BUILT_MAX = 10_000  # live tokens only ever enter it; cleared rather than grown past this


def _instance(model: Any, values: tuple[Any, ...]) -> Any:
    """A model instance from its columns as the cursor gave them, converted as the ORM would
    (SQLite hands back booleans as integers and datetimes as text)."""
    fields = model._meta.concrete_fields
    converted = []
    for f, value in zip(fields, values, strict=True):
        col = f.cached_col
        for convert in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
            value = convert(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], converted)


def _build(row: tuple[Any, ...]) -> User:
    user: User = _instance(User, row[:_USER_WIDTH])
    unit = row[_USER_WIDTH + 1:_USER_WIDTH + 1 + _UNIT_WIDTH]
    institution = row[_USER_WIDTH + 1 + _UNIT_WIDTH:]
    # The user's unit and institution as read with it: `user.unit.region` costs no query.
    User.unit.field.set_cached_value(  # type: ignore[attr-defined]
        user, _instance(Unit, unit) if unit[0] is not None else None)
    User.institution.field.set_cached_value(  # type: ignore[attr-defined]
        user, _instance(Institution, institution) if institution[0] is not None else None)
    return user


def user_for_token(raw: str) -> User | None:
    """The active user (of an active member unit or institution, if any) of a live token,
    or None. Runs on every API call: one prepared look-up; the user object is built again
    only when its row (or its unit's, its institution's, the token's) has changed."""
    now = timezone.now()
    digest = hash_token(raw)
    with connection.cursor() as cursor:
        _TOKEN_USER.execute(cursor, [now - LAST_USED_RESOLUTION, digest])
        found = cursor.fetchone()
    if found is None:
        _BUILT.pop(digest, None)
        return None
    row, stale = tuple(found[:-1]), found[-1]
    built = _BUILT.get(digest)
    if built is None or built[0] != row:
        if len(_BUILT) >= _BUILT_MAX:
            _BUILT.clear()
        built = _BUILT[digest] = (row, _build(row))
    # Each request its own copy (model copies carry their own related-object cache): a view
    # that changes its user must not change another request's.
    user = copy.copy(built[1])
    if stale:
        token_id = row[_USER_WIDTH]
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; a wrong token is 401."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return user_for_token(token)


class OptionalTokenAuth(TokenAuth):
    """For public endpoints: no header means anonymous, a wrong token is still 401."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.headers.get(self.header):
            return AnonymousUser()
        user = super().__call__(request)
        if user is None:
            raise HttpError(401, "令牌无效、已吊销或已过期")
        return user


token_auth = TokenAuth()
optional_auth = OptionalTokenAuth()


def require_role(request: HttpRequest, *roles: Role) -> User:
    """The authenticated user, if their role is one of `roles`; otherwise 403."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise HttpError(401, "需要登录或提供接口令牌")
    if user.role not in roles:
        allowed = "、".join(Role(r).label for r in roles)
        raise HttpError(403, f"此操作仅限{allowed}角色")
    return user


def caller(request: HttpRequest) -> User | None:
    user = getattr(request, "auth", None)
    return user if isinstance(user, User) else None


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The user name django-axes stores with failed logins and counts them by.

    People type their ID number as the user name: such a name is stored as the masked
    number and a keyed hash (still one lock-out counter per number), never in plain text.
    """
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "data", request.POST).get("username")
    if not username:
        return username
    found = pii.id_numbers(str(username))
    if not found:
        return str(username)
    return f"{pii.mask_id_numbers(codes.normalize(username))}#{codes.digest(found[0])[:16]}"
