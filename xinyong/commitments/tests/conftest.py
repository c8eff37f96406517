"""Fixtures of the commitment tests: the shipped packs loaded, a 马尾 enterprise's user, a
马尾 department (region 350105, under 福州's notice) and signing helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from xinyong.accounts.models import Role, Unit, User
from xinyong.commitments import services
from xinyong.commitments.models import Commitment


@pytest.fixture
def owner(users: dict[str, User], loaded: Any) -> User:
    """carol, the user of 福州马尾康宁医疗器械有限公司 (packs loaded)."""
    return users[Role.SUBJECT]


@pytest.fixture
def dept(users: dict[str, User]) -> User:
    """bob, of 马尾区 市场监督管理局 (region 350105)."""
    return users[Role.DEPARTMENT]


@pytest.fixture
def office(users: dict[str, User]) -> User:
    return users[Role.OFFICE]


@pytest.fixture
def resumption(owner: User, unit: Unit) -> Callable[..., Commitment]:
    """The 复工复产 commitment (福州 一.2, 告知承诺) signed by the enterprise to `unit`."""

    def sign(**kwargs: Any) -> Commitment:
        return services.sign(owner, "fz_work_resumption",
                             matter=kwargs.pop("matter", "复工复产备案（马尾区快安厂区）"),
                             accepting_unit=kwargs.pop("accepting_unit", unit), **kwargs)

    return sign
