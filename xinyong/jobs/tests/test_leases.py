"""One live run per job: claim, refuse, take over after the lease, detect a take-over."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.utils import timezone

from xinyong.accounts.models import Unit
from xinyong.jobs import leases
from xinyong.records.models import ImportJob


@pytest.fixture
def job(unit: Unit) -> ImportJob:
    return ImportJob.objects.create(unit=unit, file_name="x.csv", file_path="/nonexistent.csv",
                                    sha256="0" * 64)


def age(job: ImportJob, seconds: float) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_claim_a_queued_job(job: ImportJob) -> None:
    claimed = leases.claim(ImportJob, job.pk, "host-a:1")
    assert (claimed.status, claimed.owner, claimed.attempts) == ("running", "host-a:1", 1)
    assert claimed.heartbeat_at is not None and claimed.started_at is not None


def test_a_live_owner_keeps_its_job(job: ImportJob) -> None:
    leases.claim(ImportJob, job.pk, "host-a:1")
    with pytest.raises(leases.JobBusy, match="正由 host-a:1 运行"):
        leases.claim(ImportJob, job.pk, "host-b:2")
    assert ImportJob.objects.get(pk=job.pk).owner == "host-a:1"


def test_its_own_process_may_run_it_again(job: ImportJob) -> None:
    leases.claim(ImportJob, job.pk, "host-a:1")
    assert leases.claim(ImportJob, job.pk, "host-a:1").attempts == 2


def test_a_dead_owner_is_taken_over_after_the_lease(job: ImportJob, settings: Any) -> None:
    settings.JOB_LEASE_SECONDS = 60
    leases.claim(ImportJob, job.pk, "host-a:1")
    age(job, 59)
    with pytest.raises(leases.JobBusy):
        leases.claim(ImportJob, job.pk, "host-b:2")
    age(job, 61)
    taken = leases.claim(ImportJob, job.pk, "host-b:2")
    assert (taken.owner, taken.attempts) == ("host-b:2", 2)


def test_a_finished_job_is_not_run_again(job: ImportJob) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status="done", owner="host-a:1")
    again = leases.claim(ImportJob, job.pk, "host-b:2")
    assert (again.status, again.owner, again.attempts) == ("done", "host-a:1", 0)


def test_a_job_cut_off_too_often_fails(job: ImportJob, settings: Any) -> None:
    settings.JOB_MAX_ATTEMPTS = 2
    for owner in ("a:1", "b:2"):
        leases.claim(ImportJob, job.pk, owner)
        age(job, 3600)
    given_up = leases.claim(ImportJob, job.pk, "c:3")
    assert given_up.status == "failed" and "重试 2 次" in given_up.message


def wait_for(condition: Any, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.django_db(transaction=True)
def test_heartbeat_keeps_the_lease_and_sees_a_take_over(job: ImportJob) -> None:
    claimed = leases.claim(ImportJob, job.pk, "host-a:1")
    first = claimed.heartbeat_at
    with leases.Heartbeat(claimed, every=0.05) as heartbeat:
        assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).heartbeat_at != first)
        heartbeat.check()  # still ours
        ImportJob.objects.filter(pk=job.pk).update(owner="host-b:2")  # taken over
        assert wait_for(lambda: heartbeat.lost)
        with pytest.raises(leases.LeaseLost):
            heartbeat.check()


@pytest.mark.django_db(transaction=True)
def test_progress_is_written_by_the_heartbeats_own_connection(job: ImportJob) -> None:
    """A run inside one long transaction shows its progress through the heartbeat: the
    counts reach the job's row, committed, while the run's own transaction stays open."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL runs an import in one long transaction (SQLite has one writer)")
    claimed = leases.claim(ImportJob, job.pk, "host-a:1")
    with leases.Heartbeat(claimed, every=30) as heartbeat, transaction.atomic():
        heartbeat.progress(total=5000, processed=5000, rejected=3)
        assert wait_for(lambda: _committed(job.pk) == (5000, 5000, 3), seconds=5)


def _committed(pk: int) -> tuple[int, int, int]:
    """The job's counts as another connection sees them (committed)."""
    import threading

    seen: list[tuple[int, int, int]] = []

    def read() -> None:
        from django.db import connection

        try:
            seen.append(ImportJob.objects.values_list("total", "processed", "rejected").get(pk=pk))
        finally:
            connection.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    return seen[0]


@pytest.mark.django_db(transaction=True)
def test_lock_own_refuses_a_run_that_lost_its_job(job: ImportJob) -> None:
    from django.db import transaction

    claimed = leases.claim(ImportJob, job.pk, "host-a:1")
    with transaction.atomic():
        leases.lock_own(claimed)
    ImportJob.objects.filter(pk=job.pk).update(owner="host-b:2")
    with pytest.raises(leases.LeaseLost), transaction.atomic():
        leases.lock_own(claimed)


def test_a_job_nobody_can_take_up_is_said_to_be_stalled(job: ImportJob, users: Any,
                                                        web: Any) -> None:
    from xinyong.accounts.models import Role
    from xinyong.jobs.models import WorkerBeat

    assert leases.stalled(job)  # queued, and no worker alive
    page = web(users[Role.DEPARTMENT]).get(f"/records/imports/{job.pk}/").content.decode()
    assert "后台处理进程目前没有在运行" in page
    WorkerBeat.objects.create(worker_id="w", host="h", pid=1, seen_at=timezone.now())
    assert not leases.stalled(job)
    WorkerBeat.objects.all().delete()
    leases.claim(ImportJob, job.pk, "cli:1")  # run from the command line: beating
    assert not leases.stalled(ImportJob.objects.get(pk=job.pk))
    age(job, 3600)
    assert leases.stalled(ImportJob.objects.get(pk=job.pk))
