"""A line's `overflow_to` reaches the router: saved on the queues themselves."""

import pytest

from vmeste.contactcenter import configcache
from vmeste.contactcenter.models import Queue
from vmeste.launch import services
from vmeste.launch.tests.conftest import staffed

pytestmark = pytest.mark.django_db


def test_the_queues_overflow_where_the_file_says_and_change_with_it(tver):
    social = Queue.objects.get(code="tver-social")
    assert social.overflow_to.code == "tver-food"
    assert social.rule().overflow_to == "tver-food"
    configcache.clear()
    assert {r.code: r.overflow_to for r in configcache.snapshot().rules}["tver-social"] == (
        "tver-food"
    )
    text = staffed(services.export_line(code="tver"))
    services.import_line(text=text.replace("overflow_to: tver-food", "overflow_to: null"))
    assert Queue.objects.get(code="tver-social").overflow_to is None
