"""What the public home page (门户首页) shows, composed from each app's own queries: the
online services, the lists and 双公示 with their counts, the latest typical cases and news,
and the policies in force. Nothing here decides who sees what."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from xinyong.articles.models import Article
from xinyong.disclosure import queries as disclosure
from xinyong.lists.models import Membership
from xinyong.policies import rulebook
from xinyong.policies.models import PolicyPack, effective_until, status_on

LATEST = 5


@dataclass(frozen=True)
class Service:
    title: str
    url_name: str
    description: str
    # Further links of the same service: (label, url name).
    more: tuple[tuple[str, str], ...] = ()

    def links(self) -> dict[str, Any]:
        return {"title": self.title, "url": reverse(self.url_name),
                "description": self.description,
                "more": [{"label": label, "url": reverse(name)} for label, name in self.more]}


# Every online service a member of the public (or an enterprise, once logged in) uses.
SERVICES = [
    Service("信用查询", "portal:search",
            "按名称或统一社会信用代码查询企业、个体工商户的公开信用档案"),
    Service("信用修复", "repairs:guide",
            "哪些失信信息可以修复、条件和材料，见信用修复指南；企业登录后在线申请"),
    Service("异议申请", "objections:create",
            "认为信用记录有误，或对修复决定不服的，登录后在线提出异议"),
    Service("信用报告", "reports:mine",
            "企业登录后下载本单位的公共信用信息报告；任何人都可核验报告真伪",
            (("报告核验", "reports:verify"),)),
    Service("信用承诺", "commitments:index",
            "企业在线签署信用承诺书；公开的承诺、承诺活动和承诺书核验",
            (("承诺书核验", "commitments:check"),)),
    Service("不可抗力证明", "certificates:apply",
            "因不可抗力未能履约的，企业登录后申请事实性证明；证明编号可在线核验",
            (("证明核验", "certificates:verify"),)),
    Service("信易贷", "financing:index",
            "金融机构的信用贷款产品；企业登录后发布融资需求、授权银行查询信用信息"),
    Service("办理进度查询", "casework:track",
            "凭回执上的查询码，查看信用修复、异议、证明和融资需求的办理进度"),
]


def services() -> list[dict[str, Any]]:
    return [service.links() for service in SERVICES]


def capped_count(rows: Any) -> dict[str, Any]:
    """A count that stops at the disclosure pages' cap (`capped`: more than `count`)."""
    n = rows.order_by()[:disclosure.COUNT_CAP + 1].count()
    return {"count": min(n, disclosure.COUNT_CAP), "capped": n > disclosure.COUNT_CAP}


def list_counts(day: dt.date) -> dict[str, int]:
    """Subjects on the public lists in force on `day`: on a dishonest list, on a good one
    (as lists:index counts them: the lists some pack in force makes public)."""
    book = rulebook.current()
    public = {code for code, rules in book.lists().items() if any(r.public for _, r in rules)}
    members = Membership.objects.active_on(day).filter(public=True).order_by()

    def subjects(codes: set[str]) -> int:
        return members.filter(list_code__in=codes).values("subject").distinct().count()

    return {"dishonest": subjects(public & book.list_codes("dishonest")),
            "good": subjects(public & book.list_codes("good"))}


def publicity_counts(day: dt.date) -> dict[str, Any]:
    return {"penalties": capped_count(disclosure.penalties(disclosure.Filters(), day)),
            "licences": capped_count(disclosure.licences(disclosure.Filters()))}


def latest_articles(kind: str, day: dt.date) -> list[Article]:
    return list(Article.objects.public(day).filter(kind=kind)
                .order_by("-published_on", "-id")[:LATEST])


def policies_in_force(day: dt.date) -> list[dict[str, Any]]:
    """The packs whose current version is in force on `day` (an ending event that has
    happened counts), newest first."""
    happened = rulebook.events()
    rows = []
    for pack in PolicyPack.objects.select_related("current").exclude(current=None):
        version = pack.current
        assert version is not None
        if status_on(version, happened, day) != "in_force":
            continue
        rows.append({"pack_id": pack.pack_id, "title": version.title,
                     "doc_number": version.doc_number, "effective_from": version.effective_from,
                     "effective_until": effective_until(version, happened),
                     "ends_with_event": bool(version.ending_event)})
    rows.sort(key=lambda r: (r["effective_from"], r["pack_id"]), reverse=True)
    return rows


def public_home(day: dt.date) -> dict[str, Any]:
    """The home page's portal part, for `day`."""
    return {
        "services": services(),
        "list_counts": list_counts(day),
        "publicity": publicity_counts(day),
        "typical_cases": latest_articles(Article.Kind.CASE, day),
        "news": latest_articles(Article.Kind.NEWS, day),
        "policies": policies_in_force(day),
    }
