from typing import Any

from django.conf import settings
from django.http import HttpRequest

from xinyong.front.navigation import menu_for


def site(request: HttpRequest) -> dict[str, Any]:
    return {"site_name": settings.SITE_NAME, "menu": menu_for(getattr(request, "user", None)),
            "site_footer": footer()}


def footer() -> dict[str, str]:
    """The footer's operator, contact and filing numbers from the settings (empty ones are
    left out by the template: never made up)."""
    return {"operator": settings.SITE_OPERATOR, "contact": settings.SITE_CONTACT,
            "icp": settings.SITE_ICP, "psb": settings.SITE_PSB}
