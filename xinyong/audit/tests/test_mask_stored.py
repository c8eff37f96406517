"""The migration that masks ID numbers in rows stored before the recogniser knew every way
of writing them (audit/migrations/0003): rows are masked, the audit log stays append-only."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from xinyong.audit.models import AuditEvent
from xinyong.records.models import ImportJob

SPACED = "110105 19491231 002X"
MASKED = "110105********002X"
migration = importlib.import_module("xinyong.audit.migrations.0003_mask_stored_id_numbers")


@pytest.mark.django_db(transaction=True)
def test_stored_rows_are_masked_and_the_audit_log_stays_append_only(unit: Any) -> None:
    # Written as the platform wrote them before (raw, past today's masking on the way in).
    event = AuditEvent.objects.create(action="test", summary=f"更正：当事人 {SPACED}")
    job = ImportJob.objects.create(unit=unit, file_name=f"名单{SPACED}.csv", file_path="/x",
                                   sha256="0" * 64,
                                   errors=[{"row": 2, "field": "facts", "msg": f"“{SPACED}”"}])
    with connection.schema_editor() as editor:
        migration.forwards(apps, editor)
    event = AuditEvent.objects.get(pk=event.pk)
    job = ImportJob.objects.get(pk=job.pk)
    assert event.summary == f"更正：当事人 {MASKED}"
    assert job.file_name == f"名单{MASKED}.csv" and job.errors[0]["msg"] == f"“{MASKED}”"
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(summary="改过的")
