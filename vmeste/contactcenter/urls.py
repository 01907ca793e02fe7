from django.urls import path

from vmeste.contactcenter import ivrviews, views

app_name = "contactcenter"
urlpatterns = [
    path("", views.workplace, name="workplace"),
    path("toolbar/", views.toolbar, name="toolbar"),
    path("toolbar/event/", views.toolbar_event, name="toolbar_event"),
    path("toolbar/transfer/", views.toolbar_transfer, name="toolbar_transfer"),
    path("toolbar/consultation/", views.toolbar_consultation, name="toolbar_consultation"),
    path("wallboard/", views.wallboard, name="wallboard"),
    path("wall/", views.wall, name="wall"),
    path("wall/board/", views.wall_board, name="wall_board"),
    path("screen-pop/", views.screen_pop, name="screen_pop"),
    path("ivr/", ivrviews.menus, name="ivr_menus"),
    path("ivr/<slug:line>/", ivrviews.menu, name="ivr_menu"),
    path("ivr/<slug:line>/<slug:node>/recording/", ivrviews.upload, name="ivr_upload"),
    path("ivr/<slug:line>/<slug:node>/listen.wav", ivrviews.listen, name="ivr_listen"),
]
