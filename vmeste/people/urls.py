from django.urls import path

from vmeste.people import edit_views, views

app_name = "people"
urlpatterns = [
    path("<int:person_id>/", views.person_detail, name="person_detail"),
    path("<int:person_id>/edit/", edit_views.person_edit, name="person_edit"),
    path("<int:person_id>/merge/", views.person_merge, name="person_merge"),
]
