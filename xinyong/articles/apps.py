from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "xinyong.articles"
    verbose_name = "典型案例与新闻"
