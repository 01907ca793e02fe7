"""A file with 20 seeded errors: all 20 are listed with their paths, nothing changes."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from vmeste.launch import services
from vmeste.launch.services import ImportRefused
from vmeste.launch.tests.conftest import staffed
from vmeste.launch.tests.test_import import counts

pytestmark = pytest.mark.django_db

# (what the good file says, what the bad one says instead, the path the error is reported at)
SEEDED = [
    ("hours: 24/7", "hours: 25:00-08:00", "line.hours"),
    ("time_zone: Europe/Moscow", "time_zone: Europe/Nowhere", "line.time_zone"),
    ("phones: []", "phones: ['12345']", "line.phones[0]"),
    ("  - RU-TVE\n", "  - RU-XXX\n", "line.regions[0]"),
    ("  - groceries\n", "  - groceries\n  - no-such-category\n", "line.categories[1]"),
    ("  - code: self_isolation", "  - code: age_60_plus", "line.intake_fields[1].code"),
    ("kind: regional", "kind: federal", "centres[0].kind"),
    ("starts: '22:00'", "starts: 8 утра", "centres[0].shift_templates[3].starts"),
    (
        "weekdays: []\n    headcount:\n      operator: 6",
        "weekdays: [7]\n    headcount:\n      operator: 6",
        "centres[0].shift_templates[2].weekdays",
    ),
    (
        "      psychologist: 1",
        "      psychologist: 1\n      astronaut: 1",
        "centres[0].shift_templates[2].headcount.astronaut",
    ),
    ("max_age: null", "max_age: 300", "centres[0].requirements.max_age"),
    (
        "  overflow_to: null\n  wrap_up_seconds: 30\n- code: tver-medicines",
        "  overflow_to: tver-social\n  wrap_up_seconds: 30\n- code: tver-medicines",
        "queues[0].overflow_to",
    ),
    ("code: tver-medicines", "code: tver-psychological", "queues[2].code"),
    ("topic: psychological", "topic: astrology", "queues[2].topic"),
    ("skill: social", "skill: juggling", "queues[3].skill"),
    (
        "overflow_to: null\n  wrap_up_seconds: 60",
        "overflow_to: tver-nowhere\n  wrap_up_seconds: 60",
        "queues[2].overflow_to",
    ),
    ("  - - 0\n    - 3", "  - - 10\n    - 3", "queues[2].escalation"),
    ("user: ivanova", "user: nobody", "agents[0].user"),
    ("    psychology: 4", "    psychology: 4\n    knitting: 0", "agents[1].skills"),
    ("articles: []", "articles: [no-such-article]", "articles[0]"),
]


def test_twenty_seeded_errors_are_all_listed_and_nothing_changes(tver, tmp_path):
    """`vmeste line import FILE.yaml` of a file with 20 seeded errors: the refusal lists
    each of them once, at its own path, and no row of any table the import writes changes
    (a dry run lists the same)."""
    good = staffed(services.export_line(code="tver"))
    services.import_line(text=good)
    bad = good
    for before, after, _path in SEEDED:
        assert bad.count(before) == 1, before
        bad = bad.replace(before, after)
    (tmp_path / "tver.yaml").write_text(bad, encoding="utf-8")
    rows, exported = counts(), services.export_line(code="tver")
    for dry_run in ([], ["--dry-run"]):
        with pytest.raises(CommandError) as refused:
            call_command("line", "import", str(tmp_path / "tver.yaml"), *dry_run)
        head, *listed = str(refused.value).splitlines()
        assert head == "Ошибок в конфигурации: 20. Ничего не изменено."
        assert len(listed) == 20, "\n".join(listed)
        paths = [row.strip().split(": ")[0] for row in listed]
        assert sorted(paths) == sorted(path for _b, _a, path in SEEDED)
        assert counts() == rows and services.export_line(code="tver") == exported
    with pytest.raises(ImportRefused) as refused:
        services.import_line(text=bad)
    assert len(refused.value.problems) == 20
    assert counts() == rows and services.export_line(code="tver") == exported


def test_hours_a_24_7_line_leaves_uncovered_and_a_category_no_queue_takes(tver):
    good = staffed(services.export_line(code="tver"))
    night = good.index("  - name: Ночная смена")
    bad = good[:night] + good[good.index("queues:") :]
    bad = bad.replace("topic: null", "topic: social-support")
    with pytest.raises(ImportRefused) as refused:
        services.import_line(text=bad)
    assert [str(p) for p in refused.value.problems] == [
        "line.categories[4]: категорию «transport» не принимает ни одна очередь.",
        "line.hours: смены не покрывают часы работы линии: пн 00:00–08:00, пн 22:00–вт 08:00, "
        "вт 22:00–ср 08:00, ср 22:00–чт 08:00, чт 22:00–пт 08:00, пт 22:00–сб 08:00, … (+2).",
    ]


def test_an_overflow_cycle_is_named(tver):
    good = staffed(services.export_line(code="tver"))
    bad = good.replace(
        "overflow_to: null\n  wrap_up_seconds: 30\n- code: tver-medicines",
        "overflow_to: tver-social\n  wrap_up_seconds: 30\n- code: tver-medicines",
    )
    with pytest.raises(ImportRefused) as refused:
        services.import_line(text=bad)
    assert [str(p) for p in refused.value.problems] == [
        "queues[0].overflow_to: переполнение по кругу: tver-food → tver-social → tver-food."
    ]


def test_a_file_that_is_not_yaml_is_refused_with_its_line(tver):
    with pytest.raises(ImportRefused) as refused:
        services.import_line(text="schema: x\nline: [\n")
    assert refused.value.problems[0].path.startswith("строка")
