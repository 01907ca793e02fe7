from django.urls import path

from vmeste.volunteers import staff_views, views

app_name = "volunteers"
urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("me/shifts/", views.my_shifts, name="my_shifts"),
    path("me/shifts/<int:pk>/<str:action>/", views.shift_action, name="shift_action"),
    path("me/hours/", views.my_hours, name="my_hours"),
    path("me/trainings/", views.my_trainings, name="my_trainings"),
    path("coverage/", views.coverage, name="coverage"),
]
urlpatterns += [
    path("", staff_views.volunteer_list, name="staff_list"),
    path("transfer/", staff_views.transfer, name="staff_transfer"),
    path("<int:pk>/", staff_views.volunteer_card, name="staff_card"),
    path("<int:pk>/<str:action>/", staff_views.volunteer_action, name="staff_action"),
    path("calendar/", staff_views.calendar, name="staff_calendar"),
    path("calendar/<str:action>/", staff_views.calendar_action, name="calendar_action"),
]
