"""`xinyong worker`: runs background tasks (bulk imports, checks of uploaded files, the daily
record status pass), survives database restarts and hands on work left by dead workers."""

from __future__ import annotations

import logging
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from xinyong.jobs.daily import book_all
from xinyong.jobs.worker import DATABASE_DOWN, Beat, Worker, new_worker_id

log = logging.getLogger("xinyong.jobs.worker")


class Command(BaseCommand):
    help = "Run background tasks: bulk imports, checks of uploaded files, the daily status pass."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0,
                            help="seconds between looks at an empty queue (default 1)")
        parser.add_argument("--batch", action="store_true",
                            help="run what is queued, then exit")
        parser.add_argument("--worker-id", default=None, help="unique name (default: host:pid:random)")

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = (options["worker_id"] or new_worker_id())[:64]
        worker = Worker(queue_names=["default"], interval=options["interval"], batch=options["batch"],
                        backend_name="default", startup_delay=False, max_tasks=None,
                        worker_id=worker_id, excluded_queue_names=[])
        beat = Beat(worker_id)
        worker.configure_signals()
        beat.start()
        try:
            try:
                book_all()
            except DATABASE_DOWN as exc:  # booked when the worker next starts
                log.warning("could not book the daily tasks: %s", exc)
            self.stdout.write(f"worker {worker_id} started")
            worker.run()
        finally:
            beat.stop()
