"""Background work of checks: a file of codes uploaded on the check page."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def run_check_file_task(job_id: int) -> dict[str, Any]:
    from xinyong.checks.services import run_check_file
    from xinyong.jobs.leases import JobBusy

    try:
        job = run_check_file(job_id)
    except JobBusy as exc:
        return {"status": "busy", "detail": str(exc)}
    return {"status": job.status, "check": job.check_result_id}
