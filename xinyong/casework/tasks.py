"""Background work of every kind of case: evidence kept only for its retention period."""

from __future__ import annotations

from django_tasks import task


@task()
def purge_evidence_task() -> int:
    """Delete evidence past its retention period (every kind) and files kept on forms
    that were abandoned, then book tomorrow's run."""
    from xinyong.casework import pending
    from xinyong.casework.services import Workflow
    from xinyong.jobs.daily import book

    pending.purge()  # files kept on forms that were never sent again
    count = sum(workflow.purge_evidence() for workflow in Workflow.registry)
    book(purge_evidence_task)
    return count
