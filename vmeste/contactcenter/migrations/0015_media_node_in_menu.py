from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("contactcenter", "0014_change_stamps")]

    operations = [
        migrations.AddField(
            model_name="medianode",
            name="in_menu",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
