"""Choices with their label and badge colour together (one `choices.py` per app).

    STATUS = ChoiceSet(Choice("submitted", "已提交", "text-bg-primary"), ...)
    models.CharField(choices=STATUS.choices)      # (value, label) pairs for Django
    STATUS.label("submitted"), STATUS.badge("submitted")
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    badge: str = "text-bg-secondary"


class ChoiceSet:
    def __init__(self, *choices: Choice) -> None:
        self._by_value = {c.value: c for c in choices}
        if len(self._by_value) != len(choices):
            raise ValueError("duplicate choice values")

    def __iter__(self) -> Iterator[Choice]:
        return iter(self._by_value.values())

    def __contains__(self, value: object) -> bool:
        return value in self._by_value

    def __add__(self, other: ChoiceSet) -> ChoiceSet:
        return ChoiceSet(*self, *other)

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(c.value, c.label) for c in self]

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(self._by_value)

    def label(self, value: str) -> str:
        choice = self._by_value.get(value)
        return choice.label if choice else value

    def badge(self, value: str) -> str:
        choice = self._by_value.get(value)
        return choice.badge if choice else "text-bg-secondary"

    def relabel(self, **labels: str) -> ChoiceSet:
        """The same choices with some labels changed (a kind of case names a step its way)."""
        return ChoiceSet(*(Choice(c.value, labels.get(c.value, c.label), c.badge) for c in self))
