"""Change stamps (``core.stamps``) on the queues (with the reference data) and on the
agents: a sign-in, a sign-out, a move between centres or new skills stamp the roster; the
state changes of a working day do not."""

from django.db import migrations

from vmeste.core.stamps import REFERENCE, ROSTER, watch

_SIGNED_IN_CHANGED = ("{row}.state = 'offline'", "centre_id", "skills")


class Migration(migrations.Migration):
    dependencies = [
        ("contactcenter", "0013_media_node"),
        ("core", "0004_change_stamps"),
    ]

    operations = [
        watch("contactcenter_queue", REFERENCE),
        watch("contactcenter_agent", ROSTER, counted=_SIGNED_IN_CHANGED),
    ]
