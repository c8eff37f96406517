"""The background worker: django-tasks' database queue, made to survive what production does.

- A database that restarts or drops the connection does not end the worker: it backs off,
  reconnects, and runs the task it was in again (imports are safe to rerun).
- A thread beats (`WorkerBeat.seen_at`) and reaps: tasks left RUNNING by a worker that
  stopped beating go back to the queue (failed after JOB_MAX_ATTEMPTS), and jobs that
  nobody runs any more (queued or running, lease expired, no task waiting) are queued.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any

from django.apps import apps
from django.db import DatabaseError, InterfaceError, OperationalError, connection, connections
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker as DbWorker
from django_tasks_db.models import DBTaskResult

from xinyong.jobs import leases
from xinyong.jobs.models import Job, WorkerBeat

log = logging.getLogger(__name__)

DATABASE_DOWN = (OperationalError, InterfaceError)
MAX_BACKOFF = 30.0


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{get_random_string(8)}"


def job_models() -> list[type[Job]]:
    return [m for m in apps.get_models() if issubclass(m, Job) and m.task_path]


def reap(now: Any = None) -> dict[str, int]:
    """Hand work left by dead runs to live ones; returns what was done, for the log."""
    now = now or timezone.now()
    stale = now - leases.lease()
    limit = leases.max_attempts()
    live = set(WorkerBeat.objects.filter(seen_at__gte=stale).values_list("worker_id", flat=True))
    done = {"requeued": 0, "failed": 0, "queued_jobs": 0}
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=stale)
    for task in running:
        if task.worker_ids and task.worker_ids[-1] in live:
            continue
        if len(task.worker_ids) >= limit:
            task.set_failed(RuntimeError(f"运行该任务的后台进程 {len(task.worker_ids)} 次中断，停止重试"))
            done["failed"] += 1
        else:
            done["requeued"] += DBTaskResult.objects.filter(
                pk=task.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.READY, started_at=None)
    waiting = {
        (path, tuple(args_kwargs.get("args", [])))
        for path, args_kwargs in DBTaskResult.objects.filter(
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
        ).values_list("task_path", "args_kwargs")
    }
    for model in job_models():
        orphans = model._default_manager.filter(
            Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale),
            status__in=["queued", "running"], created_at__lt=stale,
        ).values_list("pk", flat=True)
        for pk in orphans:
            if (model.task_path, (pk,)) not in waiting:
                import_string(model.task_path).enqueue(pk)
                done["queued_jobs"] += 1
    if any(done.values()):
        log.warning("reaper: %s", done)
    return done


class Beat(threading.Thread):
    """The worker's heartbeat and reaper, beside the thread that runs tasks."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="worker-beat", daemon=True)
        self.worker_id = worker_id
        self.stopping = threading.Event()

    def run(self) -> None:
        every = max(leases.lease_seconds() / 4, 0.05)
        try:
            while True:
                try:
                    WorkerBeat.objects.update_or_create(
                        worker_id=self.worker_id,
                        defaults={"seen_at": timezone.now(), "host": socket.gethostname()[:200],
                                  "pid": os.getpid()})
                    reap()
                except DatabaseError as exc:
                    log.warning("worker beat: %s", exc)
                    connection.close()
                if self.stopping.wait(every):
                    return
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)
        try:
            WorkerBeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            pass  # the row goes stale on its own
        finally:
            connection.close()


class Worker(DbWorker):
    """django-tasks-db's worker loop, resumed after database outages."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.interrupted: set[Any] = set()  # tasks cut off by an outage, to run again

    def run(self) -> None:
        delay = 1.0
        while self.running:
            try:
                self._requeue_interrupted()
                super().run()
                return  # shut down, or --batch / --max-tasks reached
            except DATABASE_DOWN as exc:
                log.warning("database unavailable (%s); retrying in %.0f s", exc, delay)
                connections.close_all()
                time.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            super().run_task(db_task_result)
        except DATABASE_DOWN:
            # Recording the failure needs the database too: run it again once it is back.
            self.interrupted.add(db_task_result.pk)
            raise

    def _requeue_interrupted(self) -> None:
        if self.interrupted:
            DBTaskResult.objects.filter(
                pk__in=self.interrupted, status=TaskResultStatus.RUNNING
            ).update(status=TaskResultStatus.READY, started_at=None)
            self.interrupted.clear()
