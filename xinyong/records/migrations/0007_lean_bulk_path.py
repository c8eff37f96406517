"""Issue 19: the bulk path writes only what reads use: no constraint triggers on references
to rows never deleted, no index on status (a partial one for the daily task instead), no
second index on (unit, decided_on)."""


import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_institution'),
        ('policies', '0001_initial'),
        ('records', '0006_ruling'),
        ('subjects', '0002_subject_scale'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='record',
            name='records_rec_unit_id_fcc851_idx',
        ),
        migrations.AlterField(
            model_name='record',
            name='created_by',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='record',
            name='import_job',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='records.importjob'),
        ),
        migrations.AlterField(
            model_name='record',
            name='unit',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, to='accounts.unit', verbose_name='报送单位'),
        ),
        migrations.AlterField(
            model_name='record',
            name='policy_version',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, to='policies.policyversion', verbose_name='依据规则包版本'),
        ),
        migrations.AlterField(
            model_name='record',
            name='status',
            field=models.CharField(choices=[('published', '公示中'), ('exempted', '豁免'), ('deferred', '暂缓'), ('rectified', '已按期整改'), ('repaired', '已修复'), ('expired', '公示期满'), ('withdrawn', '已撤销')], max_length=16, verbose_name='状态'),
        ),
        migrations.AddIndex(
            model_name='record',
            index=models.Index(condition=models.Q(('status', 'deferred')), fields=['rectify_by'], name='record_deferred_due'),
        ),
    ]
