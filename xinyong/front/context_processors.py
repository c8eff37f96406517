from typing import Any

from django.conf import settings
from django.http import HttpRequest

from xinyong.front.navigation import menu_for


def site(request: HttpRequest) -> dict[str, Any]:
    return {"site_name": settings.SITE_NAME, "menu": menu_for(getattr(request, "user", None))}
