"""Keep stored results current: one subject after a change of its records (in the change's
transaction), every subject after a pack or event changed (in the background)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from xinyong.policies.signals import rules_changed
from xinyong.subjects.signals import subject_changed


@receiver(subject_changed)
def refresh_subject(sender: Any, subject_id: int, **kwargs: Any) -> None:
    from xinyong.scores.refresh import refresh

    refresh([subject_id])


@receiver(rules_changed)
def refresh_everyone(sender: Any, **kwargs: Any) -> None:
    from django.db import transaction

    from xinyong.scores.tasks import refresh_all_task

    transaction.on_commit(lambda: refresh_all_task.enqueue())
