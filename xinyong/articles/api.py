"""API: articles (/api/v1/articles), public: what the portal shows today (典型案例, 新闻动态,
政策解读), the body as Markdown and as the same sanitised HTML the pages show."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from xinyong.accounts.auth import optional_auth
from xinyong.articles.markdown import render
from xinyong.articles.models import Article
from xinyong.lib.apierrors import Error
from xinyong.lib.errors import DomainError
from xinyong.lib.paging import clamp

router = Router(tags=["典型案例与新闻"])

KINDS = "、".join(f"{value}（{label}）" for value, label in Article.Kind.choices)


class ArticleItemOut(Schema):
    id: int
    kind: str = Field(description=KINDS)
    title: str
    summary: str
    polarity: str = Field(description="典型案例：dishonest（失信）或 good（守信）；其他为空")
    published_on: dt.date
    records: list[int] = Field(description="典型案例所涉信用记录的 id")
    pack_id: str = Field(description="政策解读所解读的政策规则包编号；其他为空")
    url: str = Field(description="文章页面的路径")


class ArticleDetailOut(ArticleItemOut):
    body: str = Field(description="正文（Markdown）")
    body_html: str = Field(description="正文（经过清理的 HTML，与页面显示一致）")


class ArticlePage(Schema):
    count: int
    items: list[ArticleItemOut]


class ArticleQuery(Schema):
    kind: str | None = Field(default=None, description=KINDS)
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=20, ge=1, le=100)


def item_out(article: Article) -> dict[str, Any]:
    return {"id": article.pk, "kind": article.kind, "title": article.title,
            "summary": article.summary, "polarity": article.polarity,
            "published_on": article.published_on,
            "records": sorted(r.pk for r in article.records.all()),
            "pack_id": article.pack_id, "url": article.get_absolute_url()}


@router.get("", auth=optional_auth, response={200: ArticlePage, 422: Error},
            summary="已发布的典型案例、新闻动态和政策解读（公开）")
def article_list(request: HttpRequest, query: Query[ArticleQuery]) -> dict[str, Any]:
    rows = Article.objects.public(timezone.localdate())
    if query.kind:
        if query.kind not in Article.Kind.values:
            raise DomainError("kind", f"没有这个类别；可选：{KINDS}")
        rows = rows.filter(kind=query.kind)
    count = rows.count()
    page = clamp(query.page, count, query.page_size)
    start = (page - 1) * query.page_size
    items = rows.order_by("-published_on", "-id").prefetch_related("records")[
        start:start + query.page_size]
    return {"count": count, "items": [item_out(a) for a in items]}


@router.get("/{int:article_id}", auth=optional_auth, response={200: ArticleDetailOut, 404: Error},
            summary="一篇文章（公开；草稿、未到发布日期、撤回或已撤下的为 404）")
def article_detail(request: HttpRequest, article_id: int) -> dict[str, Any]:
    article = (Article.objects.public(timezone.localdate()).prefetch_related("records")
               .filter(pk=article_id).first())
    if article is None:
        raise DomainError("id", "没有这篇文章，或已撤下", status=404)
    return {**item_out(article), "body": article.body, "body_html": str(render(article.body))}
