"""Jurisdictions (辖区): which packs govern a member unit, by 行政区划代码.

A region code has six digits: province (2), city (2), county or district (2). A pack
naming 350100 (福州市) governs 350105 (马尾区); one naming 320585 (太仓市) governs only
itself. National and platform packs name no region and govern everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from xinyong.policies.rulebook import Entry, Rulebook
    from xinyong.policies.schema import Behavior

REGION = re.compile(r"^[1-9][0-9]{5}$")

# Names for the regions the shipped packs and the demo use; others show as their code.
KNOWN_REGIONS = {
    "350000": "福建省", "350100": "福州市", "350105": "马尾区",
    "320000": "江苏省", "320500": "苏州市", "320585": "太仓市",
}


T = TypeVar("T")


def region_problem(code: str) -> str | None:
    """Why `code` is not a 行政区划代码, or None."""
    if not REGION.match(code):
        return "行政区划代码应为 6 位数字，如马尾区 350105、太仓市 320585"
    return None


def region_label(code: str | None) -> str:
    if not code:
        return "未设置"
    name = KNOWN_REGIONS.get(code)
    return f"{name}（{code}）" if name else code


def prefix(area: str) -> str:
    """What every region inside `area` starts with: 2 digits of a province (350000), 4 of a
    city (350100), all 6 of a county (350105). SQL filters compare this prefix too."""
    if area.endswith("0000"):
        return area[:2]
    return area[:4] if area.endswith("00") else area


def contains(area: str, region: str) -> bool:
    """Whether the area `area` (a province, a city or a county) contains `region`."""
    start = prefix(area)
    return region == area if start == area else region[:len(start)] == start


def governs(entry: Entry, region: str | None) -> bool:
    """Whether a pack applies to a unit in `region`. Packs naming no region govern all; a
    unit without a region is governed by those only."""
    if not entry.pack.regions:
        return True
    return bool(region) and any(contains(area, region or "") for area in entry.pack.regions)


# Where a number is set locally (a "large" fine, a publication limit), the most local
# governing pack with it decides; the office's platform defaults come last.
LOCALITY = {"district": 0, "city": 1, "provincial": 2, "national": 3, "platform": 4}


def most_local(found: list[tuple[Entry, T]]) -> tuple[Entry, T] | None:
    """Of (pack entry, rule) pairs, the one of the most local pack (None if there are none)."""
    return min(found, key=lambda pair: LOCALITY[pair[0].pack.level]) if found else None


def areas(entry: Entry) -> str:
    """The pack's area for messages: 福州市（350100）."""
    if not entry.pack.regions:
        return "全部地区"
    return "、".join(region_label(code) for code in entry.pack.regions)


def outside_message(entry: Entry, code: str, region: str | None) -> str:
    where = f"本单位所在地 {region_label(region)}" if region else "本单位未设置行政区划代码"
    return (f"行为“{code}”属于 {entry.pack.doc_number}（{entry.pack.jurisdiction}，"
            f"适用于 {areas(entry)}），{where}，不在其适用范围内；请使用本辖区规则包中的行为")


def behaviors_for(book: Rulebook, region: str | None,
                  day: dt.date) -> list[tuple[Entry, Behavior]]:
    """The behaviours a unit in `region` may report on `day`: packs in force that govern it."""
    return [(entry, behavior) for entry in book.in_force(day) if governs(entry, region)
            for behavior in entry.pack.behaviors]
