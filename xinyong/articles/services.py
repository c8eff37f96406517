"""The office writes articles (典型案例, 新闻动态, 政策解读), publishes them on a date (a date
ahead schedules them) and withdraws them with a reason. Every step is audited.

A typical case is about records: each must be shown publicly on the day it is linked or
published, of the case's own kind (a dishonest case: dishonest records), and never a
person's. Whether a published case stays up is not stored: `ArticleQuerySet.public` asks
the records every time, so a record repaired later takes its case down at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.articles.models import Article
from xinyong.audit.models import record as audit
from xinyong.lib.errors import DomainError
from xinyong.lib.pii import has_id_number
from xinyong.policies.models import PolicyPack
from xinyong.records import publicity
from xinyong.records.models import Record, publicity_end
from xinyong.subjects import codes

MAX_TITLE = 200
MAX_SUMMARY = 500
MAX_BODY = 20_000
MAX_RECORDS = 20
MAX_REASON = 500
MAX_AHEAD_DAYS = 366  # a publish date further ahead is a typing slip


@dataclass
class ArticleInput:
    """What the office writes: the form and the demo fill it the same way. `records` are
    record ids or decision numbers (决定文书号), as typed."""

    kind: str
    title: str
    summary: str = ""
    body: str = ""
    polarity: str = ""
    records: list[Any] = field(default_factory=list)
    pack_id: str = ""


def _office(user: Any) -> None:
    if getattr(user, "role", None) != Role.OFFICE:
        raise DomainError("", "只有信用办可以编写和发布文章", status=403)


def _text(value: str | None, name: str, label: str, limit: int, *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(name, f"请填写{label}")
    if len(text) > limit:
        raise DomainError(name, f"{label}不能超过 {limit:,} 字（现有 {len(text):,} 字）")
    if has_id_number(text):
        raise DomainError(name, f"{label}中有身份证号码；公开的文章不得载有个人身份证号码")
    return text


def find_record(ref: Any) -> Record:
    """A record by its id or its decision number (决定文书号), as the office typed it."""
    text = str(ref).strip()
    if not text:
        raise DomainError("records", "记录编号或决定文书号不能为空")
    if re.fullmatch(r"\d{1,18}", text):
        found = Record.objects.select_related("subject").filter(pk=int(text)).first()
        if found is not None:
            return found
    rows = list(Record.objects.select_related("subject").filter(decision_no=text)[:2])
    if not rows:
        raise DomainError("records", f"没有编号或决定文书号为“{text}”的信用记录")
    if len(rows) > 1:
        raise DomainError("records", f"决定文书号“{text}”对应多条记录，请改填记录编号")
    return rows[0]


def check_records(refs: Iterable[Any], polarity: str, day: dt.date) -> list[Record]:
    """The records a case is about, each shown publicly on `day`, of the case's kind, none a
    person's (a person's records are never public)."""
    found: dict[int, Record] = {}
    for ref in refs:
        record = find_record(ref)
        found.setdefault(record.pk, record)
    if not found:
        raise DomainError("records", "典型案例须关联至少一条信用记录")
    if len(found) > MAX_RECORDS:
        raise DomainError("records", f"一个案例最多关联 {MAX_RECORDS} 条记录")
    wanted = Article.Polarity(polarity).label
    for record in found.values():
        name = f"记录 {record.pk}（{record.decision_no}）"
        if record.subject.kind == codes.PERSON:
            raise DomainError("records", f"{name}的主体是自然人，自然人的信用记录不向社会公开，"
                                         "不能作为典型案例")
        if record.polarity != polarity:
            raise DomainError("records", f"{name}不是{wanted}信息，与案例类型“{wanted}”不符")
        if not publicity.is_published(record, day):
            raise DomainError("records", f"{name}在 {day.isoformat()} 不在公示期内"
                                         "（已修复、撤销、期满或尚未公示），不能作为典型案例")
    return list(found.values())


def _clean(data: ArticleInput, today: dt.date) -> tuple[dict[str, Any], list[Record]]:
    if data.kind not in Article.Kind.values:
        raise DomainError("kind", "请选择文章类别：" + "、".join(Article.Kind.labels))
    values = {
        "kind": data.kind,
        "title": _text(data.title, "title", "标题", MAX_TITLE, required=True),
        "summary": _text(data.summary, "summary", "摘要", MAX_SUMMARY),
        "body": _text(data.body, "body", "正文", MAX_BODY, required=True),
        "polarity": "", "pack_id": "",
    }
    records: list[Record] = []
    if data.kind == Article.Kind.CASE:
        if data.polarity not in Article.Polarity.values:
            raise DomainError("polarity", "请选择案例类型：失信或守信")
        values["polarity"] = data.polarity
        records = check_records(data.records, data.polarity, today)
    else:
        if data.polarity:
            raise DomainError("polarity", "只有典型案例有案例类型")
        if [r for r in data.records if str(r).strip()]:
            raise DomainError("records", "只有典型案例关联信用记录")
    pack_id = (data.pack_id or "").strip()
    if pack_id:
        if data.kind != Article.Kind.POLICY_READING:
            raise DomainError("pack_id", "只有政策解读关联政策")
        if not PolicyPack.objects.filter(pack_id=pack_id).exists():
            raise DomainError("pack_id", f"没有编号为“{pack_id}”的政策")
        values["pack_id"] = pack_id
    return values, records


def _lock(article_id: int) -> Article:
    article = Article.objects.select_for_update().filter(pk=article_id).first()
    if article is None:
        raise DomainError("id", "没有这篇文章", status=404)
    return article


@transaction.atomic
def create(user: Any, data: ArticleInput, *, request: Any = None,
           today: dt.date | None = None) -> Article:
    """A draft (草稿): not shown until published."""
    _office(user)
    values, records = _clean(data, today or timezone.localdate())
    article = Article.objects.create(author=user, **values)
    article.records.set(records)
    audit("article.create", actor=user, request=request, obj=article,
          summary=f"新建{article.get_kind_display()}“{article.title}”")
    return article


@transaction.atomic
def update(user: Any, article_id: int, data: ArticleInput, *, request: Any = None,
           today: dt.date | None = None) -> Article:
    """Edit an article in any state; a published one changes at once."""
    _office(user)
    article = _lock(article_id)
    if data.kind != article.kind:
        raise DomainError("kind", "文章类别不能修改；请新建一篇")
    values, records = _clean(data, today or timezone.localdate())
    for name, value in values.items():
        setattr(article, name, value)
    article.save()
    article.records.set(records)
    audit("article.update", actor=user, request=request, obj=article,
          summary=f"修改{article.get_kind_display()}“{article.title}”")
    return article


@transaction.atomic
def publish(user: Any, article_id: int, on: dt.date | None, *, request: Any = None,
            today: dt.date | None = None) -> Article:
    """Publish on `on`: today shows it at once, a later date schedules it (定时发布). A
    withdrawn article may be published again; a case's records are checked again."""
    _office(user)
    today = today or timezone.localdate()
    article = _lock(article_id)
    if on is None:
        raise DomainError("published_on", "请填写发布日期")
    if on < today:
        raise DomainError("published_on", f"发布日期不能早于今天（{today.isoformat()}）")
    if on > today + dt.timedelta(days=MAX_AHEAD_DAYS):
        raise DomainError("published_on", "发布日期不能晚于一年以后")
    if (article.withdrawn_at is None and article.published_on is not None
            and article.published_on <= today):
        raise DomainError("published_on",
                          f"已于 {article.published_on.isoformat()} 发布；要下线请撤回", status=409)
    if article.kind == Article.Kind.CASE:
        # Checked on the day it goes up; from then on `public` asks the records every day.
        check_records([r.pk for r in article.records.all()], article.polarity, max(on, today))
    article.published_on = on
    article.withdrawn_at, article.withdrawn_reason = None, ""
    article.save(update_fields=["published_on", "withdrawn_at", "withdrawn_reason", "updated_at"])
    when = "发布" if on == today else f"定于 {on.isoformat()} 发布"
    audit("article.publish", actor=user, request=request, obj=article,
          summary=f"{when}{article.get_kind_display()}“{article.title}”",
          detail={"published_on": on.isoformat()})
    return article


