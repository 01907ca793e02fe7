from django.urls import path

from vmeste.launch import views

app_name = "launch"
urlpatterns = [
    path("", views.lines, name="lines"),
    path("<slug:code>/", views.line, name="line"),
    path("<slug:code>/configuration.yaml", views.configuration, name="configuration"),
    path("<slug:code>/<str:action>/", views.action, name="action"),
]
