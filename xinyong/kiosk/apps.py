from django.apps import AppConfig


class KioskConfig(AppConfig):
    name = "xinyong.kiosk"
    label = "kiosk"
    verbose_name = "自助服务终端"