@transaction.atomic
def withdraw(user: Any, article_id: int, reason: str, *, request: Any = None) -> Article:
    """撤回: off the portal at once, kept for the office with its reason."""
    _office(user)
    article = _lock(article_id)
    reason = _text(reason, "reason", "撤回原因", MAX_REASON, required=True)
    if article.withdrawn_at is not None:
        raise DomainError("reason", "这篇文章已经撤回", status=409)
    if article.published_on is None:
        raise DomainError("reason", "草稿尚未发布，无需撤回", status=409)
    article.withdrawn_at, article.withdrawn_reason = timezone.now(), reason
    article.save(update_fields=["withdrawn_at", "withdrawn_reason", "updated_at"])
    audit("article.withdraw", actor=user, request=request, obj=article,
          summary=f"撤回{article.get_kind_display()}“{article.title}”：{reason}")
    return article


def takedown_reason(article: Article, day: dt.date) -> str:
    """Why a published case is not shown on `day` (computed, never stored): the linked
    records no longer shown, each with why."""
    reasons = []
    for record in article.records.select_related("subject"):
        if record.subject.kind == codes.PERSON:
            reasons.append(f"记录 {record.pk}（{record.decision_no}）的主体是自然人")
        elif not publicity.is_published(record, day):
            end, why = publicity_end(record, day)
            reasons.append(f"记录 {record.pk}（{record.decision_no}）"
                           + (f"自 {end.isoformat()} 起不再公示（{why}）" if end else "不在公示期内"))
    return "；".join(reasons)
