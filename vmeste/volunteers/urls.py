from django.urls import path

from vmeste.volunteers import views

app_name = "volunteers"
urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("me/shifts/", views.my_shifts, name="my_shifts"),
    path("me/shifts/<int:pk>/<str:action>/", views.shift_action, name="shift_action"),
    path("me/hours/", views.my_hours, name="my_hours"),
    path("me/trainings/", views.my_trainings, name="my_trainings"),
    path("coverage/", views.coverage, name="coverage"),
]
