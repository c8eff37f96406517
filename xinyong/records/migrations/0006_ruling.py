"""Traces stored once per rule path (issue 19): Ruling, Record.ruling, Record.own_trace.

Existing records keep their whole trace as their own steps (a rename, no rewrite of the
rows); new determinations share a ruling.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0005_record_force_majeure_certificate"),
    ]

    operations = [
        migrations.CreateModel(
            name="Ruling",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("key", models.CharField(max_length=64, unique=True)),
                ("trace", models.JSONField()),
            ],
            options={"verbose_name": "认定路径"},
        ),
        migrations.RenameField(model_name="record", old_name="trace", new_name="own_trace"),
        migrations.AlterField(
            model_name="record", name="own_trace",
            field=models.JSONField(blank=True, default=list, verbose_name="本记录的认定步骤"),
        ),
        migrations.AddField(
            model_name="record", name="ruling",
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="records.ruling",
                                    verbose_name="认定路径"),
        ),
        migrations.RemoveField(model_name="importrow", name="trace"),
        migrations.AddField(
            model_name="importrow", name="ruling_id",
            field=models.BigIntegerField(default=0), preserve_default=False,
        ),
    ]
