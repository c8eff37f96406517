"""Memberships made under the first schema (0001) stored the exit reason as the start of
the record's reason text (信用修复, 记录撤销, 异议成立…); 0002 gave the field codes but left
those rows as they were. They get the code their text began with."""

from django.db import migrations

# The old text's first words, the most specific first, and the code each one means.
LEGACY = [("异议成立", "objection_upheld"), ("信用修复", "repaired"), ("记录撤销", "withdrawn"),
          ("撤销", "withdrawn"), ("整改完成", "rectified"), ("政策失效", "policy_lapsed")]
CODES = {code for _, code in LEGACY}


def fill(apps, schema_editor):
    Membership = apps.get_model("lists", "Membership")
    legacy = Membership.objects.exclude(exit_reason="").exclude(exit_reason__in=CODES)
    for prefix, code in LEGACY:
        legacy.filter(exit_reason__startswith=prefix).update(exit_reason=code)


class Migration(migrations.Migration):

    dependencies = [
        ('lists', '0003_rectified_and_lapsed_exits'),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
