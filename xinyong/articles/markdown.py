"""An article's Markdown body as HTML: markdown-it-py (CommonMark plus tables, raw HTML
off), then nh3 keeps only the tags and attributes below. The one function pages and the API
use, so both show the same safe HTML."""

from __future__ import annotations

import functools

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s",
    "blockquote", "ul", "ol", "li", "code", "pre", "a",
    "table", "thead", "tbody", "tr", "th", "td",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"style"},  # markdown-it writes a column's alignment as style="text-align:…"
    "td": {"style"},
}
# Links only to the web or within the site (relative URLs carry no scheme and pass).
URL_SCHEMES = {"http", "https"}


@functools.cache
def _parser() -> MarkdownIt:
    # "commonmark" with html=False: raw HTML in the body is shown as text, not markup.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable(
        "strikethrough")


ALIGNMENTS = ("text-align:left", "text-align:center", "text-align:right")


def _filter(tag: str, name: str, value: str) -> str | None:
    """Keep only the alignment markdown-it writes on table cells, and links that are the
    web's or the site's own (a path or an anchor): a "relative" link such as
    `java%09script:` is nothing a reader needs."""
    if name == "style":
        return value if value in ALIGNMENTS else None
    if name == "href":
        return value if value.lower().startswith(("http://", "https://", "/", "#")) else None
    return value


def sanitise(html: str) -> str:
    """Only the allowed tags and attributes of `html` (the second net: markdown-it with raw
    HTML off writes none of the rest)."""
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer", attribute_filter=_filter,
                     strip_comments=True)


def render(body: str) -> SafeString:
    return mark_safe(sanitise(_parser().render(body or "")))  # noqa: S308 - sanitised
