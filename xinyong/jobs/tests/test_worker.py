"""The worker survives what production does to it (issue 9, finding 2): tasks and jobs left
by a dead worker are run again; a database outage is waited out, not fatal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker as LibraryWorker
from django_tasks_db.models import DBTaskResult

from xinyong.accounts.models import Unit
from xinyong.jobs import worker
from xinyong.jobs.models import WorkerBeat
from xinyong.records import imports
from xinyong.records.models import ImportJob, Record
from xinyong.records.tasks import run_import_task

CSV = ("subject_kind,subject_name,subject_code,behavior,occurred_on,decided_on,decision_no,facts,severity\n"
       "organization,福州闽江生鲜超市有限公司,91350105MA2Y00002W,administrative_penalty,2026-09-01,"
       "2026-09-10,榕马市监罚〔2026〕99号,哄抬价格,general\n")
LONG_AGO = dt.timedelta(hours=1)


def task_left_running(worker_id: str, attempts: int = 1) -> DBTaskResult:
    result = run_import_task.enqueue(424242)
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - LONG_AGO,
        worker_ids=[worker_id] * attempts)
    return DBTaskResult.objects.get(pk=result.id)


def test_a_dead_workers_task_goes_back_to_the_queue(db: Any) -> None:
    task = task_left_running("dead-worker")
    assert worker.reap()["requeued"] == 1
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY and task.started_at is None


def test_a_live_workers_task_is_left_alone(db: Any) -> None:
    task = task_left_running("busy-worker")
    WorkerBeat.objects.create(worker_id="busy-worker", host="h", pid=1, seen_at=timezone.now())
    worker.reap()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING


def test_a_task_cut_off_too_often_fails(db: Any, settings: Any) -> None:
    settings.JOB_MAX_ATTEMPTS = 3
    task = task_left_running("dead-worker", attempts=3)
    assert worker.reap()["failed"] == 1
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED and "3 次中断" in task.traceback


def test_a_job_nobody_runs_is_queued_once(unit: Unit, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    source = tmp_path / "r.csv"
    source.write_text(CSV, encoding="utf-8")
    job = imports.create_job(unit, source, enqueue=False)  # e.g. its enqueue was lost
    assert worker.reap()["queued_jobs"] == 0  # young: its task may still be on the way
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - LONG_AGO)
    assert worker.reap()["queued_jobs"] == 1
    assert worker.reap()["queued_jobs"] == 0  # its task is waiting now
    waiting = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert waiting.args_kwargs["args"] == [job.pk]


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_the_worker_runs_a_queued_import(unit: Unit, settings: Any, tmp_path: Path) -> None:
    from xinyong.policies import loader

    loader.load_shipped()
    settings.MEDIA_ROOT = tmp_path
    source = tmp_path / "r.csv"
    source.write_text(CSV, encoding="utf-8")
    job = imports.create_job(unit, source, enqueue=False)
    run_import_task.enqueue(job.pk)
    make_worker().run()
    assert ImportJob.objects.get(pk=job.pk).status == "done"
    assert Record.objects.filter(decision_no="榕马市监罚〔2026〕99号").exists()


def make_worker() -> worker.Worker:
    return worker.Worker(queue_names=["default"], interval=0, batch=True, backend_name="default",
                         startup_delay=False, max_tasks=None, worker_id="w1",
                         excluded_queue_names=[])


def test_a_database_outage_is_waited_out(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The library's loop raises on a lost database (the worker used to exit); ours backs
    off and goes on."""
    calls = {"n": 0}
    slept: list[float] = []

    def flaky_run(self: Any) -> None:
        calls["n"] += 1
        if calls["n"] < 3:
            raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(LibraryWorker, "run", flaky_run)
    monkeypatch.setattr(worker.time, "sleep", slept.append)
    make_worker().run()
    assert calls["n"] == 3 and slept == [1.0, 2.0]


def test_a_task_cut_off_by_an_outage_runs_again(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    task = task_left_running("w1")

    def lost_database(self: Any, db_task_result: Any) -> None:
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(LibraryWorker, "run_task", lost_database)
    w = make_worker()
    with pytest.raises(OperationalError):
        w.run_task(task)
    assert w.interrupted == {task.pk}
    w._requeue_interrupted()  # what the loop does once the database answers again
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY and not w.interrupted
