"""Articles made through the articles service, dated from today so that the public rule
(`public(today)`) applies as it would (records: the root conftest's `make_record`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from xinyong.accounts.models import Role
from xinyong.articles import services
from xinyong.articles.models import Article
from xinyong.records.models import Record


@pytest.fixture
def dishonest(make_record: Callable[..., Record], users: Any) -> Record:
    """A published dishonest record of the subject user's enterprise, repairable today."""
    record = make_record(users[Role.SUBJECT].subject)
    assert record.status == "published" and record.polarity == "dishonest"
    return record


@pytest.fixture
def good(make_record: Callable[..., Record], organization: Any) -> Record:
    record = make_record(organization, behavior="fz_donation", days_ago=30, severity="general")
    assert record.status == "published" and record.polarity == "good", record.status
    return record


@pytest.fixture
def make_case(users: Any) -> Callable[..., Article]:
    def make(record_refs: list[Any], *, polarity: str = "dishonest", title: str = "典型案例",
             publish_on: dt.date | None = None) -> Article:
        office = users[Role.OFFICE]
        article = services.create(office, services.ArticleInput(
            kind="case", title=title, summary="摘要", body="案情**简介**", polarity=polarity,
            records=record_refs))
        if publish_on is not None:
            services.publish(office, article.pk, publish_on)
        return article

    return make
