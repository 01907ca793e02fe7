import importlib
import importlib.util

from django.conf import settings
from django.urls import include, path

from vmeste.api import api
from vmeste.core import views as core_views
from vmeste.core.admin_site import site as admin_site

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin_site.urls),
]


def _app_urls() -> dict:
    """Each domain app's `urls` module, for the apps that have one, in dependency order."""
    found = {}
    for app in settings.DOMAIN_APPS:
        module = f"vmeste.{app}.urls"
        if importlib.util.find_spec(module) is not None:
            found[app] = importlib.import_module(module)
    return found


_urls = _app_urls()
# Pages an app serves in another app's namespace and address (`pages_in`: the workplace keeps
# /assistance/call/ as assistance:call_card); the host app does not import its guest.
_guests: dict[str, list] = {}
for _module in _urls.values():
    for _host, _patterns in getattr(_module, "pages_in", {}).items():
        _guests.setdefault(_host, []).extend(_patterns)


def _mount(app: str) -> object:
    own = _urls[app].urlpatterns if app in _urls else []
    return include(([*_guests.get(app, []), *own], app))


# Each domain app with a `urls.py` is mounted under its own name (/assistance/, /knowledge/, …);
# an app may also expose `root_urlpatterns` for paths outside its prefix (e.g. /api/hsds/).
for _app in settings.DOMAIN_APPS:
    if _app == "core":
        continue
    if (_app in _urls and _urls[_app].urlpatterns) or _app in _guests:
        urlpatterns.append(path(f"{_app}/", _mount(_app)))
    urlpatterns += getattr(_urls.get(_app), "root_urlpatterns", [])
urlpatterns.append(path("", _mount("core")))
