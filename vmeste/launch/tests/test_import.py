"""Export and import of a line's configuration on the database."""

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.functional import Promise

from vmeste.contactcenter.models import Agent, Queue
from vmeste.core.models import Centre, Line
from vmeste.knowledge.models import ArticleVersion
from vmeste.launch import document as doc
from vmeste.launch import services
from vmeste.launch.models import LineChange, LineSetup
from vmeste.launch.services import ImportRefused
from vmeste.launch.tests.conftest import staffed
from vmeste.volunteers.models import Requirements, ShiftTemplate

pytestmark = pytest.mark.django_db

TABLES = (
    Line,
    Centre,
    Queue,
    Agent,
    ShiftTemplate,
    Requirements,
    LineSetup,
    LineChange,
    ArticleVersion,
)


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in TABLES}


def test_a_line_from_a_template_is_closed_and_has_the_whole_configuration(tver):
    assert tver.is_active is False
    assert tver.time_zone == "Europe/Moscow"  # the region's zone, not the template's
    assert [r.code for r in tver.regions.all()] == ["RU-TVE"]
    queues = Queue.objects.filter(line=tver).order_by("ivr_path")
    assert [q.code for q in queues] == [
        "tver-food",
        "tver-medicines",
        "tver-psychological",
        "tver-social",
    ]
    centre = Centre.objects.get(code="tver")
    assert list(centre.lines.all()) == [tver]
    assert centre.region.code == "RU-TVE"
    assert ShiftTemplate.objects.filter(centre=centre).count() == 4
    assert LineSetup.objects.get(line=tver).overflow == {
        "tver-medicines": "tver-food",
        "tver-social": "tver-food",
    }
    assert LineChange.objects.get(line=tver).kind == LineChange.Kind.CREATED


def test_export_import_export_is_byte_for_byte_and_a_second_import_changes_nothing(tver):
    first = services.import_line(text=staffed(services.export_line(code="tver")))
    assert first.applied and "+ agents[ivanova]" in first.changes
    exported = services.export_line(code="tver")
    before = counts()
    again = services.import_line(text=exported)
    assert again.changes == [] and again.applied is False
    assert counts() == before
    assert services.export_line(code="tver") == exported


def test_dry_run_lists_the_changes_and_writes_nothing(tver):
    text = staffed(services.export_line(code="tver"))
    services.import_line(text=text)
    changed = text.replace("target_seconds: 15", "target_seconds: 25").replace(
        "hours: 24/7", "hours: 08:00-22:00"
    )
    before, exported = counts(), services.export_line(code="tver")
    outcome = services.import_line(text=changed, dry_run=True)
    assert outcome.changes == [
        '~ line.hours: "24/7" → "08:00-22:00"',
        "~ queues[tver-psychological].target_seconds: 15 → 25",
    ]
    assert not outcome.applied
    assert counts() == before and services.export_line(code="tver") == exported
    services.import_line(text=changed)
    assert Queue.objects.get(code="tver-psychological").target_seconds == 25
    assert LineChange.objects.filter(line=tver).last().diff == outcome.changes


def test_a_queue_left_out_is_retired_and_comes_back(tver):
    text = staffed(services.export_line(code="tver"))
    services.import_line(text=text)
    start = text.index("- code: tver-psychological")
    without = text[:start] + text[text.index("- code: tver-social") :]
    outcome = services.import_line(text=without)
    assert outcome.changes == ["- queues[tver-psychological]"]
    assert Queue.objects.get(code="tver-psychological").is_active is False
    services.import_line(text=text)
    assert Queue.objects.get(code="tver-psychological").is_active is True


def test_the_console_prints_the_changes_and_every_error(tver, tmp_path, capsys):
    path = tmp_path / "tver.yaml"
    call_command("line", "export", "tver", str(path))
    assert path.read_text(encoding="utf-8") == services.export_line(code="tver")
    path.write_text(staffed(path.read_text(encoding="utf-8")), encoding="utf-8")
    call_command("line", "import", str(path), "--dry-run")
    assert "+ agents[petrov]" in capsys.readouterr().out
    assert not Agent.objects.exists()
    path.write_text("schema: vmeste-line/1\nline: {code: tver}\n", encoding="utf-8")
    with pytest.raises(Exception, match="Ошибок в конфигурации") as refused:
        call_command("line", "import", str(path))
    err = str(refused.value)
    assert "line.name_ru: обязательное поле." in err and "queues: нужна хотя бы одна" in err


def test_templates_are_listed_one_a_line_code_first(capsys):
    call_command("line", "templates")
    rows = capsys.readouterr().out.splitlines()
    assert [row.split("\t")[0] for row in rows] == [
        "national-24-7",
        "rare-diseases-info",
        "regional-volunteers",
        "social-coordinator",
    ]


def test_template_names_are_the_files_line_names_translated():
    """Their Russian source is the file's line name, so the site shows the name the new line
    will carry, in the reader's language (`tests/test_locale.py` checks English)."""
    files = {code: doc.load(text) for code, text in services._template_files().items()}
    assert set(services.TEMPLATE_NAMES) == set(files)
    for code, raw in files.items():
        assert isinstance(services.TEMPLATE_NAMES[code], Promise)
        with translation.override("ru"):
            assert str(services.TEMPLATE_NAMES[code]) == raw["line"]["name_ru"]
    with translation.override("ru"):
        assert dict(services.templates())["regional-volunteers"] == (
            "Региональный волонтёрский колл-центр"
        )


@pytest.mark.parametrize("template", [code for code, _name in services.templates()])
def test_every_template_makes_a_line_that_exports_as_it_was_read(template):
    outcome = services.create_from_template(template=template, code="fresh", region="RU-KDA")
    assert outcome.applied
    exported = services.export_line(code="fresh")
    assert "fresh" in exported and "code: " + template not in exported
    with pytest.raises(ImportRefused):  # not staffed yet: no agent has the queues' skills
        services.import_line(text=exported)


def test_a_code_already_taken_is_refused(tver):
    with pytest.raises(Exception, match="уже есть"):
        services.create_from_template(template="regional-volunteers", code="tver", region="RU-TVE")


def test_articles_are_attached_through_the_knowledge_base_with_a_version_each(tver):
    from vmeste.knowledge.models import Article
    from vmeste.knowledge.services import ArticleData, save_article

    save_article(data=ArticleData(slug="kb-food", title="Продукты", lines=["moscow-volunteers"]))
    save_article(data=ArticleData(slug="kb-tver", title="Тверь", lines=["tver"]))
    text = staffed(services.export_line(code="tver"))
    assert "articles:\n- kb-tver\n" in text
    services.import_line(text=text.replace("- kb-tver\n", "- kb-food\n- kb-tver\n"))
    article = Article.objects.get(slug="kb-food")
    assert sorted(x.code for x in article.lines.all()) == ["moscow-volunteers", "tver"]
    assert article.versions.count() == 2
    with pytest.raises(ImportRefused) as refused:  # kb-tver would be shown on every line
        services.import_line(text=text.replace("- kb-tver\n", "- kb-food\n"))
    assert refused.value.problems[0].path == "articles"
    services.import_line(text=text)
    assert [x.code for x in Article.objects.get(slug="kb-food").lines.all()] == [
        "moscow-volunteers"
    ]
