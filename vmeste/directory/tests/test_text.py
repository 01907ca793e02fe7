"""The directory's text search finds the words in their other forms, on both databases."""

import pytest

from vmeste.directory import navigator
from vmeste.directory.models import Organization, Service
from vmeste.directory.text import stems


def test_stems_join_the_forms_and_keep_short_words_whole():
    assert stems("Продукты") == stems("продуктов") == ["продукт"]
    assert stems("доставка лекарств") == stems("доставки лекарства")
    assert stems("до дома") == ["до", "дома"]  # a stem under 4 letters matches too much
    assert stems("COVID-19 тест") == ["covid-19", "тест"]


@pytest.mark.django_db
def test_produkty_finds_produktov_whatever_the_case():
    org = Organization.objects.create(id="org-1", name="Фонд «Добро»")
    Service.objects.create(
        id="svc-1", organization=org, name="Доставка продуктов", description="Пожилым людям"
    )
    Service.objects.create(id="svc-2", organization=org, name="Юридическая консультация")
    for query in ("продукты", "ПРОДУКТЫ", "Продукт", "доставку продуктов", "пожилые"):
        assert [s.pk for s in navigator.search_services(text=query)] == ["svc-1"], query
    assert navigator.search_services(text="продукты юрист") == []  # every word must be there


@pytest.mark.django_db
def test_the_directory_page_pages_through_services(client, make_user):
    org = Organization.objects.create(id="org-p", name="Фонд")
    for n in range(45):
        Service.objects.create(id=f"p{n:02d}", organization=org, name=f"Доставка продуктов {n:02d}")
    client.force_login(make_user("op-dir"))
    first = client.get("/directory/", {"q": "продукты"}).content.decode()
    assert "Доставка продуктов 00" in first and "Доставка продуктов 20" not in first
    assert ">45<" in first and 'rel="next"' in first
    third = client.get("/directory/", {"q": "продукты", "page": "3"}).content.decode()
    assert "Доставка продуктов 44" in third and 'rel="next"' not in third
    assert 'rel="prev"' in third
    # A page past the last, or not a number, shows a page rather than an error.
    assert client.get("/directory/", {"q": "продукты", "page": "99"}).status_code == 200
    assert client.get("/directory/", {"page": "abc"}).status_code == 200
