"""Statuses and remedies of objections (异议处理), with labels and badge colours."""

from __future__ import annotations

from xinyong.casework.choices import ACCEPTED, statuses
from xinyong.lib.choices import Choice, ChoiceSet

UPHELD, DISMISSED = "upheld", "dismissed"
STATUS = statuses(Choice(UPHELD, "异议成立", "text-bg-success"),
                  Choice(DISMISSED, "异议不成立", "text-bg-secondary"),
                  **{ACCEPTED: "已受理，核查中"})

WITHDRAWN, CORRECTED, REPAIR_REOPENED = "withdrawn", "corrected", "repair_reopened"
REMEDY = ChoiceSet(Choice(WITHDRAWN, "撤销记录"), Choice(CORRECTED, "更正记录"),
                   Choice(REPAIR_REOPENED, "修复申请重新办理"))
