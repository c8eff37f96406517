"""Fixtures of the certificate tests: the shipped packs, an exporter's user, and helpers
that apply for, accept and issue a certificate through the services."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from xinyong.accounts.models import Role, User
from xinyong.certificates import services
from xinyong.certificates.models import Certificate

D = dt.date
# A Monday, with the 太仓 notice (which offers the service) in force: no ending event yet.
SUBMITTED = D(2026, 8, 3)
APPLICATION: dict[str, Any] = dict(
    contract_no="TC-EX-2020-017", counterparty="Müller Medizintechnik GmbH",
    event="新冠肺炎疫情防控：延迟复工及国际航运中断",
    facts="2020 年 2 月 10 日前按太仓市政府通知延迟复工；\n原定 2 月 20 日的船期被船公司取消。",
    counterparty_region="德国", goods="医用防护口罩 20 万只", contract_date=D(2020, 1, 6))


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Evidence and certificates are private files: kept under the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def exporter(users: dict[str, User], loaded: Any) -> User:
    """The subject user of an enterprise (福州马尾康宁医疗器械有限公司), with the packs loaded."""
    return users[Role.SUBJECT]


@pytest.fixture
def office(users: dict[str, User]) -> User:
    return users[Role.OFFICE]


@pytest.fixture
def apply(exporter: User) -> Callable[..., Certificate]:
    def make(user: User | None = None, day: dt.date = SUBMITTED, **changes: Any) -> Certificate:
        data = {**APPLICATION, **changes}
        return services.submit(user or exporter, data.pop("contract_no"), data.pop("counterparty"),
                               data.pop("event"), data.pop("facts"), today=day, **data)

    return make


@pytest.fixture
def issued(apply: Callable[..., Certificate], office: User) -> Certificate:
    """A certificate applied for, accepted and issued by the office."""
    cert = apply()
    services.workflow.accept(cert.pk, office, today=D(2026, 8, 4))
    return services.workflow.decide(cert.pk, office, "issue", "材料齐全，事实属实",  # type: ignore[return-value]
                                    today=D(2026, 8, 5))


def pdf_text(data: bytes) -> str:
    """The text of every page, whitespace removed (a cell wraps where it must)."""
    from pypdf import PdfReader

    return re.sub(r"\s", "", "".join(page.extract_text() or ""
                                     for page in PdfReader(io.BytesIO(data)).pages))
