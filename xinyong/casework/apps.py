from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "xinyong.casework"
    verbose_name = "案件办理"
