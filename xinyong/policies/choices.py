"""Choices the policies define for every app: severity (情节) and polarity, with labels and
badge colours."""

from __future__ import annotations

from xinyong.lib.choices import Choice, ChoiceSet

SEVERITY = ChoiceSet(Choice("minor", "轻微", "text-bg-light border"),
                     Choice("general", "一般", "text-bg-warning"),
                     Choice("serious", "严重", "text-bg-danger"))
POLARITY = ChoiceSet(Choice("dishonest", "失信", "text-bg-danger"),
                     Choice("good", "良好", "text-bg-success"))
