from django.apps import AppConfig


class ObjectionsConfig(AppConfig):
    name = "xinyong.objections"
    verbose_name = "异议处理"

    def ready(self) -> None:
        from xinyong.objections import services  # noqa: F401  (registers its workflow)
