"""Background work (django-tasks, database backend): imports and the daily status pass."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django_tasks import task


@task()
def run_import_task(job_id: int) -> dict[str, Any]:
    from xinyong.jobs.leases import JobBusy
    from xinyong.records import imports

    try:
        job = imports.run(job_id)
    except JobBusy as exc:  # a live run has it (e.g. `xinyong import --resume`): leave it be
        return {"status": "busy", "detail": str(exc)}
    return {"status": job.status, "accepted": job.accepted, "rejected": job.rejected}


@task()
def refresh_statuses_task() -> dict[str, int]:
    """Publish lapsed deferrals and expire ended publicity, then book tomorrow's run."""
    from xinyong.records.services import refresh_statuses

    counts = refresh_statuses()
    schedule_refresh()
    return counts


def schedule_refresh() -> None:
    """Queue the next daily run (00:10 tomorrow) unless one is already waiting."""
    from django_tasks_db.models import DBTaskResult

    name = f"{refresh_statuses_task.func.__module__}.{refresh_statuses_task.func.__qualname__}"
    waiting = DBTaskResult.objects.filter(task_path=name, status="READY").exists()
    if waiting:
        return
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    run_after = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(0, 10)))
    refresh_statuses_task.using(run_after=run_after).enqueue()
