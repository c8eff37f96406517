"""Background work of every kind of case: evidence kept only for its retention period."""

from __future__ import annotations

from django_tasks import task


@task()
def purge_evidence_task() -> int:
    """Delete evidence past its retention period (every kind), then book tomorrow's run."""
    from xinyong.casework.services import Workflow
    from xinyong.jobs.daily import book

    count = sum(workflow.purge_evidence() for workflow in Workflow.registry)
    book(purge_evidence_task)
    return count
