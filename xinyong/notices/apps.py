from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "xinyong.notices"
    label = "notices"
    verbose_name = "通知"
