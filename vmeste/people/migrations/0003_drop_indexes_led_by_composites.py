"""Drop the single-column indexes of foreign keys that a composite index already leads
with. Only the index goes: Django's AlterField would also drop and re-add the foreign key,
which re-checks every row of a table of millions under an exclusive lock."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_reference_data"),
        ("people", "0002_situation_unknown"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="person",
                    name="region",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="core.region",
                        verbose_name="регион",
                    ),
                ),
                migrations.AlterField(
                    model_name="personphone",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="phones",
                        to="people.person",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "people_person_region_id_1f09e020"',
                    'CREATE INDEX "people_person_region_id_1f09e020" ON "people_person" ("region_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "people_personphone_person_id_51f43c3c"',
                    'CREATE INDEX "people_personphone_person_id_51f43c3c" ON "people_personphone" ("person_id")',
                ),
            ],
        ),
    ]
