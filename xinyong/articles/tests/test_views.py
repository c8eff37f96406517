"""The pages: the public list by kind and an article (a case's records, a reading's policy);
the office's list with each article's state (a taken-down case marked, with why), the
editor (office only; errors beside the field they name), the Markdown preview, publishing
and withdrawing."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.articles import services
from xinyong.articles.models import Article
from xinyong.records.models import Record


def today() -> dt.date:
    return timezone.localdate()


def error_for(response: Any, field: str) -> str:
    """The error text shown beside `field` ("" when none)."""
    found = re.findall(rf'data-error-for="{field}">([^<]*)<', response.content.decode())
    return " ".join(found)


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION])
def test_editor_is_the_offices(users: Any, web: Callable[..., Any], role: str) -> None:
    client = web(users[role])
    for url in ("/office/articles/", "/office/articles/new/"):
        assert client.get(url).status_code == 403
    response = client.post("/office/articles/new/", {"kind": "news", "title": "x", "body": "y"})
    assert response.status_code == 403
    assert client.post("/office/articles/preview/", {"body": "x"}).status_code == 403
    assert not Article.objects.exists()
    assert web(None).get("/office/articles/new/").status_code == 302


def test_write_publish_and_withdraw_news(users: Any, web: Callable[..., Any]) -> None:
    office = web(users[Role.OFFICE])
    response = office.post("/office/articles/new/", {
        "kind": "news", "title": "信用办发布年度报告", "summary": "年度报告摘要",
        "body": "## 要点\n\n- 第一\n- 第二"})
    assert response.status_code == 302
    article = Article.objects.get()
    assert response["Location"] == f"/office/articles/{article.pk}/"
    assert article.published_on is None and article.author == users[Role.OFFICE]
    page = office.get(response["Location"]).content.decode()
    assert "草稿" in page and "<h2>要点</h2>" in page  # the preview, rendered on the server
    assert web(None).get(f"/articles/{article.pk}/").status_code == 404
    assert office.get(f"/articles/{article.pk}/").status_code == 200  # the office checks drafts
    published = office.post(f"/office/articles/{article.pk}/publish/",
                            {"published_on": today().isoformat()})
    assert published.status_code == 302
    public = web(None).get(f"/articles/{article.pk}/")
    assert public.status_code == 200
    assert "信用办发布年度报告" in public.content.decode() and "<li>第一</li>" in public.content.decode()
    assert "信用办发布年度报告" in web(None).get("/articles/?kind=news").content.decode()
    assert "信用办发布年度报告" not in web(None).get("/articles/?kind=case").content.decode()
    refused = office.post(f"/office/articles/{article.pk}/withdraw/", {"reason": ""})
    assert refused.status_code == 422 and error_for(refused, "reason") == "请填写撤回原因"
    office.post(f"/office/articles/{article.pk}/withdraw/", {"reason": "数据待核实"})
    assert web(None).get(f"/articles/{article.pk}/").status_code == 404
    listing = office.get("/office/articles/").content.decode()
    assert "已撤回" in listing and "数据待核实" in listing


def test_form_errors_name_the_field(users: Any, web: Callable[..., Any], dishonest: Record,
                                    good: Record, person: Any,
                                    make_record: Callable[..., Record]) -> None:
    office = web(users[Role.OFFICE])

    def post(**changes: Any) -> Any:
        data = {"kind": "case", "title": "案例", "body": "正文", "polarity": "dishonest",
                "records": str(dishonest.pk)} | changes
        response = office.post("/office/articles/new/", data)
        assert response.status_code == 422, changes
        return response

    assert error_for(post(title=""), "title") == "请填写标题"
    assert "案例类型" in error_for(post(polarity=""), "polarity")
    assert "至少一条" in error_for(post(records=""), "records")
    assert "没有编号或决定文书号为“不存在〔2026〕1号”" in error_for(
        post(records="不存在〔2026〕1号"), "records")
    assert "不是失信信息" in error_for(post(records=good.decision_no), "records")
    assert "自然人" in error_for(post(records=str(make_record(person).pk)), "records")
    assert "20,000" in error_for(post(body="字" * 20_001), "body")
    assert error_for(post(kind="story"), "kind")
    assert not Article.objects.exists()
    # Several records, by id and decision number, one a line.
    second = make_record(dishonest.subject, days_ago=90)
    made = office.post("/office/articles/new/", {
        "kind": "case", "title": "案例", "body": "正文", "polarity": "dishonest",
        "records": f"{dishonest.pk}\n{second.decision_no}"})
    assert made.status_code == 302
    assert set(Article.objects.get().records.values_list("pk", flat=True)) == {dishonest.pk, second.pk}


def test_publish_date_errors(users: Any, web: Callable[..., Any]) -> None:
    office = web(users[Role.OFFICE])
    article = services.create(users[Role.OFFICE], services.ArticleInput(
        kind="news", title="新闻", body="x"))
    url = f"/office/articles/{article.pk}/publish/"
    for value, words in (("", "请填写发布日期"), ("2026-13-40", "年-月-日"),
                         ((today() - dt.timedelta(days=1)).isoformat(), "不能早于今天")):
        response = office.post(url, {"published_on": value})
        assert response.status_code == 422
        assert words in error_for(response, "published_on")
    later = (today() + dt.timedelta(days=5)).isoformat()
    assert office.post(url, {"published_on": later}).status_code == 302
    listing = office.get("/office/articles/").content.decode()
    assert "定时发布" in listing and later in listing
    assert web(None).get(f"/articles/{article.pk}/").status_code == 404


def test_edit_keeps_the_kind_and_changes_a_published_article(users: Any,
                                                             web: Callable[..., Any]) -> None:
    office = web(users[Role.OFFICE])
    article = services.create(users[Role.OFFICE], services.ArticleInput(
        kind="news", title="旧标题", body="x"))
    services.publish(users[Role.OFFICE], article.pk, today())
    response = office.post(f"/office/articles/{article.pk}/", {
        "kind": "case", "title": "新标题", "body": "新正文"})  # a kind sent is ignored
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.kind, article.title, article.body) == ("news", "新标题", "新正文")
    assert "新标题" in web(None).get(f"/articles/{article.pk}/").content.decode()
    bad = office.post(f"/office/articles/{article.pk}/", {"title": "", "body": "x"})
    assert bad.status_code == 422 and error_for(bad, "title") == "请填写标题"


def test_preview_renders_and_sanitises(users: Any, web: Callable[..., Any]) -> None:
    office = web(users[Role.OFFICE])
    response = office.post("/office/articles/preview/", {
        "body": "**加粗** [x](javascript:alert(1)) <script>alert(1)</script>\n\n| a |\n|--|\n| 1 |"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>加粗</strong>" in html and "<table>" in html
    assert "<script" not in html and "href" not in html
    assert office.get("/office/articles/preview/").status_code == 405


def test_case_page_and_takedown_in_the_offices_list(users: Any, web: Callable[..., Any],
                                                    dishonest: Record,
                                                    make_case: Callable[..., Article]) -> None:
    case = make_case([dishonest.pk], title="某公司销售不合格口罩案", publish_on=today())
    page = web(None).get(f"/articles/{case.pk}/").content.decode()
    assert f'href="/subjects/{dishonest.subject_id}/"' in page and dishonest.subject.name in page
    assert "行政处罚" in page  # the behaviour's name, not its code
    assert "administrative_penalty" not in page
    assert "某公司销售不合格口罩案" in web(None).get("/articles/?kind=case").content.decode()
    Record.objects.filter(pk=dishonest.pk).update(status="repaired", closed_on=today(),
                                                  closed_cause="repaired")
    assert web(None).get(f"/articles/{case.pk}/").status_code == 404
    assert "某公司销售不合格口罩案" not in web(None).get("/articles/").content.decode()
    listing = web(users[Role.OFFICE]).get("/office/articles/").content.decode()
    assert "已撤下（关联记录已不再公示）" in listing
    why = f"记录 {dishonest.pk}（{dishonest.decision_no}）自 {today().isoformat()} 起不再公示（信用修复）"
    assert why in listing
    edit = web(users[Role.OFFICE]).get(f"/office/articles/{case.pk}/").content.decode()
    assert "公众页面已撤下" in edit


def test_policy_reading_links_its_policy(users: Any, loaded: Any, web: Callable[..., Any]) -> None:
    reading = services.create(users[Role.OFFICE], services.ArticleInput(
        kind="policy_reading", title="太仓通知解读", body="要点", pack_id="taicang-2020-1"))
    services.publish(users[Role.OFFICE], reading.pk, today())
    page = web(None).get(f"/articles/{reading.pk}/").content.decode()
    assert 'href="/policies/taicang-2020-1/"' in page


def test_unknown_kind_on_the_list_says_so(db: Any, web: Callable[..., Any]) -> None:
    response = web(None).get("/articles/?kind=story")
    assert response.status_code == 422
    assert "没有“story”这个类别" in error_for(response, "kind")
