"""The agents' state changes move onto the one timeline (``core.timeline.StatusEvent``):
the columns are renamed and widened in place, so every row is kept."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contactcenter", "0007_merge_menu_seconds_overflow_to"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="agentstatechange",
            options={
                "ordering": ["at", "pk"],
                "verbose_name": "смена состояния оператора",
                "verbose_name_plural": "смены состояний операторов",
            },
        ),
        migrations.RenameField("agentstatechange", "event", "kind"),
        migrations.RenameField("agentstatechange", "from_state", "from_status"),
        migrations.RenameField("agentstatechange", "to_state", "to_status"),
        migrations.RenameField("agentstatechange", "reason", "text"),
        migrations.AlterField(
            model_name="agentstatechange",
            name="kind",
            field=models.CharField(blank=True, max_length=20, verbose_name="что"),
        ),
        migrations.AlterField(
            model_name="agentstatechange",
            name="from_status",
            field=models.CharField(blank=True, max_length=12, verbose_name="из статуса"),
        ),
        migrations.AlterField(
            model_name="agentstatechange",
            name="to_status",
            field=models.CharField(blank=True, max_length=12, verbose_name="в статус"),
        ),
        migrations.AlterField(
            model_name="agentstatechange",
            name="text",
            field=models.TextField(blank=True, verbose_name="текст"),
        ),
        migrations.AddField(
            model_name="agentstatechange",
            name="actor",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="кто",
            ),
        ),
        migrations.AddField(
            model_name="agentstatechange",
            name="data",
            field=models.JSONField(blank=True, default=dict, verbose_name="подробности"),
        ),
        migrations.AlterField(
            model_name="agentstatechange",
            name="agent",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="contactcenter.agent",
            ),
        ),
        migrations.AlterField(
            model_name="agentstatechange",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="когда"),
        ),
    ]
