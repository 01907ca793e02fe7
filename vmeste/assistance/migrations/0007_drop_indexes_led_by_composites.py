"""Drop the single-column indexes of foreign keys that a composite index already leads
with. Only the index goes: Django's AlterField would also drop and re-add the foreign key,
which re-checks every row of a table of millions under an exclusive lock."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0006_request_count_shards"),
        ("core", "0002_reference_data"),
        ("people", "0002_situation_unknown"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="request",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="assigned_requests",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="исполнитель",
                    ),
                ),
                migrations.AlterField(
                    model_name="request",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="requests",
                        to="people.person",
                        verbose_name="заявитель",
                    ),
                ),
                migrations.AlterField(
                    model_name="request",
                    name="region",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="core.region",
                        verbose_name="регион",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "assistance_request_assignee_id_35c44916"',
                    'CREATE INDEX "assistance_request_assignee_id_35c44916" ON "assistance_request" ("assignee_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "assistance_request_person_id_5a0cee39"',
                    'CREATE INDEX "assistance_request_person_id_5a0cee39" ON "assistance_request" ("person_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "assistance_request_region_id_6318e051"',
                    'CREATE INDEX "assistance_request_region_id_6318e051" ON "assistance_request" ("region_id")',
                ),
            ],
        ),
    ]
