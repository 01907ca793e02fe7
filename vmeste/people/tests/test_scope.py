"""A person's card stays in its region: matching sees the caller's scope only, nobody files or
moves a card out of their own scope, and merging across regions needs both scopes and the
role for it (issue 12, defect 1)."""

import pytest
from django.urls import reverse

from vmeste.accounts.models import AuditEntry
from vmeste.core.errors import Forbidden, NotFound, ValidationFailed
from vmeste.core.models import Region
from vmeste.people import merging, services
from vmeste.people.models import Person, PersonEvent

pytestmark = pytest.mark.django_db

PHONE = "+79275551234"


def card(actor, region: str, last_name: str = "Самарина", phone: str = PHONE) -> Person:
    person, _matched = services.find_or_register(
        data=services.PersonInput(
            phone=phone,
            last_name=last_name,
            first_name="Ольга",
            region=Region.objects.get(code=region),
        ),
        consent=True,
        actor=actor,
    )
    return person


@pytest.fixture
def two_regions(make_user):
    """A Samara card and a Volgograd card of the same person, each filed by its own centre."""
    samara = card(make_user("sam", regions=["RU-SAM"]), "RU-SAM")
    volgograd = card(make_user("vgg", regions=["RU-VGG"]), "RU-VGG")
    return samara, volgograd


def test_matching_never_reaches_outside_the_scope(two_regions):
    samara, volgograd = two_regions
    assert samara.pk != volgograd.pk
    assert (samara.region.code, volgograd.region.code) == ("RU-SAM", "RU-VGG")
    samara.refresh_from_db()
    assert samara.version == 1 and samara.region.code == "RU-SAM"


def test_nobody_files_or_moves_a_card_outside_their_scope(make_user, api_as):
    operator = make_user("vgg", regions=["RU-VGG"])
    with pytest.raises(ValidationFailed) as refused:
        card(operator, "RU-SAM")
    assert "person.region" in refused.value.fields
    assert not Person.objects.exists()

    api = api_as("operator", regions=["RU-VGG"])
    mine = card(api.user, "RU-VGG")
    url = f"/api/v1/persons/{mine.pk}"
    moved = api.client.patch(url, {"region": "RU-SAM"}, content_type="application/json", **api.auth)
    assert moved.status_code == 422 and "person.region" in moved.json()["error"]["fields"]
    mine.refresh_from_db()
    assert mine.region.code == "RU-VGG" and mine.version == 1
    # One who works with both regions may move the card between them.
    both = api_as("operator", regions=["RU-VGG", "RU-SAM"])
    moved = both.client.patch(
        url, {"region": "RU-SAM"}, content_type="application/json", **both.auth
    )
    assert moved.status_code == 200 and moved.json()["region"] == "RU-SAM"


def test_merging_across_regions_needs_the_role_and_both_scopes(two_regions, make_user):
    samara, volgograd = two_regions
    operator = make_user("op-both", "operator", regions=["RU-SAM", "RU-VGG"])
    with pytest.raises(Forbidden):
        merging.merge(keep_id=volgograd.pk, absorb_id=samara.pk, actor=operator)
    one_scope = make_user("sup-vgg", "supervisor", regions=["RU-VGG"])
    with pytest.raises(NotFound):
        merging.merge(keep_id=volgograd.pk, absorb_id=samara.pk, actor=one_scope)
    samara.refresh_from_db()
    assert samara.merged_into_id is None and not AuditEntry.objects.filter(action="merge")

    supervisor = make_user("sup", "supervisor", regions=["RU-SAM", "RU-VGG"])
    kept = merging.merge(keep_id=volgograd.pk, absorb_id=samara.pk, actor=supervisor)
    assert kept.pk == volgograd.pk and kept.region.code == "RU-VGG"
    samara.refresh_from_db()
    assert samara.merged_into_id == volgograd.pk and samara.region.code == "RU-SAM"
    entries = AuditEntry.objects.filter(action="merge", user=supervisor)
    # One entry for the merge, naming both cards and the regions.
    assert [(e.records.split(), e.detail) for e in entries] == [
        ([f"person:{volgograd.pk}", f"person:{samara.pk}"], "RU-SAM → RU-VGG")
    ]
    merged_in = PersonEvent.objects.get(person=volgograd, kind="merged_in")
    assert merged_in.data["regions"] == ["RU-SAM", "RU-VGG"]


def test_a_merge_within_one_region_stays_an_operators_work(make_user):
    operator = make_user("op", "operator", regions=["RU-VGG"])
    one = card(operator, "RU-VGG")
    two = card(operator, "RU-VGG", phone="+79035550000")
    assert merging.merge(keep_id=one.pk, absorb_id=two.pk, actor=operator).pk == one.pk
    assert AuditEntry.objects.get(action="merge", object_id=str(one.pk)).detail == ""


def test_the_api_refuses_a_cross_region_merge_to_an_operator(two_regions, api_as):
    samara, volgograd = two_regions
    url = f"/api/v1/persons/{volgograd.pk}/merge"
    operator = api_as("operator", regions=["RU-SAM", "RU-VGG"])
    refused = operator.post(url, {"absorb": samara.pk})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    regional = api_as("supervisor", regions=["RU-VGG"])
    assert regional.post(url, {"absorb": samara.pk}).status_code == 404
    supervisor = api_as("supervisor", regions=["RU-SAM", "RU-VGG"])
    duplicates = supervisor.get(f"/api/v1/persons/{volgograd.pk}/duplicates").json()
    assert [d["person"]["id"] for d in duplicates["items"]] == [samara.pk]
    assert operator.get(f"/api/v1/persons/{volgograd.pk}/duplicates").json()["count"] == 0
    merged = supervisor.post(url, {"absorb": samara.pk})
    assert merged.status_code == 200 and merged.json()["region"] == "RU-VGG"
    assert Person.objects.get(pk=samara.pk).merged_into_id == volgograd.pk


def test_the_card_offers_the_other_regions_card_to_a_supervisor_only(
    two_regions, client, make_user
):
    samara, volgograd = two_regions
    page_url = reverse("people:person_detail", args=[volgograd.pk])
    merge_url = reverse("people:person_merge", args=[volgograd.pk])
    client.force_login(make_user("op-both", "operator", regions=["RU-SAM", "RU-VGG"]))
    assert client.get(page_url).context["duplicates"] == []
    refused = client.post(merge_url, {"absorb": samara.pk}, follow=True)
    assert "разных регионов" in refused.content.decode()
    assert Person.objects.get(pk=samara.pk).merged_into_id is None

    client.force_login(make_user("sup", "supervisor", regions=["RU-SAM", "RU-VGG"]))
    page = client.get(page_url)
    assert [d["card"]["id"] for d in page.context["duplicates"]] == [samara.pk]
    assert "RU-SAM" in page.content.decode()
    assert client.post(merge_url, {"absorb": samara.pk}).status_code == 302
    assert Person.objects.get(pk=samara.pk).merged_into_id == volgograd.pk
