from django.urls import path

from vmeste.assistance import views

app_name = "assistance"
# The call card (/assistance/call/, assistance:call_card) is the workplace's, mounted here by
# vmeste/workplace/urls.py so that its address and name stay.
urlpatterns = [
    path("", views.request_list, name="request_list"),
    path("mine/", views.my_work, name="my_work"),
    path("<int:request_id>/", views.request_detail, name="request_detail"),
    path("<int:request_id>/transition/", views.request_transition, name="request_transition"),
    path("<int:request_id>/assign/", views.request_assign, name="request_assign"),
    path("<int:request_id>/comment/", views.request_comment, name="request_comment"),
]
