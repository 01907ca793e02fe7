from django.db import migrations

# The defaults as they stood when this migration was written (not imported from models.py:
# a migration must not change when the code does).
DEFAULTS = {
    "contacts": (1095, "anonymise"),
    "requests": (1825, "anonymise"),
    "recordings": (90, "delete"),
    "audit": (1095, "delete"),
    "idempotency": (1, "delete"),
    "volunteer_documents": (365, "delete"),
}


def add_defaults(apps, schema_editor):
    Retention = apps.get_model("privacy", "Retention")
    for kind, (days, action) in DEFAULTS.items():
        Retention.objects.get_or_create(kind=kind, defaults={"days": days, "action": action})


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_retention_and_schedule")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
