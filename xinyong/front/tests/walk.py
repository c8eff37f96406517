"""Walks the site as one user and reads what a person sees on each page.

Used by test_every_page (every page, Django's test client) and test_phone (one page per
URL pattern, in Chromium at 390 px). A page's text is what a person reads: the text of
the document and the attributes a screen reader or a tooltip shows, minus scripts, styles
and anything marked `translate="no"` (codes, user names and numbers shown beside a name,
which are data, not words).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.urls import Resolver404, resolve

# Words a Chinese user knows as they are: file formats and units.
ALLOWED = {"PDF", "JPEG", "JPG", "PNG", "OFD", "Word", "Excel", "CSV", "XLSX", "XLS", "MB",
           "KB", "API", "YAML", "HTTP", "HTTPS", "ID", "Swagger", "ReDoc", "OpenAPI", "JSON",
           "QR", "GBK", "UTF",
           # file extensions in file names
           "csv", "xlsx", "xls", "pdf", "yaml", "yml", "jpg", "jpeg", "png", "ofd", "docx"}
# A run of Latin letters, digits and joiners. A token with a digit is a code or a number
# (USCC, query code, UTF-8, /api/v1/…); a token of letters only is a word.
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-.:/@]*")
SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class PageText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text: list[str] = []
        self._skip: list[str] = []  # open elements whose content is not read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in VOID:
            if not self._skip and not a.get("translate") == "no":
                self._attributes(tag, a)
            return
        if self._skip or tag in ("script", "style", "template") or a.get("translate") == "no":
            self._skip.append(tag)
            return
        self._attributes(tag, a)

    def _attributes(self, tag: str, a: dict[str, str]) -> None:
        self.text += [a[k] for k in SHOWN_ATTRIBUTES if a.get(k)]
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.text.append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


# Capitals only, nine or more: a code (a query code may happen to draw no digit), not a word.
CAPITALS_CODE = re.compile(r"[A-Z]{9,}")


def english_words(html: str) -> set[str]:
    parser = PageText()
    parser.feed(html)
    return {t.strip("-.:/_@") for t in TOKEN.findall(" ".join(parser.text))
            if not re.search(r"\d", t) and re.search(r"[A-Za-z]{2,}", t)
            and not CAPITALS_CODE.fullmatch(t) and t.strip("-.:/_@") not in ALLOWED}


def links(html: str) -> list[str]:
    parser = PageText()
    parser.feed(html)
    return parser.links


# Not pages: files, the API, leaving, and actions that GET would not take anyway.
SKIP = re.compile(r"^/(api/|static/|media/|logout)|/(export|download|errors|template)(/|\.|$)")


@dataclass
class Visit:
    path: str
    status: int
    route: str
    html: str = ""
    english: set[str] = field(default_factory=set)


def walk(client: object, start: tuple[str, ...] = ("/",), per_route: int = 3,
         limit: int = 400) -> Iterator[Visit]:
    """Breadth first over same-site links, at most `per_route` pages of each URL pattern (and
    one page of each pattern per set of query parameters), following redirects."""
    todo = list(start)
    seen: set[str] = set()
    per: dict[str, int] = {}
    while todo and len(seen) < limit:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        split = urlsplit(path)
        try:
            route = resolve(split.path).view_name
        except Resolver404:
            route = "(none)"
        key = route + "?" + ",".join(sorted(p.split("=")[0] for p in split.query.split("&") if p))
        if per.get(key, 0) >= per_route:
            continue
        per[key] = per.get(key, 0) + 1
        response = client.get(path, follow=True)  # type: ignore[attr-defined]
        if "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        yield Visit(path, response.status_code, route, html, english_words(html))
        for href in links(html):
            target = urlsplit(urljoin("http://testserver" + path, href))
            if target.netloc != "testserver" or target.scheme not in ("http", ""):
                continue
            url = target.path + (f"?{target.query}" if target.query else "")
            if not SKIP.search(target.path) and url not in seen:
                todo.append(url)
