from django.urls import path

from vmeste.launch import centreviews, views

app_name = "launch"
urlpatterns = [
    path("", views.lines, name="lines"),
    # before a line's code: "centres" is not a line
    path("centres/", centreviews.centres, name="centres"),
    path("centres/<slug:code>/", centreviews.centre, name="centre"),
    path("<slug:code>/", views.line, name="line"),
    path("<slug:code>/configuration.yaml", views.configuration, name="configuration"),
    path("<slug:code>/<str:action>/", views.action, name="action"),
]
