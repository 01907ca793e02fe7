from django.urls import path

from vmeste.assistance import call_views, views

app_name = "assistance"
urlpatterns = [
    path("", views.request_list, name="request_list"),
    path("call/", call_views.call_card, name="call_card"),
    path("call/line/", call_views.line_panel, name="line_panel"),
    path("mine/", views.my_work, name="my_work"),
    path("<int:request_id>/", views.request_detail, name="request_detail"),
    path("<int:request_id>/transition/", views.request_transition, name="request_transition"),
    path("<int:request_id>/assign/", views.request_assign, name="request_assign"),
    path("<int:request_id>/comment/", views.request_comment, name="request_comment"),
]
