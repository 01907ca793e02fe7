from django.urls import path

from vmeste.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("search/", views.search_results, name="search"),
    path("new/", views.article_edit, name="create"),
    path("preview/", views.preview, name="preview"),
    path("use/", views.record_use, name="use"),
    path("synonyms/", views.synonyms, name="synonyms"),
    path("a/<slug:slug>/", views.article_detail, name="detail"),
    path("a/<slug:slug>/panel/", views.panel_article, name="panel_article"),
    path("a/<slug:slug>/edit/", views.article_edit, name="edit"),
    path("a/<slug:slug>/transition/", views.transition, name="transition"),
    path("a/<slug:slug>/history/", views.history, name="history"),
    path("a/<slug:slug>/restore/<int:number>/", views.restore, name="restore"),
]
