"""Mask ID numbers in text stored before the recogniser knew every way of writing them.

Free text (facts, statements, reasons, notes, check inputs, import errors, file names,
audit summaries, notices, task tracebacks) is masked on the way in since this release;
rows written earlier may hold numbers written with spaces, hyphens, a letter beside them
or in the old 15-digit form. This pass masks them in place, in chunks. The audit log is
append-only; this redaction is the one change made to it, with its trigger set aside for
the pass and put back at once.
"""

from typing import Any

from django.db import migrations

from xinyong.lib.pii import mask_id_numbers

CHUNK = 2000
FIELDS = [
    ("records", "Record", ["facts", "closed_reason", "reported_name"]),
    ("records", "RecordVersion", ["reason", "data"]),
    ("records", "ImportJob", ["file_name", "message", "errors"]),
    ("subjects", "Subject", ["name"]),
    ("repairs", "Repair", ["statement", "decision_reason", "timeline"]),
    ("repairs", "Evidence", ["name"]),
    ("objections", "Objection", ["reason", "evidence_text", "decision_reason", "timeline"]),
    ("checks", "Check", ["results"]),
    ("checks", "Feedback", ["note"]),
    ("notices", "Notice", ["title", "body"]),
    ("audit", "AuditEvent", ["summary", "detail"]),
    ("django_tasks_database", "DBTaskResult", ["traceback", "return_value"]),
]


def masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_id_numbers(value)
    if isinstance(value, list):
        return [masked(v) for v in value]
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    return value


def scrub(model: Any, fields: list[str]) -> int:
    changed_total = 0
    last = None
    while True:
        rows = model.objects.order_by("pk")
        if last is not None:
            rows = rows.filter(pk__gt=last)
        chunk = list(rows.only("pk", *fields)[:CHUNK])
        if not chunk:
            return changed_total
        last = chunk[-1].pk
        changed = []
        for row in chunk:
            dirty = False
            for name in fields:
                before = getattr(row, name)
                after = masked(before)
                if after != before:
                    setattr(row, name, after)
                    dirty = True
            if dirty:
                changed.append(row)
        if changed:
            model.objects.bulk_update(changed, fields)
            changed_total += len(changed)


AUDIT_TABLE = "audit_auditevent"
SQLITE_TRIGGER = """
CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit_auditevent
BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only'); END;
"""


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for app, name, fields in FIELDS:
        model = apps.get_model(app, name)
        if app == "audit":
            if vendor == "postgresql":
                schema_editor.execute(f"ALTER TABLE {AUDIT_TABLE} DISABLE TRIGGER audit_append_only")
            elif vendor == "sqlite":
                schema_editor.execute("DROP TRIGGER IF EXISTS audit_append_only")
            try:
                scrub(model, fields)
            finally:
                if vendor == "postgresql":
                    schema_editor.execute(f"ALTER TABLE {AUDIT_TABLE} ENABLE TRIGGER audit_append_only")
                elif vendor == "sqlite":
                    schema_editor.execute(SQLITE_TRIGGER)
        else:
            scrub(model, fields)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only"),
        ("records", "0006_import_estimate"),
        ("subjects", "0002_kind_choices"),
        ("repairs", "0001_initial"),
        ("objections", "0002_initial"),
        ("checks", "0001_initial"),
        ("notices", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
