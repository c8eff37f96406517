"""Background work of the exchange: pushing a batch upward, with retries."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def push_batch_task(batch_id: int) -> dict[str, Any]:
    from xinyong.exchange.batches import push

    batch = push(batch_id)
    return {"status": batch.push_status, "attempts": batch.push_attempts}
