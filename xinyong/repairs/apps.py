from django.apps import AppConfig


class RepairsConfig(AppConfig):
    name = "xinyong.repairs"
    verbose_name = "信用修复"

    def ready(self) -> None:
        from xinyong.repairs import services  # noqa: F401  (registers its workflow)
