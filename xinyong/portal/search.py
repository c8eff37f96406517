"""The public search (信用查询): organisations and individual businesses by a name fragment,
a USCC prefix or a whole USCC; persons never, neither by name nor by ID number.

One query text, one kind of search (`parse`):
- a whole, valid USCC: that enterprise;
- letters and digits with a digit in them: a code prefix (9135, 91350105MA), in code order;
- anything else: a name fragment of at least two consecutive characters;
- an ID number (valid or mistyped, alone or inside the text): refused, its digits never
  quoted back.

A page never sorts every match of a common word (有限 is in most names). A code prefix
reads a btree on `code` in byte order (migration portal 0001) in order, and its count that
index alone. A name fragment is counted first, up to `COUNT_CAP`:
through the two-character or trigram GIN indexes of disclosure 0001
(`disclosure.queries.contains`), or, on PostgreSQL, for a two-character fragment that the
statistics put in a quarter of all names or more, by a plain scan that reaches the cap
within its first rows. Then the page: at most the cap matched, so all are fetched and
sorted, the shortest names first (the closest to what was typed); more than that, and
rows are read in the primary key's order until the page is full. The count decides, not
the planner: it had walked an index in name order for 恒鑫, a fragment it thought common
(0.4 s at 1,000,000 subjects).
Totals stop at the cap and say "more than" (`count_capped`). SQLite: plain icontains.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Collate, Length, StrIndex, Upper
from django.urls import reverse

from xinyong.disclosure import queries as disclosure
from xinyong.lib import pii
from xinyong.lib.errors import DomainError
from xinyong.lib.paging import clamp
from xinyong.subjects import codes
from xinyong.subjects.models import Subject

MIN_LENGTH, MAX_LENGTH = 2, 60
# A person looking for one enterprise reads the first pages and types more: counting past a
# thousand matches (贸易: tens of thousands at 1,000,000 subjects) would cost more than the
# page itself, so the total stops here and says "more than" (the 双公示 lists count on to
# disclosure.COUNT_CAP).
COUNT_CAP = 1_000
PAGE_SIZE, MAX_PAGE_SIZE = 20, disclosure.MAX_PAGE_SIZE
ENTERPRISES = disclosure.ENTERPRISES
# Letters and digits only, at least one digit: a code (USCCs carry digits; trade names
# written in Latin letters, such as TCL, do not).
CODE_PREFIX = re.compile(r"(?=.*\d)[0-9A-Z]+")
PERSON_REFUSED = ("本页不提供自然人信用信息查询，也不能按身份证号码或姓名查询个人。"
                  "本人可登录后在首页查看自己的信用信息。")
HINT = "请输入企业或个体工商户名称中连续的至少两个字，或统一社会信用代码（至少前两位）"


@dataclass(frozen=True)
class Query:
    kind: str  # "code" (a whole USCC), "prefix" (the start of one) or "name"
    text: str


def parse(q: str | None) -> Query:
    """What `q` asks for; DomainError("q", …) for what the public search does not do."""
    text = (q or "").strip()
    if not text:
        raise DomainError("q", HINT)
    if len(text) > MAX_LENGTH:
        raise DomainError("q", f"查询内容不能超过 {MAX_LENGTH} 个字符")
    compact = codes.normalize(text)
    try:
        kind, number = codes.classify(compact)
    except codes.CodeError:
        kind, number = "", ""
    if kind in ENTERPRISES:
        return Query("code", number)
    # The messages never repeat what was typed: it may be someone's ID number.
    if kind == codes.PERSON or pii.looks_like_id_number(compact) or pii.has_id_number(text):
        raise DomainError("q", PERSON_REFUSED)
    if CODE_PREFIX.fullmatch(compact):
        if len(compact) < MIN_LENGTH:
            raise DomainError("q", "统一社会信用代码请至少输入前两位")
        if len(compact) >= 18:  # a whole code with a mistake in it: say which
            try:
                codes.validate_uscc(compact)
            except codes.CodeError as exc:
                raise DomainError("q", str(exc)) from None
        return Query("prefix", compact)
    # The longest run of letters and digits is what an index can find (disclosure.contains):
    # one character (鑫 达) would read every row.
    if max(len(run) for run in re.split(r"[^\w]|_", text)) < MIN_LENGTH:
        raise DomainError("q", HINT)
    return Query("name", text)


def counted(query: Query) -> QuerySet[Subject]:
    """The rows a count reads (up to the cap), in whichever order is cheapest."""
    if query.kind == "code":
        return matches(query, many=False)
    if query.kind == "prefix":
        # Persons' codes are empty (subject_person_code_not_plain): no kind condition, so
        # the count reads the code index alone (an index-only scan).
        return Subject.objects.exclude(code="").filter(code__startswith=query.text)
    rows = Subject.objects.filter(kind__in=ENTERPRISES)
    if connection.vendor == "postgresql" and _common(query.text):
        # Most names hold it (有限): the first matches of a plain scan reach the cap long
        # before the GIN index has listed them all.
        return rows.alias(at=_position(query.text)).filter(at__gt=0)
    return rows.filter(disclosure.contains("name", query.text))


def matches(query: Query, many: bool) -> QuerySet[Subject]:
    """The enterprises `query` finds, in page order. `many`: more than the count's cap."""
    rows = Subject.objects.filter(kind__in=ENTERPRISES)
    postgresql = connection.vendor == "postgresql"
    if query.kind == "code":
        # Through the unique digest index; the plain code keeps the rule exact.
        return rows.filter(code_digest=codes.digest(query.text), code=query.text)
    if query.kind == "prefix":
        # The condition `code <> ''` is the partial index's, so that the planner may use
        # it. The index is in byte order (COLLATE "C"), which lets LIKE 'prefix%' read a
        # range of it; ordering in the same collation lets the page read that range in order.
        rows = rows.exclude(code="").filter(code__startswith=query.text)
        return rows.order_by(Collate(F("code"), "C") if postgresql else "code")
    if many:
        # Too many to sort: in the primary key's order, each row read checked until the
        # page is full (about page size ÷ share of names holding it). Not in name order:
        # names begin with a place, so 福州's matches sit past most of the name index.
        holds = Q(at__gt=0) if postgresql else Q(name__icontains=query.text)
        return rows.alias(at=_position(query.text)).filter(holds).order_by("id")
    # At most the cap: every match (through the GIN indexes), the closest first: the
    # shortest names (a whole name typed finds itself first). No index has this order, so
    # the planner cannot walk one hoping to meet a rare fragment soon.
    return (rows.filter(disclosure.contains("name", query.text))
            .order_by(Length("name"), "name", "id"))


