"""Every timeline in the project is one shape: the same columns with the same sizes."""

from django.apps import apps

from vmeste.core.timeline import KIND_MAX, STATUS_MAX, StatusEvent, TimelineEvent


def test_every_timeline_table_has_the_one_shape():
    timelines = {m._meta.label for m in apps.get_models() if issubclass(m, TimelineEvent)}
    assert timelines == {
        "assistance.RequestEvent",
        "deliveries.DeliveryEvent",
        "people.PersonEvent",
        "volunteers.VolunteerEvent",
        "launch.LineChange",
        "launch.CentreChange",
        "contactcenter.AgentStateChange",
    }
    for label in timelines:
        model = apps.get_model(label)
        fields = {f.name: f for f in model._meta.get_fields()}
        assert {"at", "actor", "kind", "text", "data"} <= set(fields), label
        assert fields["kind"].max_length == KIND_MAX, label
        assert model._meta.ordering == ["at", "pk"], label
        subject = next(f for f in model._meta.fields if f.is_relation and f.name != "actor")
        assert subject.remote_field.related_name == "events", label  # what record_event writes
        if issubclass(model, StatusEvent):
            assert fields["from_status"].max_length == fields["to_status"].max_length == STATUS_MAX
