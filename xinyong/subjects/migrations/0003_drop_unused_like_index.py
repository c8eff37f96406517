"""Issue 19: Django gives a unique CharField a second, pattern-matching index on
PostgreSQL; nothing searches code digests by prefix, and every new subject paid for it."""

from django.db import migrations

from xinyong.lib.pgsql import postgresql_only


class Migration(migrations.Migration):
    dependencies = [
        ("subjects", "0002_subject_scale"),
    ]

    operations = [
        postgresql_only(
            ["DROP INDEX IF EXISTS subjects_subject_code_digest_02d81241_like"],
            ["CREATE INDEX IF NOT EXISTS subjects_subject_code_digest_02d81241_like "
             "ON subjects_subject (code_digest varchar_pattern_ops)"]),
    ]
