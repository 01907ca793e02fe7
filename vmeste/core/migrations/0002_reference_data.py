"""Load the regions, the need taxonomy and the seeds' lines.

The data lives in vmeste/core/reference/; loading is by code (update_or_create) so that a
later migration that amends the lists can run the same function again.
"""

from django.db import migrations


def load(apps, schema_editor):
    from vmeste.core.reference.loader import load_reference

    load_reference(
        Region=apps.get_model("core", "Region"),
        Category=apps.get_model("core", "Category"),
        Line=apps.get_model("core", "Line"),
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
