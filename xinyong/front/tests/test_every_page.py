"""Every page as every role: no server error, and no English word a person would have to
read (codes shown beside their names are marked translate="no"; file formats are allowed)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from xinyong.accounts.models import User
from xinyong.conftest_helpers import login
from xinyong.front.tests.walk import english_words, walk

ROLES = ["anonymous", "office", "scjg", "kangning", "bank", "tcny"]


def client_for(users: dict[str, User], who: str) -> Client:
    client = Client()
    if who != "anonymous":
        login(client, users[who])
    return client


@pytest.mark.parametrize("who", ROLES)
def test_every_page_speaks_chinese(demo_site: dict[str, User], who: str) -> None:
    client = client_for(demo_site, who)
    visits = list(walk(client))
    assert len(visits) > 3, [v.path for v in visits]
    errors = {v.path: v.status for v in visits if v.status >= 500}
    assert not errors
    english = [f"{v.path}: {' '.join(sorted(v.english))}" for v in visits if v.english]
    assert not english, "\n".join(english)


@pytest.mark.parametrize("path", ["/no-such-page/", "/records/999999/", "/office/units/"])
def test_error_pages_are_chinese_with_a_way_back(demo_site: dict[str, User], path: str) -> None:
    client = client_for(demo_site, "kangning")
    response = client.get(path)
    assert response.status_code in (403, 404)
    html = response.content.decode()
    assert english_words(html) == set(), english_words(html)
    assert 'href="/"' in html  # back to the home page
    assert "<nav" in html  # in the site's layout


def test_the_walker_sees_english_and_skips_marked_codes() -> None:
    html = ('<p title="Open">规则 <code>fz_mask_fraud</code> <span translate="no">scjg</span>'
            ' 91350105MA2Y00001R XFFXWYTETPERQP PDF</p><script>var x = "hidden";</script>')
    assert english_words(html) == {"Open", "fz_mask_fraud"}


def test_a_server_error_page_is_chinese(client: Any, settings: Any) -> None:
    from django.template.loader import render_to_string

    html = render_to_string("500.html", {})
    assert "出错" in html and english_words(html) == set()
