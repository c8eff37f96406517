"""The home page for a member of the public (门户首页): the search box, every online
service, the lists and 双公示 with their counts, the latest typical cases and news (a case
whose record is no longer shown is taken down), and the policies in force."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import ORG2_CODE
from xinyong.articles import services as articles
from xinyong.articles.models import Article
from xinyong.conftest_helpers import login
from xinyong.lists.models import Membership, is_active
from xinyong.policies import rulebook
from xinyong.policies.events import record_event
from xinyong.policies.models import PolicyPack
from xinyong.records import publicity
from xinyong.records import services as records
from xinyong.records.models import Record
from xinyong.subjects.models import Subject, get_or_create_subject


def home(client: Client | None = None) -> str:
    response = (client or Client()).get("/")
    assert response.status_code == 200
    return response.content.decode()


def part(html: str, testid: str) -> str:
    """From the element with `testid` to the next element with a testid."""
    start = html.index(f'data-testid="{testid}"')
    end = html.find('data-testid="', start + 20)
    return html[start:end if end > 0 else None]


def count(html: str, name: str) -> int:
    return int(re.search(rf'data-count="{name}">(\d+)<', html).group(1))  # type: ignore[union-attr]


def test_a_search_box_and_every_online_service(loaded: Any) -> None:
    html = home()
    box = part(html, "search-box")
    assert f'action="{reverse("portal:search")}"' in box and 'name="q"' in box
    services = part(html, "services")
    expected = {
        "信用查询": "portal:search", "信用修复": "repairs:guide", "异议申请": "objections:create",
        "信用报告": "reports:mine", "信用承诺": "commitments:index",
        "不可抗力证明": "certificates:apply", "信易贷": "financing:index",
        "办理进度查询": "casework:track",
    }
    for title, name in expected.items():
        assert f'href="{reverse(name)}">{title}</a>' in services, title
    for name in ("reports:verify", "certificates:verify", "commitments:check", "lists:index",
                 "disclosure:penalties", "disclosure:licences", "policies:list"):
        assert f'href="{reverse(name)}"' in services, name
    # Each service says in one line what it is for.
    assert len(re.findall(r'<p class="card-text small text-muted mb-1">[^<]{10,}</p>', services)) == 8
    # Every link on the home page works for the public (a login page for the services that
    # need one).
    client = Client()
    for href in {h for h in re.findall(r'href="(/[^"#]*)"', html)
                 if not h.startswith(("/static/", "/api/"))}:
        response = client.get(href.replace("&amp;", "&"))
        assert response.status_code in (200, 302), (href, response.status_code)


@pytest.fixture
def shop(db: Any) -> Subject:
    return get_or_create_subject("organization", ORG2_CODE, "福州示例信用科技有限公司")[0]


def test_the_lists_and_publicity_with_their_counts(
        make_record: Callable[..., Record], organization: Subject, shop: Subject) -> None:
    before = home()
    assert count(before, "penalties") == 0 and count(before, "dishonest") == 0
    make_record(organization)  # a general penalty: published (双公示)
    make_record(shop)
    listed = make_record(shop, behavior="fz_market_disruption", severity="serious", days_ago=30)
    today = timezone.localdate()
    book = rulebook.current()
    dishonest = {m.subject_id for m in Membership.objects.filter(public=True)
                 if is_active(m, today) and m.list_code in book.list_codes("dishonest")}
    assert dishonest == {shop.pk} and listed.status == "published"
    published = [r for r in Record.objects.all() if publicity.is_published(r, today)
                 and r.behavior == "administrative_penalty"]
    html = home()
    assert count(html, "penalties") == len(published) == 2
    assert count(html, "dishonest") == 1 and count(html, "good") == 0
    assert count(html, "licences") == 0
    # Withdrawn: no longer published, off the list.
    records.withdraw(listed, "决定被撤销", actor=None)
    assert count(home(), "dishonest") == 0


def test_the_latest_cases_and_news_and_a_taken_down_case(
        make_record: Callable[..., Record], make_article: Callable[..., Article],
        organization: Subject, shop: Subject, users: Any) -> None:
    kept = make_record(organization)
    gone = make_record(shop)
    case = make_article("case", "哄抬价格典型案例", records=(kept.pk,), polarity="dishonest")
    taken = make_article("case", "将被撤下的案例", records=(gone.pk,), polarity="dishonest")
    draft = make_article("case", "尚未发布的案例", records=(kept.pk,), polarity="dishonest",
                         publish=False)
    news = [make_article("news", f"信用工作新闻第{n}期") for n in range(1, 7)]
    withdrawn = make_article("news", "已撤回的新闻")
    articles.withdraw(users["office"], withdrawn.pk, "内容有误")
    html = home()
    cases = part(html, "cases")
    assert f'href="/articles/{case.pk}/"' in cases and f'href="/articles/{taken.pk}/"' in cases
    assert "失信" in cases and "哄抬价格典型案例的摘要" in cases
    assert f'href="/articles/{draft.pk}/"' not in html
    assert 'href="/articles/?kind=case"' in html and 'href="/articles/?kind=news"' in html
    latest = part(html, "news")
    # The latest five (published the same day: the newest first), never a withdrawn one.
    assert re.findall(r'data-article="(\d+)"', latest) == [str(a.pk) for a in news[:0:-1]]
    assert "已撤回的新闻" not in html
    # The record of a case is withdrawn: the case leaves the home page at once.
    records.withdraw(gone, "决定被撤销", actor=None)
    cases = part(home(), "cases")
    assert f'href="/articles/{taken.pk}/"' not in cases and f'href="/articles/{case.pk}/"' in cases


def in_force(pack_id: str, day: dt.date, ended: bool = False) -> bool:
    """Independently of the portal: from the version's own dates (and ending event)."""
    version = PolicyPack.objects.get(pack_id=pack_id).current
    assert version is not None
    return (version.effective_from <= day
            and (version.effective_until is None or day <= version.effective_until)
            and not (ended and version.ending_event))


def test_the_policies_in_force(loaded: Any) -> None:
    today = timezone.localdate()
    table = part(home(), "policies")
    for pack in PolicyPack.objects.select_related("current"):
        version = pack.current
        link = f'href="/policies/{pack.pack_id}/"'
        assert (link in table) == in_force(pack.pack_id, today), pack.pack_id
        if link in table:
            assert version.doc_number in table and version.effective_from.isoformat() in table
    assert 'href="/policies/cn-ndrc-2019-527/"' not in table  # ended 2026-03-31
    assert 'href="/policies/fuzhou-2020-4/"' in table and "约定事件发生时" in table
    # The end of Fujian's emergency response is recorded: the 福州 notice is no longer in force.
    record_event("fujian_epidemic_response_end", dt.date(2023, 1, 8))
    table = part(home(), "policies")
    assert 'href="/policies/fuzhou-2020-4/"' not in table
    assert 'href="/policies/taicang-2020-1/"' in table


def test_logged_in_roles_keep_their_home(users: dict[str, Any]) -> None:
    client = Client()
    login(client, users["department"])
    html = home(client)
    assert 'data-testid="greeting"' in html and "报送信用记录" in part(html, "services")
    assert 'data-testid="cases"' not in html  # the public's portal part is the public's
