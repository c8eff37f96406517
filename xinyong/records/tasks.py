"""Background work (django-tasks, database backend): imports and the daily status pass."""

from __future__ import annotations

from typing import Any

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
    from xinyong.jobs.daily import book
    from xinyong.records.services import refresh_statuses

    counts = refresh_statuses()
    book(refresh_statuses_task)
    return counts
