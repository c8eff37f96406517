"""The demo's articles: two typical cases (失信, 守信) about demo records in publicity, a
news item and a reading of the 太仓 notice, all public; loading again adds nothing."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command
from django.utils import timezone

from xinyong.articles import demo as articles_demo
from xinyong.articles.models import Article
from xinyong.policies import loader


def demo() -> None:
    call_command("demo", "--force", stdout=StringIO(), stderr=StringIO())


def test_demo_articles_are_public_and_loaded_once(db: Any) -> None:
    loader.load_shipped()
    demo()
    public = Article.objects.public(timezone.localdate())
    assert public.count() == Article.objects.count() == len(articles_demo.ARTICLES)
    cases = {a.polarity: [r.decision_no for r in a.records.all()]
             for a in public.filter(kind="case")}
    assert cases == {"dishonest": [articles_demo.DISHONEST_RECORD],
                     "good": [articles_demo.GOOD_RECORD]}
    assert public.get(kind="policy_reading").pack_id == "taicang-2020-1"
    assert public.filter(kind="news").count() == 1
    demo()
    assert Article.objects.count() == len(articles_demo.ARTICLES)
