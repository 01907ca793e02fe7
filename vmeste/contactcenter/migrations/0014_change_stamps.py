"""Change stamps (``core.stamps``) on the queues (with the reference data) and on the
agents: a sign-in, a sign-out, a move between centres or new skills stamp the roster; the
state changes of a working day do not."""

from django.db import migrations

from vmeste.core.stamps import REFERENCE, ROSTER, watch

_SIGNED_IN_CHANGED = {
    "postgresql": (
        "(OLD.state = 'offline') IS DISTINCT FROM (NEW.state = 'offline')"
        " OR OLD.centre_id IS DISTINCT FROM NEW.centre_id"
        " OR OLD.skills IS DISTINCT FROM NEW.skills"
    ),
    "sqlite": (
        "(OLD.state = 'offline') IS NOT (NEW.state = 'offline')"
        " OR OLD.centre_id IS NOT NEW.centre_id"
        " OR OLD.skills IS NOT NEW.skills"
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("contactcenter", "0013_media_node"),
        ("core", "0004_change_stamps"),
    ]

    operations = [
        watch("contactcenter_queue", REFERENCE),
        watch("contactcenter_agent", ROSTER, updated_when=_SIGNED_IN_CHANGED),
    ]
