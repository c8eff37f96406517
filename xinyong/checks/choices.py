"""What a check answers for a subject (verdict) and the kind of each measure, with labels
and badge colours."""

from __future__ import annotations

from xinyong.lib.choices import Choice, ChoiceSet

RESTRICT, INCENTIVE, MIXED, ATTENTION, NONE = "restrict", "incentive", "mixed", "attention", "none"
VERDICT = ChoiceSet(
    Choice(RESTRICT, "惩戒", "text-bg-danger"), Choice(INCENTIVE, "激励", "text-bg-success"),
    Choice(MIXED, "奖惩并存", "text-bg-warning"),
    # Dishonest on file but no measure of the caller's packs in this scenario: never 未命中.
    Choice(ATTENTION, "关注", "text-bg-info"), Choice(NONE, "未命中", "text-bg-light border"),
)
MEASURE_KIND = ChoiceSet(Choice(RESTRICT, "惩戒", "text-bg-danger"),
                         Choice(INCENTIVE, "激励", "text-bg-success"))
