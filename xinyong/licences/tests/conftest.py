from __future__ import annotations

import datetime as dt
from typing import Any

from stdnum.cn import uscc

from xinyong.licences.services import LicenceSubmission

AUTHORITY_CODE = "11350105MB0000000" + uscc.calc_check_digit("11350105MB0000000")
SHOP_CODE = "92350105MA2Y00021" + uscc.calc_check_digit("92350105MA2Y00021")


def licence(**changes: Any) -> LicenceSubmission:
    """A 食品经营许可 of a 马尾 shop, as a unit reports it."""
    data: dict[str, Any] = dict(
        subject_kind="individual_business", subject_name="马尾丁记小吃店", subject_code=SHOP_CODE,
        decision_no="榕马市监许〔2026〕501号", decision_name="食品经营许可决定书", kind="普通",
        licence_name="食品经营许可证", licence_no="JY23501050012345", content="热食类食品制售",
        decided_on=dt.date(2026, 11, 10), valid_to=dt.date(2031, 11, 9),
        authority_name="福州市马尾区市场监督管理局", authority_code=AUTHORITY_CODE)
    data.update(changes)
    return LicenceSubmission(**data)
