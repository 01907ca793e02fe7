from django.urls import path

from vmeste.deliveries import views

app_name = "deliveries"
urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/step/", views.step, name="step"),
    path("board/", views.board, name="board"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("auto-assign/", views.auto_assign, name="auto_assign"),
]
