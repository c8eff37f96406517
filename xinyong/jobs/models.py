"""Background jobs with one live owner at a time, and the workers' heartbeats."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from xinyong.jobs import choices


class Job(models.Model):
    """A piece of background work a user waits for (an import, a check of a file).

    Whoever runs it takes a lease (`jobs.leases.claim`): it writes its name into `owner`
    and keeps `heartbeat_at` fresh while it works. A second run while the lease is live
    refuses to start; a run after the owner stopped beating takes the job over. The
    worker's reaper queues jobs that nobody is running any more (`jobs.worker.reap`).
    """

    FINISHED = (choices.DONE, choices.FAILED)

    status = models.CharField("状态", max_length=16, choices=choices.STATUS.choices,
                              default=choices.QUEUED)
    message = models.CharField("说明", max_length=500, blank=True)
    owner = models.CharField("执行进程", max_length=100, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    attempts = models.PositiveIntegerField("运行次数", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # The task (dotted path of a django-tasks task taking the job's id) that runs it.
    task_path: ClassVar[str] = ""

    class Meta:
        abstract = True

    @property
    def status_badge(self) -> str:
        return choices.STATUS.badge(self.status)

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED


class WorkerBeat(models.Model):
    """A running `xinyong worker`, as long as `seen_at` is recent: tasks left RUNNING by a
    worker that stopped beating are given to the others."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = "后台进程"

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"
