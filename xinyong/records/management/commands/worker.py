"""`xinyong worker`: runs background tasks (imports, the daily status pass)."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorker

from xinyong.records.tasks import schedule_refresh


class Command(DbWorker):
    help = "Run background tasks: bulk imports and the daily record status pass."

    def handle(self, *args: Any, **options: Any) -> None:
        schedule_refresh()
        super().handle(*args, **options)
