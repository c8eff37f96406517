from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "xinyong.dashboard"
    verbose_name = "工作概览"
