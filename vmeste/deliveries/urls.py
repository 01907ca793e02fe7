from django.urls import path

from vmeste.deliveries import request_views, views

app_name = "deliveries"
urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/step/", views.step, name="step"),
    path("board/", views.board, name="board"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("request/<int:request_id>/", request_views.for_request, name="for_request"),
    path(
        "request/<int:request_id>/new/",
        request_views.create_for_request,
        name="create_for_request",
    ),
    path("auto-assign/", views.auto_assign, name="auto_assign"),
]
