from django.urls import path

from vmeste.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.figures, name="figures"),
    path("export.<str:fmt>", views.figures_export, name="export"),
]
