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
# Each domain app with a `urls.py` is mounted under its own name (/assistance/, /knowledge/, …);
# an app may also expose `root_urlpatterns` for paths outside its prefix (e.g. /api/hsds/).
for app in settings.DOMAIN_APPS:
    module = f"vmeste.{app}.urls"
    if app != "core" and importlib.util.find_spec(module) is not None:
        urls = importlib.import_module(module)
        urlpatterns.append(path(f"{app}/", include(module)))
        urlpatterns += getattr(urls, "root_urlpatterns", [])
urlpatterns.append(path("", include("vmeste.core.urls")))
