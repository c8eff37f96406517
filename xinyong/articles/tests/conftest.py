"""Records made through the records service, and articles made through the articles
service, dated from today so that the public rule (`public(today)`) applies as it would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.articles import services
from xinyong.articles.models import Article
from xinyong.records import services as records
from xinyong.records.models import Record


@pytest.fixture
def make_record(loaded: Any, unit: Any) -> Callable[..., Record]:
    counter = iter(range(1, 1000))

    def make(subject: Any, *, behavior: str = "administrative_penalty", days_ago: int = 120,
             severity: str = "general") -> Record:
        decided = timezone.localdate() - dt.timedelta(days=days_ago)
        return records.submit(unit, records.Submission(
            subject_kind=subject.kind, subject_name=subject.name,
            subject_code=subject.full_code(), behavior=behavior,
            occurred_on=decided - dt.timedelta(days=10), decided_on=decided,
            decision_no=f"案例测试〔{decided.year}〕{next(counter)}号", facts="",
            severity=severity))[0]

    return make


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
