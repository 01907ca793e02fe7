from django.urls import path

from vmeste.people import edit_views, views

app_name = "people"
# The card itself (/people/<id>/, people:person_detail) is served by the workplace, which
# lists records of several apps beside it: see vmeste/workplace/urls.py.
urlpatterns = [
    path("<int:person_id>/edit/", edit_views.person_edit, name="person_edit"),
    path("<int:person_id>/merge/", views.person_merge, name="person_merge"),
]
