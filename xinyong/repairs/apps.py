from django.apps import AppConfig


class RepairsConfig(AppConfig):
    name = "xinyong.repairs"
    label = "repairs"
    verbose_name = "信用修复"
