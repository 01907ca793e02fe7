from django.urls import path

from vmeste.contacts import views

app_name = "contacts"
urlpatterns = [
    path("caller/", views.caller_history, name="caller_history"),
]
