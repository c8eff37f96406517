"""Articles made through the articles service, dated from today, so that the portal reads
them as the public would (records: the root conftest's `make_record`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.articles import services as articles
from xinyong.articles.models import Article


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