def _position(text: str) -> StrIndex:
    return StrIndex(Upper("name"), Value(text.upper()))


# A two-character fragment in this share of all names or more counts by a plain scan.
COMMON_SHARE = 0.25
SHARES_SECONDS = 600
_shares: tuple[float, dict[str, float]] | None = None


def _common(text: str) -> bool:
    """Whether `text` (two characters: the pieces the planner keeps statistics of) is in
    at least COMMON_SHARE of names, by the statistics of the two-character index
    (pg_stats: its most common elements), read at most every SHARES_SECONDS."""
    global _shares
    if len(text) != 2:
        return False
    now = time.monotonic()
    if _shares is None or now - _shares[0] > SHARES_SECONDS:
        with connection.cursor() as cur:
            cur.execute("SELECT most_common_elems::text::text[], most_common_elem_freqs "
                        "FROM pg_stats WHERE schemaname = current_schema() "
                        "AND tablename = 'disclosure_subject_name_bigrams'")
            row = cur.fetchone()
        _shares = (now, dict(zip(row[0], row[1], strict=False)) if row and row[0] else {})
    return _shares[1].get(text.upper(), 0.0) >= COMMON_SHARE


def item(subject: Subject) -> dict[str, Any]:
    return {"id": subject.pk, "kind": subject.kind, "name": subject.name,
            "code_masked": subject.code_masked,
            "url": reverse("subjects:detail", args=[subject.pk])}


def search_page(q: str | None, page: int = 1, page_size: int = PAGE_SIZE) -> dict[str, Any]:
    """One page of results: {q, count, count_capped, page, page_size, items}. A page past
    the end is the last; page_size is held to 1 … MAX_PAGE_SIZE."""
    query = parse(q)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Each query reads at most about the cap's rows: starting parallel workers costs
            # more than it saves (贸易 at 1,000,000 subjects: 25 ms alone, 80–150 ms with two
            # workers on a busy server).
            # (A SELECT, not SET LOCAL: a tool that EXPLAINs each statement can run it.)
            with connection.cursor() as cur:
                cur.execute("SELECT set_config('max_parallel_workers_per_gather', '0', true)")
        found = counted(query).order_by()[:COUNT_CAP + 1].count()
        many = found > COUNT_CAP
        count = min(found, COUNT_CAP)
        page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
        page = clamp(page, count, page_size)
        rows = matches(query, many).only("id", "kind", "name", "code_masked")
        items = [item(row) for row in rows[(page - 1) * page_size: page * page_size]
                 ] if count else []
    order = {"code": "exact", "prefix": "code"}.get(query.kind) or (
        "registered" if many else "closest")
    return {"q": (q or "").strip(), "order": order, "count": count, "count_capped": many,
            "page": page, "page_size": page_size, "items": items}
