"""Background work of repairs: evidence kept only for its retention period."""

from __future__ import annotations

from django_tasks import task


@task()
def purge_evidence_task() -> int:
    """Delete evidence past its retention period, then book tomorrow's run."""
    from xinyong.jobs.daily import book
    from xinyong.repairs.services import purge_evidence

    count = purge_evidence()
    book(purge_evidence_task)
    return count
