"""Penalty details (行政处罚信息) as the national data standard (2021 版) names them.

A record of behaviour `administrative_penalty` keeps what the penalty was: its categories,
content, amounts, basis, validity and the deciding authority. The rules read the categories
and the amount (the packs' `penalty_severity`); the 双公示 pages and the upward exchange
read the rest. Amounts are in 万元 and kept as exact decimal strings.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.db.models import Q

from xinyong.lib.errors import DomainError
from xinyong.lib.pii import mask_id_numbers
from xinyong.policies.schema import PENALTY_CATEGORIES
from xinyong.records.determination import PenaltyTerms
from xinyong.subjects import codes

# The national behaviour of a 双公示 penalty. A penalty is a record of it, or any record
# with penalty details: written once here as a Python test and an ORM condition (the
# upward exchange's bulk SQL and the search indexes' partial condition say the same).
PENALTY_BEHAVIOR = "administrative_penalty"


def is_penalty(record: Any) -> bool:
    return record.behavior == PENALTY_BEHAVIOR or record.penalty is not None


def penalty_q() -> Q:
    return Q(behavior=PENALTY_BEHAVIOR) | Q(penalty__isnull=False)


# Words units' systems write for the categories of 行政处罚法 第九条.
SYNONYMS = {
    "吊销许可证": "吊销许可证件", "吊销执照": "吊销许可证件", "吊销营业执照": "吊销许可证件",
    "吊销证照": "吊销许可证件", "吊销许可证照": "吊销许可证件",
    "暂扣许可证": "暂扣许可证件", "暂扣执照": "暂扣许可证件", "暂扣证照": "暂扣许可证件",
    "暂扣营业执照": "暂扣许可证件",
    "没收非法所得": "没收违法所得", "没收违法所得和非法财物": "没收违法所得",
    "责令停业": "责令停产停业", "停产停业": "责令停产停业", "责令停业整顿": "责令停产停业",
    "关闭": "责令关闭", "责令关停": "责令关闭",
    "拘留": "行政拘留", "限制生产经营活动": "限制开展生产经营活动",
    "限制开展生产经营": "限制开展生产经营活动", "降低资质": "降低资质等级",
}
SEPARATORS = re.compile(r"[;；,，、/|\s]+")
MAX_AMOUNT_WAN = Decimal("100000000")  # a trillion yuan: anything above is a typing error
MAX_TEXT = 2000


def parse_categories(text: str) -> list[str]:
    """`罚款;没收违法所得` → ["罚款", "没收违法所得"], in the law's order, each once.
    ValueError names the unknown word."""
    return list(_categories(text))


@lru_cache(maxsize=4096)  # a file repeats a handful of category cells many times
def _categories(text: str) -> tuple[str, ...]:
    found: set[str] = set()
    for word in SEPARATORS.split(unicodedata.normalize("NFKC", text)):
        word = word.strip()
        if not word:
            continue
        category = word if word in PENALTY_CATEGORIES else SYNONYMS.get(word)
        if category is None and word.startswith("其他"):
            category = "其他"
        if category is None:
            raise ValueError(f"“{word}”不是行政处罚的种类（应为 {'、'.join(PENALTY_CATEGORIES)}）")
        found.add(category)
    return tuple(c for c in PENALTY_CATEGORIES if c in found)


@lru_cache(maxsize=4096)
def parse_amount(text: str, *, yuan: bool = False) -> Decimal | None:
    """An amount in 万元 as written in a file: `1,200.5`, `１２`, `0.02`; `yuan` when the
    column is in 元. None when empty; ValueError when it is not a non-negative number."""
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace(" ", "")
    cleaned = cleaned.removesuffix("万元") if not yuan else cleaned.removesuffix("元")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"“{text}”不是有效金额（单位{'元' if yuan else '万元'}，如 1.5）") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"“{text}”不是有效金额（不能为负数）")
    if yuan:
        value = value / 10000
    if value > MAX_AMOUNT_WAN:
        raise ValueError(f"“{text}”超出合理范围，请核对单位（万元）")
    return value


def amount_text(value: Decimal | None) -> str | None:
    """An exact decimal string without trailing zeros (5.00 → "5", 1.250 → "1.25")."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text


@dataclass(frozen=True)
class LegalRepresentative:
    """法定代表人 of an organisation: the name is published, the ID number never is (kept
    encrypted and masked like a person's, `subjects.codes`)."""

    name: str = ""
    id_type: str = ""
    id_number: str = ""
    # As stored: a correction keeps the sealed number without ever opening it.
    id_masked: str = ""
    id_cipher: str = ""

    def as_json(self) -> dict[str, str] | None:
        if not (self.name or self.id_number or self.id_cipher):
            return None
        data = {"name": self.name, "id_type": self.id_type, "id_masked": self.id_masked,
                "id_cipher": self.id_cipher}
        if self.id_number:
            data["id_masked"] = codes.mask(codes.PERSON, self.id_number)
            data["id_cipher"] = codes.encrypt(self.id_number)
        return data


