"""Choices of the lists (名单): a list's polarity as the public pages name it."""

from __future__ import annotations

from xinyong.lib.choices import Choice, ChoiceSet

# 失信 lists (punishment) and 守信 lists (红名单, incentives).
POLARITY = ChoiceSet(Choice("dishonest", "失信", "text-bg-danger"),
                     Choice("good", "守信", "text-bg-success"))

# Why a membership ended before its term (Membership.exit_reason), set where it ends
# (lists.services): its record closed (the record's `closed_cause` names which way), the
# subject rectified where the list rule allows that exit, or the pack lapsed.
REPAIRED, WITHDRAWN, OBJECTION_UPHELD = "repaired", "withdrawn", "objection_upheld"
RECTIFIED, LAPSED = "rectified", "policy_lapsed"
EXIT = ChoiceSet(Choice(REPAIRED, "信用修复"), Choice(WITHDRAWN, "记录撤销"),
                 Choice(OBJECTION_UPHELD, "异议成立"), Choice(RECTIFIED, "整改完成"),
                 Choice(LAPSED, "政策失效"))
# What pages and the API say of a membership off its list: an early exit, or its term over.
EXPIRED = "expired"
SHOWN_EXIT = EXIT + ChoiceSet(Choice(EXPIRED, "期限届满"))
