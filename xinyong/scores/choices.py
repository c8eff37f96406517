"""Grades (企业信用风险分类) with labels and badge colours."""

from __future__ import annotations

from xinyong.lib.choices import Choice, ChoiceSet

GRADE = ChoiceSet(
    Choice("A", "A类（信用风险低）", "text-bg-success"),
    Choice("B", "B类（信用风险一般）", "text-bg-primary"),
    Choice("C", "C类（信用风险较高）", "text-bg-warning"),
    Choice("D", "D类（信用风险高）", "text-bg-danger"),
)
