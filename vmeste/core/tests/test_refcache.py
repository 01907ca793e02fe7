"""The per-process snapshots of reference data and of the contact centre's configuration are
dropped when this process changes a row they hold, and a rolled-back change leaves no trace."""

import pytest
from django.db import transaction

from vmeste.contactcenter import configcache
from vmeste.core import refcache
from vmeste.core.models import Centre, Line, Region

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_saved_line_and_its_regions_are_seen_at_once():
    line = Line.objects.get(code="we-are-together")
    assert refcache.line(line.pk).name_ru == line.name_ru
    line.name_ru = "Новое название"
    line.save()
    assert refcache.line(line.pk).name_ru == "Новое название"
    extra = Region.objects.exclude(pk__in=line.regions.all()).first()
    if extra is None:  # serves every region: take one away instead
        extra = line.regions.first()
        line.regions.remove(extra)
        assert extra not in refcache.line(line.pk).regions.all()
    else:
        line.regions.add(extra)
        assert extra in refcache.line(line.pk).regions.all()


def test_a_change_rolled_back_is_not_kept_in_the_snapshot():
    line = Line.objects.get(code="we-are-together")
    with pytest.raises(RuntimeError), transaction.atomic():
        line.name_ru = "Откатится"
        line.save()
        assert refcache.line(line.pk).name_ru == "Откатится"  # read inside the transaction
        raise RuntimeError
    assert refcache.line(line.pk).name_ru != "Откатится"


def test_a_new_centre_reaches_the_contact_centre_snapshot():
    before = configcache.snapshot()
    Centre.objects.create(code="new-centre", name_ru="Новый", kind="regional")
    assert configcache.snapshot() is not before
