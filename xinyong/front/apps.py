from django.apps import AppConfig


class FrontConfig(AppConfig):
    name = "xinyong.front"
    label = "front"
    verbose_name = "页面框架"
