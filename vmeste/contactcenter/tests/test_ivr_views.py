"""The menu in the site: the tree with "listen" on each prompt, errors in Russian, the
recordings; supervisors and administrators of the line's scope only; and in Chromium."""

from __future__ import annotations

import pytest

from vmeste.contactcenter.models import IvrNode

URL = "/contactcenter/ivr/we-are-together/"


@pytest.fixture
def supervisor(client, make_user):
    client.force_login(make_user("sup", "supervisor"))
    return client


@pytest.mark.django_db
def test_the_tree_shows_every_branch_with_a_listen_button(supervisor, menu_saved):
    page = supervisor.get(URL).content.decode()
    for label in ("Продукты и лекарства", "Оплата ЖКУ", "Юрист (внешний номер)", "Кешбэк"):
        assert label in page
    assert page.count("<audio") == IvrNode.objects.exclude(prompt="").count()
    assert "переход к узлу выше" in page  # «9» of the sub-menu leads back to the main menu
    sound = supervisor.get(f"{URL}night/listen.wav")
    assert sound["Content-Type"] == "audio/wav"
    assert b"".join(sound.streaming_content)[:4] == b"RIFF"


@pytest.mark.django_db
def test_an_invalid_document_is_shown_back_with_every_error(supervisor, menu_saved):
    text = supervisor.get(URL).context["document"]
    bad = text.replace("queue: wat-food", "queue: wat-nowhere").replace(
        "number: '+74950000000'", "number: юрист"
    )
    assert bad != text
    answer = supervisor.post(URL, {"document": bad})
    assert answer.status_code == 422
    page = answer.content.decode()
    assert "Меню не сохранено: ошибок — 2." in page
    assert "Нет такой очереди линии: «wat-nowhere»." in page
    assert "Номер: + и от 3 до 15 цифр." in page
    assert IvrNode.objects.get(code="food").queue == "wat-food"
    assert supervisor.post(URL, {"document": text}).status_code == 302


@pytest.mark.django_db
def test_the_list_of_menus_and_a_recording_uploaded_in_the_site(supervisor, menu_saved, tmp_path):
    from vmeste.contactcenter.tests.test_ivr_api import sound

    page = supervisor.get("/contactcenter/ivr/").content.decode()
    assert 'href="/contactcenter/ivr/we-are-together/"' in page
    assert page.count("меню ещё нет") == page.count("<li>") - 1  # all but the national line
    content = sound(tmp_path, "ogg")
    from django.core.files.uploadedfile import SimpleUploadedFile

    answer = supervisor.post(
        f"{URL}night/recording/", {"file": SimpleUploadedFile("н.ogg", content)}
    )
    assert answer.status_code == 302
    night = IvrNode.objects.get(code="night")
    assert night.recording.startswith("rec-")
    assert "запись" in supervisor.get(URL).content.decode()
    refused = supervisor.post(f"{URL}night/recording/", {"file": SimpleUploadedFile("н.txt", b"x")})
    assert refused.status_code == 422
    assert "Запись — файл WAV, MP3 или OGG." in refused.content.decode()


@pytest.mark.django_db
def test_operators_and_other_scopes_are_refused(client, make_user, menu_saved):
    client.force_login(make_user("op", "operator"))
    assert client.get(URL).status_code == 403
    assert client.get("/contactcenter/ivr/").status_code == 403
    client.force_login(make_user("msk", "supervisor", lines=["moscow-volunteers"]))
    assert client.get(URL).status_code == 404
    assert client.get(f"{URL}night/listen.wav").status_code == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_chromium_listen_to_a_prompt_and_see_the_errors(
    browser, live_server, client, menu_saved
):
    from vmeste.accounts.services import create_user

    user, _password = create_user(actor=None, username="sup", role="supervisor", password="x",
                                  check_password=False)  # fmt: skip
    client.force_login(user)
    context = browser.new_context(locale="ru-RU")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + URL)
    tree = page.locator("#ivr-tree")
    assert tree.locator("li[data-node=psy]").inner_text().startswith("3")
    # The browser fetches and decodes the prompt the caller hears (8 kHz WAV).
    seconds = page.evaluate(
        """() => new Promise((done, fail) => {
            const audio = document.querySelector('li[data-node=night] audio');
            audio.addEventListener('loadedmetadata', () => done(audio.duration));
            audio.addEventListener('error', () => fail(audio.error && audio.error.code));
            audio.preload = 'auto'; audio.load();
        })"""
    )
    assert seconds > 2
    document = page.locator("#ivr-document")
    document.fill(document.input_value().replace("queue: wat-psy", "queue: wat-nowhere"))
    page.get_by_role("button", name="Проверить и сохранить").click()
    errors = page.get_by_role("alert")
    assert "Меню не сохранено: ошибок — 1." in errors.inner_text()
    assert "(psy).queue: Нет такой очереди линии: «wat-nowhere»." in errors.inner_text()
    # The text typed stays in the form, to be corrected.
    assert "queue: wat-nowhere" in page.locator("#ivr-document").input_value()
    context.close()
