from django.apps import AppConfig


class LicencesConfig(AppConfig):
    name = "xinyong.licences"
    label = "licences"
    verbose_name = "行政许可"
