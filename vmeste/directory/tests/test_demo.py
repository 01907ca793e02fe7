import pytest
from django.core.management import call_command

from vmeste.directory import navigator
from vmeste.directory.models import Measure, Organization, RegionFacts, Service

from .conftest import years_ago

pytestmark = pytest.mark.django_db


def test_demo_directory_is_large_marked_and_idempotent(make_person, make_request):
    call_command("directory", "demo")
    orgs = Organization.objects.all()
    assert orgs.count() >= 150 and all(o.is_demo and "демо" in o.name for o in orgs)
    regions = orgs.values("locations__region").distinct().count()
    assert regions >= 40
    assert Measure.objects.filter(is_demo=True).count() >= 60
    assert all("демо" in m.name for m in Measure.objects.all())
    assert all(m.eligibility or m.code == "demo-crisis-help" for m in Measure.objects.all())
    assert RegionFacts.objects.filter(is_demo=True).count() == 89
    services_before = Service.objects.count()
    call_command("directory", "demo", "--organizations", "16")
    assert Service.objects.count() == services_before and orgs.count() >= 150

    # A lonely 70-year-old in Volgograd who needs groceries delivered.
    person = make_person(birth_date=years_ago(70), lives_alone=True)
    make_request(person, "groceries-delivery")
    answer = navigator.navigate(person)
    assert answer["eligible"] and answer["maybe"]
    assert any(m["code"] == "demo-home-social-service" for m in answer["eligible"])
    assert answer["services"], "a demo organization in the region delivers groceries"
    assert answer["services"][0]["covers"] == ["groceries-delivery"]
    found = navigator.search_services(region="RU-VGG", need="groceries", text="доставка")
    assert found
