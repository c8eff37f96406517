from django.apps import AppConfig


class ScoresConfig(AppConfig):
    name = "xinyong.scores"
    label = "scores"
    verbose_name = "信用积分与信用评级"

    def ready(self) -> None:
        from xinyong.scores import signals  # noqa: F401  (connects the receivers)
