"""The body's HTML (`articles.markdown.render`): Markdown renders, anything that could run
or call out is gone (scripts, event attributes, javascript: and data: links, raw HTML),
tables and safe links stay."""

from __future__ import annotations

import re

import pytest

from xinyong.articles.markdown import render, sanitise


def tags(html: str) -> list[str]:
    """The real tags of the output (text that looks like a tag is escaped: &lt;)."""
    return re.findall(r"<[^>]*>", html)


def test_markdown_renders_headings_lists_emphasis_and_tables() -> None:
    html = render("## 案情\n\n- **失信**行为\n- 第二点\n\n| 项目 | 金额 |\n|:--|--:|\n| 罚款 | 3 万元 |\n")
    assert "<h2>案情</h2>" in html
    assert "<li><strong>失信</strong>行为</li>" in html
    assert "<table>" in html and "<th style=\"text-align:left\">项目</th>" in html
    assert "<td style=\"text-align:right\">3 万元</td>" in html


@pytest.mark.parametrize("body", [
    "<script>alert(1)</script>",
    "正文<script src=https://evil.example/x.js></script>",
    "<img src=x onerror=alert(1)>",
    '<a href="https://a.cn" onclick="alert(1)">点</a>',
    "<iframe src=https://evil.example></iframe>",
    "<div style=\"position:fixed\">覆盖</div>",
])
def test_raw_html_is_never_markup(body: str) -> None:
    html = render(body)
    assert [t for t in tags(html) if t not in ("<p>", "</p>")] == []
    assert "&lt;" in html  # shown as the text it is


def test_the_sanitiser_alone_removes_what_markdown_never_writes() -> None:
    html = sanitise('<p onclick="x()">a<script>alert(1)</script><img src=x onerror=y()>'
                    '<a href="javascript:alert(1)">b</a><a href="https://a.cn" target="_top">c</a>'
                    '<iframe src="https://e.cn"></iframe><span class="x">d</span><!-- c --></p>')
    assert html == ('<p>a<a rel="noopener noreferrer">b</a>'
                    '<a href="https://a.cn" rel="noopener noreferrer">c</a>d</p>')


@pytest.mark.parametrize("body", [
    '[链接](https://a.cn "标题" onclick=alert(1))',
    '[链接](https://a.cn "x\" onclick=\"alert(1)")',
    '<a href="https://a.cn" onmouseover="alert(1)">点</a>',
    '<svg onload=alert(1)>',
    '| a |\n|--|\n| <b onclick=alert(1)>x</b> |',
])
def test_event_attributes_never_become_attributes(body: str) -> None:
    for tag in tags(render(body)):
        assert not re.search(r"\son\w+\s*=", tag), tag


@pytest.mark.parametrize("link", [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", "java&#x09;script:alert(1)",
    "vbscript:msgbox(1)", "mailto:a@b.cn", "java%09script:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
])
def test_dangerous_links_lose_their_href(link: str) -> None:
    html = render(f"[点这里]({link}) 和 <{link}>")
    assert "href" not in html
    assert "点这里" in html


def test_safe_links_keep_href_and_get_rel() -> None:
    html = render("[信用中国](https://www.creditchina.gov.cn/) [本站](/policies/) [旧](http://a.cn)")
    assert 'href="https://www.creditchina.gov.cn/"' in html
    assert 'href="/policies/"' in html and 'href="http://a.cn"' in html
    assert html.count('rel="noopener noreferrer"') == 3


def test_style_only_for_table_alignment() -> None:
    html = render("| a |\n|:-:|\n| b |\n")
    assert 'style="text-align:center"' in html
    # A style smuggled any other way never survives.
    assert "<p style" not in render('<p style="position:fixed">x</p>')


def test_empty_body() -> None:
    assert render("") == "" and render(None) == ""  # type: ignore[arg-type]
