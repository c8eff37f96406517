"""Records made through the records service and articles through the articles service,
dated from today, so that the portal reads them as the public would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.articles import services as articles
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
            decision_no=f"门户测试〔{decided.year}〕{next(counter)}号", facts="",
            severity=severity))[0]

    return make


@pytest.fixture
def make_article(users: Any) -> Callable[..., Article]:
    """An article by the office, published today unless `publish` is False."""

    def make(kind: str, title: str, *, records: tuple[Any, ...] = (), polarity: str = "",
             publish: bool = True) -> Article:
        office = users[Role.OFFICE]
        article = articles.create(office, articles.ArticleInput(
            kind=kind, title=title, summary=f"{title}的摘要", body="正文", polarity=polarity,
            records=list(records)))
        if publish:
            articles.publish(office, article.pk, timezone.localdate())
        return article

    return make
