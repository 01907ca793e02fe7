from django.urls import path

from vmeste.contactcenter import views

app_name = "contactcenter"
urlpatterns = [
    path("", views.workplace, name="workplace"),
    path("toolbar/", views.toolbar, name="toolbar"),
    path("toolbar/event/", views.toolbar_event, name="toolbar_event"),
    path("wallboard/", views.wallboard, name="wallboard"),
    path("wall/", views.wall, name="wall"),
    path("wall/board/", views.wall_board, name="wall_board"),
    path("screen-pop/", views.screen_pop, name="screen_pop"),
]
