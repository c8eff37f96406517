"""Leases on jobs: exactly one live run of a job, and a clean take-over of a dead one.

A run claims its job with one conditional UPDATE (the Healthchecks way: the row count
says who won): a queued job, a job of its own process (a retry after the database came
back), or a running job whose owner has not beaten for a lease period. While it works, a
heartbeat thread keeps the lease; if another run took the job over meanwhile (this one
stalled for longer than the lease), the heartbeat sees it and the run stops at its next
check instead of writing on.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from xinyong.jobs.models import Job, WorkerBeat

log = logging.getLogger(__name__)
J = TypeVar("J", bound=Job)


class JobBusy(RuntimeError):
    """Another live run holds the job."""

    def __init__(self, job: Job) -> None:
        beat = timezone.localtime(job.heartbeat_at).strftime("%H:%M:%S") if job.heartbeat_at else "—"
        super().__init__(f"任务 #{job.pk} 正由 {job.owner} 运行（最近心跳 {beat}），"
                         f"不能同时再运行一次；如该进程已停止，请在 {lease_seconds()} 秒后重试")
        self.job = job


class LeaseLost(RuntimeError):
    """Another run took this job over: this run must stop without writing more."""


def lease_seconds() -> int:
    return int(getattr(settings, "JOB_LEASE_SECONDS", 60))


def lease() -> timedelta:
    return timedelta(seconds=lease_seconds())


def max_attempts() -> int:
    return int(getattr(settings, "JOB_MAX_ATTEMPTS", 5))


def this_process() -> str:
    """The owner name of runs in this process."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


def claim(model: type[J], pk: int, owner: str | None = None) -> J:
    """Take job `pk` for this process and return it running; a finished job is returned as
    it is. Raises JobBusy while another owner's lease is live."""
    owner = owner or this_process()
    now = timezone.now()
    takeable = Q(status="queued") | Q(status="running") & (
        Q(owner=owner) | Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - lease()))
    won = model._default_manager.filter(takeable, pk=pk).update(
        status="running", owner=owner, heartbeat_at=now, attempts=F("attempts") + 1,
        started_at=Coalesce(F("started_at"), now))
    job = model._default_manager.get(pk=pk)
    if not won:
        if job.finished:
            return job
        raise JobBusy(job)
    limit = max_attempts()
    if job.attempts > limit:
        give_up(job, f"已中断并重试 {limit} 次，停止重试；请检查后重新提交")
    return job


def give_up(job: Job, message: str) -> None:
    """Mark a job failed for good, unless it finished meanwhile."""
    type(job)._default_manager.filter(pk=job.pk).exclude(status__in=Job.FINISHED).update(
        status="failed", message=message[:500], finished_at=timezone.now())
    job.refresh_from_db()


def stalled(job: Job) -> bool:
    """Nobody is working on this unfinished job and no worker is alive to take it up: the
    page waiting for it should say so instead of spinning for ever."""
    if job.finished:
        return False
    fresh = timezone.now() - lease()
    if job.status == "running" and job.heartbeat_at and job.heartbeat_at >= fresh:
        return False
    return not WorkerBeat.objects.filter(seen_at__gte=fresh).exists()


def lock_own(job: Job) -> None:
    """Inside a transaction: lock the job's row for the run's final write, and raise
    LeaseLost unless this run still holds the job (a run taking over waits on the lock,
    then finds the job finished)."""
    locked = type(job)._default_manager.select_for_update().filter(pk=job.pk).values("owner", "status").get()
    if locked["owner"] != job.owner or locked["status"] != "running":
        raise LeaseLost(f"任务 #{job.pk} 已由另一进程接手")


class Heartbeat:
    """Keeps a claimed job's lease alive from a thread of its own while the run works.

    `check()` raises LeaseLost once another run has taken the job. Database errors in the
    thread are logged and retried: an outage must not end a run that is itself waiting
    for the database to come back.
    """

    def __init__(self, job: Job, every: float | None = None) -> None:
        self.model, self.pk, self.owner = type(job), job.pk, job.owner
        self.every = every if every is not None else max(lease_seconds() / 4, 0.05)
        self.lost = False
        self._progress: dict[str, Any] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{self.pk}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join()

    def check(self) -> None:
        if self.lost:
            raise LeaseLost(f"任务 #{self.pk} 已由另一进程接手")

    def progress(self, **fields: Any) -> None:
        """Counts for the job's row, written by the next beat (within a second): a run
        inside one long transaction cannot show them through its own connection."""
        self._progress = fields
        self._wake.set()

    def beat(self) -> None:
        mine = self.model._default_manager.filter(pk=self.pk, owner=self.owner, status="running")
        if mine.update(heartbeat_at=timezone.now(), **self._progress):
            return
        row = self.model._default_manager.filter(pk=self.pk).values("owner", "status").first()
        # No row: not committed yet (or deleted), nothing to lose; another owner: taken over.
        if row is not None and row["owner"] != self.owner:
            self.lost = True

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if self._wake.wait(self.every):  # progress to show: at most once a second
                    self._wake.clear()
                    if self._stop.wait(min(1.0, self.every)):
                        return
                try:
                    self.beat()
                except DatabaseError as exc:
                    log.warning("heartbeat of job %s: %s", self.pk, exc)
                    connection.close()
                if self.lost:
                    return
        finally:
            connection.close()
