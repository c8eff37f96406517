"""The steps every case goes through (案件状态), with labels and badge colours.

submitted → accepted (or refused) → an outcome of the kind (approved, upheld ...);
awaiting_material (待补正) stops the clock from submitted or accepted; withdrawn by the
applicant from any open step.
"""

from __future__ import annotations

from xinyong.lib.choices import Choice, ChoiceSet

SUBMITTED = "submitted"
ACCEPTED = "accepted"
AWAITING_MATERIAL = "awaiting_material"
REFUSED = "refused"
WITHDRAWN = "withdrawn"

OPEN = (SUBMITTED, ACCEPTED, AWAITING_MATERIAL)
# Steps a case can be paused from, and return to when the material arrives.
RUNNING = (SUBMITTED, ACCEPTED)

STEPS = ChoiceSet(
    Choice(SUBMITTED, "已提交", "text-bg-primary"),
    Choice(ACCEPTED, "已受理", "text-bg-info"),
    Choice(AWAITING_MATERIAL, "待补正材料", "text-bg-warning"),
    Choice(REFUSED, "不予受理", "text-bg-dark"),
    Choice(WITHDRAWN, "申请人已撤回", "text-bg-light border"),
)


def statuses(*outcomes: Choice, **labels: str) -> ChoiceSet:
    """A kind's statuses: the common steps (some relabelled) and its own outcomes."""
    return STEPS.relabel(**labels) + ChoiceSet(*outcomes)
