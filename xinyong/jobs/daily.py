"""Daily background tasks (settings.DAILY_TASKS): each books its next run when it runs, and
the worker books every one when it starts, so a stopped worker catches up on restart."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

AT = dt.time(0, 10)


def book(task: Any) -> None:
    """Queue `task`'s run at 00:10 tomorrow, unless one is already waiting."""
    from django_tasks_db.models import DBTaskResult

    name = f"{task.func.__module__}.{task.func.__qualname__}"
    if DBTaskResult.objects.filter(task_path=name, status="READY").exists():
        return
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    task.using(run_after=timezone.make_aware(dt.datetime.combine(tomorrow, AT))).enqueue()


def book_all() -> None:
    for path in settings.DAILY_TASKS:
        book(import_string(path))
