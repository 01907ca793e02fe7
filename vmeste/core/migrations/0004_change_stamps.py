"""Change stamps (``core.stamps``): the table, and the triggers on the reference tables."""

from django.db import migrations, models

from vmeste.core.stamps import REFERENCE, watch


class Migration(migrations.Migration):
    dependencies = [("core", "0003_public_form_submissions")]

    operations = [
        migrations.CreateModel(
            name="ChangeStamp",
            fields=[
                ("topic", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("stamp", models.BigIntegerField()),
            ],
        ),
        watch("core_region", REFERENCE),
        watch("core_category", REFERENCE),
        watch("core_line", REFERENCE),
        watch("core_line_regions", REFERENCE),
        watch("core_line_categories", REFERENCE),
        watch("core_centre", REFERENCE),
    ]
