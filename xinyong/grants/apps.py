from django.apps import AppConfig


class GrantsConfig(AppConfig):
    name = "xinyong.grants"
    verbose_name = "授权查询"
