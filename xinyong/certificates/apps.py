from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "xinyong.certificates"
    verbose_name = "不可抗力事实性证明"

    def ready(self) -> None:
        from xinyong.certificates import services  # noqa: F401  (registers its workflow)
