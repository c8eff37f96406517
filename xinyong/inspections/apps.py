from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "xinyong.inspections"
    label = "inspections"
    verbose_name = "双随机抽查"