def legal_representative(name: str, id_number: str, field: str) -> LegalRepresentative:
    """法定代表人 as typed in a form or sent to the API: the ID number checked (a DomainError
    naming `field`), to be sealed when stored."""
    number = id_number.strip()
    if number:
        try:
            number = codes.validate_code(codes.PERSON, number)
        except codes.CodeError as exc:
            raise DomainError(field, str(exc)) from None
    return LegalRepresentative(name=name.strip()[:100], id_type="身份证" if number else "",
                               id_number=number)


@dataclass(frozen=True)
class Penalty:
    """行政处罚信息 beyond what every record has (文书号, 决定日期, 违法事实, 违法行为类型)."""

    category: tuple[str, ...] = ()
    content: str = ""
    fine_wan: Decimal | None = None
    confiscated_wan: Decimal | None = None
    licence_affected: str = ""  # 暂扣或吊销证照名称及编号
    basis: str = ""  # 处罚依据
    valid_until: dt.date | None = None  # 处罚有效期
    publicity_until: dt.date | None = None  # 公示截止期 as the unit reported it
    authority_name: str = ""  # 处罚机关
    authority_code: str = ""
    source_unit_name: str = ""  # 数据来源单位
    source_unit_code: str = ""
    remarks: str = ""
    legal_representative: LegalRepresentative = field(default_factory=LegalRepresentative)

    def __post_init__(self) -> None:
        # Published text: an ID number typed into it is masked before it is stored.
        for name in ("content", "basis", "licence_affected", "remarks"):
            object.__setattr__(self, name, mask_id_numbers(getattr(self, name))[:MAX_TEXT])

    @property
    def amount_wan(self) -> Decimal | None:
        """罚没金额: the fine and the confiscation together."""
        if self.fine_wan is None and self.confiscated_wan is None:
            return None
        return (self.fine_wan or Decimal(0)) + (self.confiscated_wan or Decimal(0))

    def terms(self) -> PenaltyTerms:
        return PenaltyTerms(frozenset(self.category), self.amount_wan)

    def as_json(self) -> dict[str, Any]:
        return {
            "category": list(self.category), "content": self.content,
            "fine_wan": amount_text(self.fine_wan),
            "confiscated_wan": amount_text(self.confiscated_wan),
            "licence_affected": self.licence_affected, "basis": self.basis,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "publicity_until": self.publicity_until.isoformat() if self.publicity_until else None,
            "authority": {"name": self.authority_name, "code": self.authority_code},
            "source_unit": {"name": self.source_unit_name, "code": self.source_unit_code},
            "remarks": self.remarks,
            "legal_representative": self.legal_representative.as_json(),
        }


def from_json(data: dict[str, Any] | None) -> Penalty | None:
    """A stored penalty back as a Penalty (the legal representative's number stays sealed:
    a correction keeps what is stored)."""
    if not data:
        return None

    def amount(value: Any) -> Decimal | None:
        return None if value in (None, "") else Decimal(str(value))

    def day(value: Any) -> dt.date | None:
        return dt.date.fromisoformat(value) if value else None

    rep = data.get("legal_representative") or {}
    penalty = Penalty(
        category=tuple(data.get("category") or ()), content=data.get("content", ""),
        fine_wan=amount(data.get("fine_wan")), confiscated_wan=amount(data.get("confiscated_wan")),
        licence_affected=data.get("licence_affected", ""), basis=data.get("basis", ""),
        valid_until=day(data.get("valid_until")), publicity_until=day(data.get("publicity_until")),
        authority_name=(data.get("authority") or {}).get("name", ""),
        authority_code=(data.get("authority") or {}).get("code", ""),
        source_unit_name=(data.get("source_unit") or {}).get("name", ""),
        source_unit_code=(data.get("source_unit") or {}).get("code", ""),
        remarks=data.get("remarks", ""),
        legal_representative=LegalRepresentative(
            name=rep.get("name", ""), id_type=rep.get("id_type", ""),
            id_masked=rep.get("id_masked", ""), id_cipher=rep.get("id_cipher", "")),
    )
    return penalty


def check_authority_code(code: str, field_name: str) -> str:
    """处罚机关 and 数据来源单位 codes are USCCs (a government body's starts with 11)."""
    checked = _authority_code(code)
    if isinstance(checked, codes.CodeError):
        raise DomainError(field_name, str(checked))
    return checked


@lru_cache(maxsize=1024)  # a file names the same few authorities on every row
def _authority_code(code: str) -> str | codes.CodeError:
    code = unicodedata.normalize("NFKC", code).strip().upper()
    if not code:
        return ""
    try:
        return codes.validate_code(codes.ORGANIZATION, code)
    except codes.CodeError as exc:
        return exc


def public_view(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """What of a penalty may be shown to anyone: never the legal representative's number."""
    if not data:
        return None
    shown = {k: v for k, v in data.items() if k != "legal_representative"}
    rep = data.get("legal_representative") or {}
    shown["legal_representative"] = rep.get("name", "") if rep else ""
    return shown
