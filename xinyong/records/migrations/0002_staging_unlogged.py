"""The staging table holds nothing worth a write-ahead log: make it UNLOGGED on PostgreSQL."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE records_importrow SET UNLOGGED")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE records_importrow SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
