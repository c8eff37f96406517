"""Fixtures shared by every app's tests: real units, users of each role, tokens, clients."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django.test import Client

from xinyong.accounts.models import ApiToken, Institution, Role, Unit, User
from xinyong.conftest_helpers import login
from xinyong.policies import loader
from xinyong.subjects.models import Subject, get_or_create_subject

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 (test users only)

# Valid codes (check digits computed) used across the suite.
ORG_CODE = "91350105MA2Y00001R"
ORG2_CODE = "91350100M000100Y43"
IB_CODE = "92350105MA2Y000040"
PERSON_CODE = "11010519491231002X"
PERSON2_CODE = "440524188001010014"
UNIT_CODE = "113501050030000041"
UNIT2_CODE = "11350105003000001P"
TAICANG_UNIT_CODE = "11320585003000001U"
BANK_CODE = "91350100MA2Y0BANK8"  # a financial institution (信易贷)
BANK2_CODE = "91320585MA1N0BANKR"
MAWEI, TAICANG = "350105", "320585"  # 行政区划代码 of the two notices' areas
# A made-up district's pack (清石区), loaded beside the shipped ones in most tests.
QINGSHI = Path(__file__).resolve().parent / "xinyong" / "policies" / "tests" / "data" / "qingshi-2024-3.yaml"


@pytest.fixture(scope="session")
def shipped_packs() -> list[Any]:
    return [p.pack for p in loader.shipped()]


@pytest.fixture(scope="session")
def qingshi_pack() -> Any:
    return loader.parse_file(QINGSHI).pack


@pytest.fixture
def qingshi_text() -> str:
    return QINGSHI.read_text(encoding="utf-8")


@pytest.fixture
def loaded(db: Any) -> Any:
    """Shipped packs and the made-up district's pack, loaded in the database."""
    return loader.load([*loader.shipped(), loader.parse_file(QINGSHI)])


@pytest.fixture
def unit(db: Any) -> Unit:
    """A 马尾区 unit: reports under the national packs and 福州's (fz_ behaviours)."""
    return Unit.objects.create(code=UNIT_CODE, name="市场监督管理局", region=MAWEI)


@pytest.fixture
def other_unit(db: Any) -> Unit:
    return Unit.objects.create(code=UNIT2_CODE, name="发展和改革局", region=MAWEI)


@pytest.fixture
def taicang_unit(db: Any) -> Unit:
    """A 太仓 unit: reports under the national packs and 太仓's (tc_ behaviours)."""
    return Unit.objects.create(code=TAICANG_UNIT_CODE, name="太仓市市场监督管理局", region=TAICANG)


@pytest.fixture
def institution(db: Any) -> Institution:
    """A bank in 马尾区 (信易贷)."""
    return Institution.objects.create(code=BANK_CODE, name="示例农商银行马尾支行", region=MAWEI)


@pytest.fixture
def other_institution(db: Any) -> Institution:
    return Institution.objects.create(code=BANK2_CODE, name="太仓示例村镇银行", region=TAICANG)


@pytest.fixture
def organization(db: Any) -> Subject:
    return get_or_create_subject("organization", ORG_CODE, "福州马尾康宁医疗器械有限公司")[0]


@pytest.fixture
def person(db: Any) -> Subject:
    return get_or_create_subject("person", PERSON_CODE, "张三")[0]


class CheapArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id as in production, with cost parameters low enough for a test suite that
    logs in hundreds of times (production's cost is 100 MiB and ~0.1 s per hash)."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1


@pytest.fixture(autouse=True)
def private_media(settings: Any, tmp_path_factory: Any) -> None:
    """Files a test stores (evidence, signed letters, certificates) go to a folder of its
    own, never to ./var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def cheap_argon2(settings: Any) -> None:
    settings.PASSWORD_HASHERS = [
        "conftest.CheapArgon2PasswordHasher",
        *settings.PASSWORD_HASHERS[1:],
    ]


@cache
def password_hash() -> str:
    return make_password(PASSWORD, hasher=CheapArgon2PasswordHasher())


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(username: str, role: str, **fields: Any) -> User:
        user = User(username=username, role=role, password=password_hash(), **fields)
        user.save()
        return user

    return make


@pytest.fixture
def users(make_user: Callable[..., User], unit: Unit, organization: Subject,
          institution: Institution) -> dict[str, User]:
    return {
        Role.OFFICE: make_user("alice", Role.OFFICE),
        Role.DEPARTMENT: make_user("bob", Role.DEPARTMENT, unit=unit),
        Role.SUBJECT: make_user("carol", Role.SUBJECT, subject=organization),
        Role.INSTITUTION: make_user("dave", Role.INSTITUTION, institution=institution),
    }


@pytest.fixture
def person_user(make_user: Callable[..., User], person: Subject) -> User:
    """The person 张三 themself, logged in as a subject user."""
    return make_user("zhangsan", Role.SUBJECT, subject=person)


@pytest.fixture
def token_for() -> Callable[[User], str]:
    def issue(user: User) -> str:
        return ApiToken.issue(user, "测试")[1]

    return issue


class ApiClient(Client):
    """A test client that sends JSON and, when given a token, the bearer header."""

    def __init__(self, token: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        super().__init__(headers=headers)

    def post_json(self, path: str, data: Any) -> Any:
        return self.post(path, data=data, content_type="application/json")


@pytest.fixture
def api(token_for: Callable[[User], str]) -> Callable[[User | None], ApiClient]:
    def client(user: User | None = None) -> ApiClient:
        return ApiClient(token_for(user) if user else None)

    return client


@pytest.fixture
def web(db: Any) -> Callable[[User | None], Client]:
    """A web client with a session for `user` (anonymous without one)."""

    def client(user: User | None = None) -> Client:
        browser = Client()
        if user is not None:
            login(browser, user)
        return browser

    return client


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright; the test is skipped where it is not installed."""
    from xinyong.conftest_helpers import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        # Inside Playwright's context the ORM has a connection of its own (Django keys them
        # by context); close it here, or it keeps the test database from being dropped.
        from django.db import connections

        connections.close_all()
        chromium.close()


@pytest.fixture
def make_record(loaded: Any, unit: Unit) -> Callable[..., Any]:
    """A record of `subject` reported by `unit` through the records service, decided
    `days_ago` days before today (so that publicity rules read it as they would today)."""
    import datetime as dt
    from itertools import count

    from django.utils import timezone

    from xinyong.records import services as records

    numbers = count(1)

    def make(subject: Subject, *, behavior: str = "administrative_penalty", days_ago: int = 120,
             severity: str = "general") -> Any:
        decided = timezone.localdate() - dt.timedelta(days=days_ago)
        return records.submit(unit, records.Submission(
            subject_kind=subject.kind, subject_name=subject.name,
            subject_code=subject.full_code(), behavior=behavior,
            occurred_on=decided - dt.timedelta(days=10), decided_on=decided,
            decision_no=f"测试罚〔{decided.year}〕{next(numbers)}号", facts="",
            severity=severity))[0]

    return make
