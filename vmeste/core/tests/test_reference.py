import zoneinfo

import pytest

from vmeste.core.models import Category, Line, Region

pytestmark = pytest.mark.django_db


def test_all_89_federal_subjects_are_loaded_with_valid_time_zones():
    regions = list(Region.objects.all())
    assert len(regions) == 89
    assert len({r.code for r in regions}) == 89
    for region in regions:
        assert region.name_ru and region.name_en
        zoneinfo.ZoneInfo(region.time_zone)
    assert Region.objects.get(code="RU-SA").time_zone == "Asia/Yakutsk"
    assert Region.objects.get(code="RU-KGD").time_zone == "Europe/Kaliningrad"
    assert Region.objects.get(code="RU-VGG").short_code == "VGG"


def test_categories_form_two_levels_with_deadlines():
    tops = Category.objects.filter(parent=None)
    assert tops.count() >= 11
    for sub in Category.objects.exclude(parent=None).select_related("parent"):
        assert sub.parent.parent_id is None, "the taxonomy has exactly two levels"
        assert sub.deadline_hours > 0
    assert Category.objects.get(code="medicines-delivery").parent.code == "medicines"


def test_seed_lines_are_loaded():
    line = Line.objects.get(code="we-are-together")
    assert line.is_24_7 and line.phones == ["+78002003411"]
    volgograd = Line.objects.get(code="volgograd-volunteers")
    assert [r.code for r in volgograd.regions.all()] == ["RU-VGG"]
