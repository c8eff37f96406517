from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "xinyong.accounts"
    label = "accounts"
    verbose_name = "账号与成员单位"
