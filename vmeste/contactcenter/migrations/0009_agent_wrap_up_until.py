"""When an agent's wrap-up ends: after it the dispatch takes them as available."""

from datetime import timedelta

from django.db import migrations, models


def end_the_wrap_ups_under_way(apps, schema_editor):
    """Agents in wrap-up now end it the default time after it began (their call's queue
    is not known here); until this field they stayed in wrap-up for good."""
    agents = apps.get_model("contactcenter", "Agent")
    wrapping = list(agents.objects.filter(state="wrap_up").only("pk", "state_since"))
    for agent in wrapping:
        agent.wrap_up_until = agent.state_since + timedelta(seconds=30)
    agents.objects.bulk_update(wrapping, ["wrap_up_until"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("contactcenter", "0008_agent_timeline"),
    ]

    operations = [
        migrations.AddField(
            model_name="agent",
            name="wrap_up_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(end_the_wrap_ups_under_way, migrations.RunPython.noop),
    ]
