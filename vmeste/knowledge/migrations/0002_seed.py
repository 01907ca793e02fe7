"""The content-version row every process reads, and the starting synonym dictionary."""

from django.db import migrations


def seed(apps, schema_editor):
    from vmeste.knowledge.seed import SYNONYMS

    ContentVersion = apps.get_model("knowledge", "ContentVersion")
    Synonym = apps.get_model("knowledge", "Synonym")
    ContentVersion.objects.get_or_create(pk=1, defaults={"version": 1, "token": "seed"})
    for terms in SYNONYMS:
        Synonym.objects.get_or_create(terms=terms)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
