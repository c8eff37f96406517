from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "xinyong.disclosure"
    label = "disclosure"
    verbose_name = "双公示"
