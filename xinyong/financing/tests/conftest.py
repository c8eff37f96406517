"""Fixtures of the financing tests: the shipped packs, two banks with a user each and a
product each, and the enterprise's user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from xinyong.accounts.models import Institution, Role, User
from xinyong.financing import services
from xinyong.financing.models import Product


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def carol(users: dict[str, User], loaded: Any) -> User:
    """The enterprise's user (福州马尾康宁医疗器械有限公司), with the packs loaded."""
    return users[Role.SUBJECT]


@pytest.fixture
def bank(users: dict[str, User]) -> User:
    return users[Role.INSTITUTION]


@pytest.fixture
def other_bank(make_user: Callable[..., User], other_institution: Institution) -> User:
    return make_user("erin", Role.INSTITUTION, institution=other_institution)


def product(user: User, name: str = "诚信贷", **changes: Any) -> Product:
    fields: dict[str, Any] = dict(name=name, amount_min_wan="10", amount_max_wan="500",
                                  term_min_months=3, term_max_months=36, rate_min="3.45",
                                  rate_max="4.35", targets=[])
    fields.update(changes)
    return services.publish_product(user, **fields)
