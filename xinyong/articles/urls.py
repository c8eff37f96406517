from django.urls import path

from xinyong.articles import views

app_name = "articles"
urlpatterns = [
    path("articles/", views.article_list, name="list"),
    path("articles/<int:article_id>/", views.article_detail, name="detail"),
    path("office/articles/", views.office_list, name="office"),
    path("office/articles/new/", views.article_new, name="new"),
    path("office/articles/preview/", views.article_preview, name="preview"),
    path("office/articles/<int:article_id>/", views.article_edit, name="edit"),
    path("office/articles/<int:article_id>/publish/", views.article_publish, name="publish"),
    path("office/articles/<int:article_id>/withdraw/", views.article_withdraw, name="withdraw"),
]
