"""The workplace's pages keep the addresses and names they had before the app existed: the
screen pop opens /assistance/call/?phone=…&call=…, links and the access matrix name
`assistance:call_card`, `people:person_detail`, `contacts:caller_history`, `core:home`.
So they are not mounted under /workplace/ but into those apps' namespaces (`pages_in`, read by
vmeste/urls.py); the domain apps import nothing of this."""

from django.urls import path

from vmeste.workplace import call_views, history, home, person_views

app_name = "workplace"
urlpatterns: list = []

pages_in = {
    "core": [path("", home.home, name="home")],
    "assistance": [
        path("call/", call_views.call_card, name="call_card"),
        path("call/line/", call_views.line_panel, name="line_panel"),
    ],
    "contacts": [path("caller/", history.caller_history, name="caller_history")],
    "people": [path("<int:person_id>/", person_views.person_detail, name="person_detail")],
}
