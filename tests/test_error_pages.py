"""The site's own 403, 404 and 500 pages: Russian, in the site's layout, with a way back."""

import pytest
from django.test import RequestFactory, override_settings
from django.views import defaults


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_404_in_the_layout_with_a_way_back(client, make_user):
    client.force_login(make_user("op1"))
    page = client.get("/no-such-page/")
    html = page.content.decode()
    assert page.status_code == 404
    assert "Страница не найдена" in html and 'class="topbar"' in html
    assert 'href="/"' in html and "К рабочему месту" in html


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_403_says_the_role_may_not_and_where_to_go(client, make_user):
    client.force_login(make_user("vol1", "volunteer"))
    page = client.get("/contactcenter/wall/")
    assert page.status_code == 403
    html = page.content.decode()
    assert "Нет доступа" in html and "К рабочему месту" in html


def test_500_stands_alone():
    answer = defaults.server_error(RequestFactory().get("/"))
    html = answer.content.decode()
    assert answer.status_code == 500
    assert "Ошибка на сервере" in html and "К рабочему месту" in html and 'lang="ru"' in html
