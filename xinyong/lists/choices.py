"""Choices of the lists (名单): a list's polarity as the public pages name it."""

from __future__ import annotations

from xinyong.lib.choices import Choice, ChoiceSet

# 失信 lists (punishment) and 守信 lists (红名单, incentives).
POLARITY = ChoiceSet(Choice("dishonest", "失信", "text-bg-danger"),
                     Choice("good", "守信", "text-bg-success"))
