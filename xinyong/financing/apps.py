from django.apps import AppConfig


class FinancingConfig(AppConfig):
    name = "xinyong.financing"
    verbose_name = "信易贷融资对接"

    def ready(self) -> None:
        from xinyong.financing import services  # noqa: F401  (registers its workflow)
