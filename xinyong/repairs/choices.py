"""Statuses and channels of credit repair (信用修复), with labels and badge colours."""

from __future__ import annotations

from xinyong.casework.choices import statuses
from xinyong.lib.choices import Choice, ChoiceSet

APPROVED, REJECTED = "approved", "rejected"
STATUS = statuses(Choice(APPROVED, "修复通过", "text-bg-success"),
                  Choice(REJECTED, "不予修复", "text-bg-secondary"))

GREEN, STANDARD = "green", "standard"
CHANNEL = ChoiceSet(Choice(GREEN, "绿色通道", "text-bg-success"),
                    Choice(STANDARD, "标准渠道", "text-bg-light border"))

# Why the green channel: the record itself qualifies (no check needed), or the applicant's
# claim, which the officer confirms or refuses (the case then moves to the standard channel).
BY_RECORD, BY_CLAIM = "record", "claim"
BASIS = ChoiceSet(Choice(BY_RECORD, "依记录", "text-bg-success"),
                  Choice(BY_CLAIM, "申请人自报", "text-bg-warning"), Choice("", ""))

PENDING, CONFIRMED, MOVED = "pending", "confirmed", "moved"
CLAIM_STATUS = ChoiceSet(Choice(PENDING, "待核实", "text-bg-warning"),
                         Choice(CONFIRMED, "已核实", "text-bg-success"),
                         Choice(MOVED, "不属实，转标准渠道", "text-bg-secondary"), Choice("", ""))
