from django.urls import include, path

from vmeste.api import api
from vmeste.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("accounts/", include("vmeste.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("vmeste.core.urls")),
]
