from typing import Any

from django.apps import AppConfig
from django.core import checks


class ReportsConfig(AppConfig):
    name = "xinyong.reports"
    label = "reports"
    verbose_name = "信用报告"

    def ready(self) -> None:
        checks.register(font_installed)


def font_installed(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Without its TrueType CJK font no report can be issued: say so at start-up."""
    from pathlib import Path

    from django.conf import settings

    if Path(settings.REPORT_FONT).is_file():
        return []
    return [checks.Warning(
        f"The report font {settings.REPORT_FONT} is missing: credit reports cannot be issued.",
        hint="apt-get install fonts-wqy-zenhei, or set XINYONG_REPORT_FONT to a TrueType "
             "font with Chinese glyphs (.ttf/.ttc; OpenType CFF fonts such as Noto CJK won't do).",
        id="reports.W001")]
