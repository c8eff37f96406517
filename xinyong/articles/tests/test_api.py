"""GET /api/v1/articles and /api/v1/articles/{id}: public, by kind, paged; what the pages
hide (drafts, scheduled, withdrawn, a case whose record was repaired) is 404 here too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.articles import services
from xinyong.articles.models import Article
from xinyong.records.models import Record


def published(users: Any, kind: str, title: str, **fields: Any) -> Article:
    office = users[Role.OFFICE]
    article = services.create(office, services.ArticleInput(kind=kind, title=title, **fields))
    services.publish(office, article.pk, timezone.localdate())
    return article


def test_list_by_kind_and_paged(users: Any, dishonest: Record, loaded: Any,
                                make_case: Callable[..., Article], api: Callable[..., Any]) -> None:
    today = timezone.localdate()
    case = make_case([dishonest.decision_no], publish_on=today)
    item = published(users, "news", "新闻一", body="内容", summary="摘要")
    reading = published(users, "policy_reading", "解读", body="要点", pack_id="taicang-2020-1")
    services.create(users[Role.OFFICE], services.ArticleInput(kind="news", title="草稿", body="x"))
    client = api(None)
    everything = client.get("/api/v1/articles").json()
    assert everything["count"] == 3
    assert {a["id"] for a in everything["items"]} == {case.pk, item.pk, reading.pk}
    cases = client.get("/api/v1/articles?kind=case").json()
    assert cases["count"] == 1
    assert cases["items"] == [{
        "id": case.pk, "kind": "case", "title": "典型案例", "summary": "摘要",
        "polarity": "dishonest", "published_on": today.isoformat(), "records": [dishonest.pk],
        "pack_id": "", "url": f"/articles/{case.pk}/"}]
    readings = client.get("/api/v1/articles?kind=policy_reading").json()["items"]
    assert [(r["id"], r["pack_id"]) for r in readings] == [(reading.pk, "taicang-2020-1")]
    assert [a["id"] for a in client.get("/api/v1/articles?kind=news").json()["items"]] == [item.pk]
    first = client.get("/api/v1/articles?page=1&page_size=2").json()
    second = client.get("/api/v1/articles?page=2&page_size=2").json()
    assert first["count"] == second["count"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert {a["id"] for a in first["items"] + second["items"]} == {case.pk, item.pk, reading.pk}


def test_unknown_kind_is_422_naming_kind(db: Any, api: Callable[..., Any]) -> None:
    response = api(None).get("/api/v1/articles?kind=story")
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["loc"] == ["kind"] and "policy_reading" in body["errors"][0]["msg"]
    assert api(None).get("/api/v1/articles?page_size=0").status_code == 422


def test_detail_gives_body_and_sanitised_html(users: Any, api: Callable[..., Any]) -> None:
    article = published(users, "news", "新闻", body="**要点**\n\n<script>alert(1)</script>")
    body = api(None).get(f"/api/v1/articles/{article.pk}").json()
    assert body["body"] == "**要点**\n\n<script>alert(1)</script>"
    assert body["body_html"].startswith("<p><strong>要点</strong></p>")
    assert "<script" not in body["body_html"] and "&lt;script&gt;" in body["body_html"]
    assert body["title"] == "新闻" and body["url"] == f"/articles/{article.pk}/"


def test_hidden_articles_are_404(users: Any, dishonest: Record, api: Callable[..., Any],
                                 make_case: Callable[..., Article]) -> None:
    office = users[Role.OFFICE]
    today = timezone.localdate()
    draft = services.create(office, services.ArticleInput(kind="news", title="草稿", body="x"))
    later = services.create(office, services.ArticleInput(kind="news", title="以后", body="x"))
    services.publish(office, later.pk, today + dt.timedelta(days=1))
    gone = published(users, "news", "撤回", body="x")
    services.withdraw(office, gone.pk, "有误")
    case = make_case([dishonest.pk], publish_on=today)
    client = api(None)
    assert client.get(f"/api/v1/articles/{case.pk}").status_code == 200
    Record.objects.filter(pk=dishonest.pk).update(status="repaired", closed_on=today)
    for article in (draft, later, gone, case):
        for who in (None, office):  # the API is the public's, the office's token too
            response = api(who).get(f"/api/v1/articles/{article.pk}")
            assert response.status_code == 404, article.title
            assert response.json()["detail"]
    assert client.get("/api/v1/articles").json() == {"count": 0, "items": []}
