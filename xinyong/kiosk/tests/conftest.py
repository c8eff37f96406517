"""Fixtures of the kiosk's tests: a registered terminal and a test client that is it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from xinyong.accounts.models import Role, User
from xinyong.kiosk import services
from xinyong.kiosk.models import Terminal
from xinyong.kiosk.views import COOKIE

PLACE = "太仓市政务服务中心一楼大厅"


@pytest.fixture
def office(users: dict[str, User]) -> User:
    return users[Role.OFFICE]


@pytest.fixture
def owner(users: dict[str, User]) -> User:
    """carol, the subject user of the organization (康宁医疗器械)."""
    return users[Role.SUBJECT]


@pytest.fixture
def registered(office: User) -> tuple[Terminal, str]:
    """A terminal and its raw token."""
    return services.register_terminal("一楼大厅 1 号机", PLACE, actor=office)


@pytest.fixture
def terminal(registered: tuple[Terminal, str]) -> Terminal:
    return registered[0]


def terminal_client(raw: str) -> Client:
    """A browser that has been enrolled with the token `raw`."""
    client = Client()
    client.cookies[COOKIE] = raw
    return client


@pytest.fixture
def kiosk(registered: tuple[Terminal, str]) -> Client:
    return terminal_client(registered[1])


@pytest.fixture
def code_for(owner: User) -> Any:
    """A fresh pickup code (raw digits) asked for by `user` (carol by default)."""

    def make(user: User | None = None, version: str = "public") -> str:
        return services.request_code(user or owner, version)[1]

    return make
