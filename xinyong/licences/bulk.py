"""Licence files (行政许可信息数据标准, 2021 版): one row as a LicenceSubmission.

The header, the party columns, dates and codes are read as for penalty files
(records/bulk.py); this module maps the licence's own columns.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from xinyong.lib.pii import mask_id_numbers
from xinyong.licences.models import KINDS
from xinyong.licences.services import LicenceSubmission
from xinyong.records import bulk
from xinyong.records.bulk import RowError

REQUIRED = ["subject_kind", "subject_name", "decided_on", "decision_no", "licence_kind",
            "licence_authority_name"]
# 当前状态: 1 有效, 2 无效 (the standard's codes), or the words.
VALID_STATES = {"", "1", "有效", "正常"}
INVALID_STATES = {"2", "无效", "撤销", "已撤销", "注销", "已注销"}


def licence_kind(text: str) -> str | None:
    """许可类别 as files write it: 普通, 普通许可, 1 (the standard's order) …"""
    word = unicodedata.normalize("NFKC", text).strip().removesuffix("许可").removesuffix("类")
    if word.isdigit() and 1 <= int(word) <= len(KINDS):
        return KINDS[int(word) - 1]
    return word if word in KINDS else None


def to_licence(values: dict[str, str], row: int, today: dt.date
               ) -> tuple[tuple[LicenceSubmission, bool] | None, list[RowError]]:
    """One row: (the submission, whether the file says it is still valid), or the errors."""
    errors: list[RowError] = []

    def bad(field: str, msg: str) -> None:
        errors.append(RowError(row, field, mask_id_numbers(msg)))

    bulk.check_cells(values, REQUIRED, bad)
    subject_kind, code = bulk.party(values, bad)
    kind_text = values.get("licence_kind", "").strip()
    kind = licence_kind(kind_text)
    if kind_text and kind is None:
        bad("licence_kind", f"“{kind_text}”不是许可类别（应为 {'、'.join(KINDS)}）")
    dates: dict[str, dt.date | None] = {}
    for key in ("decided_on", "valid_from", "valid_to"):
        text = values.get(key, "").strip()
        dates[key] = None
        if text and not (key == "valid_to" and text in bulk.OPEN_ENDED):
            try:
                dates[key] = bulk._date(text)
            except ValueError:
                bad(key, f"“{text}”不是有效日期（应为 YYYY-MM-DD）")
    state = values.get("licence_status", "").strip()
    if state not in VALID_STATES | INVALID_STATES:
        bad("licence_status", f"“{state}”不是有效的当前状态（1 有效、2 无效）")
    rep = bulk.legal_representative(values, bad)
    authority_code = bulk.unit_code(values, "licence_authority_code", bad)
    source_code = bulk.unit_code(values, "source_unit_code", bad)
    decided_on = dates["decided_on"]
    if decided_on and decided_on > today:
        bad("decided_on", "许可决定日期不能晚于今天")
    start = dates["valid_from"] or decided_on
    if start and dates["valid_to"] and dates["valid_to"] < start:
        bad("valid_to", "有效期至不能早于有效期自")
    if errors:
        return None, errors
    assert subject_kind is not None and kind is not None and decided_on is not None
    return (LicenceSubmission(
        subject_kind=subject_kind, subject_name=values["subject_name"].strip(), subject_code=code,
        decision_no=values["decision_no"].strip(), kind=kind, decided_on=decided_on,
        authority_name=values["licence_authority_name"].strip(),
        decision_name=values.get("decision_name", "").strip(),
        licence_name=values.get("licence_name", "").strip(),
        licence_no=values.get("licence_no", "").strip(),
        content=values.get("licence_content", "").strip(), valid_from=dates["valid_from"],
        valid_to=dates["valid_to"], authority_code=authority_code,
        source_unit_name=values.get("source_unit_name", "").strip(), source_unit_code=source_code,
        remarks=values.get("remarks", "").strip(), external_id=values.get("external_id", "").strip(),
        legal_representative=rep,
    ), state not in INVALID_STATES), []
