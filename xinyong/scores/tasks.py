"""Background recomputes of points and grades (django-tasks, database backend)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


def _summary(run: Any) -> dict[str, Any]:
    return {"refresh": run.pk, "subjects": run.subjects, "changed": run.changed}


@task()
def refresh_all_task() -> dict[str, Any]:
    """Every subject, after a pack or an event changed the rules in force."""
    from xinyong.scores.refresh import refresh

    return _summary(refresh())


@task()
def refresh_import_task(job_id: int) -> dict[str, Any]:
    """The subjects of one import, after its merge."""
    from xinyong.scores.refresh import refresh

    return _summary(refresh(import_job=job_id))


@task()
def nightly_refresh_task() -> dict[str, Any]:
    """Every subject, each night (publicity ends, windows close, a year turns clean), then
    book tomorrow's run."""
    from xinyong.jobs.daily import book
    from xinyong.scores.refresh import refresh

    summary = _summary(refresh())
    book(nightly_refresh_task)
    return summary
