from django.urls import path

from vmeste.privacy import views

app_name = "privacy"
urlpatterns = [
    path("persons/<int:person_id>/withdraw/", views.withdraw, name="withdraw"),
    path("persons/<int:person_id>/renew/", views.renew, name="renew"),
    path("persons/<int:person_id>/copy/", views.subject_copy, name="subject_copy"),
]
