"""The elder-friendly display mode (长者模式, 适老化): larger type, higher contrast.

A cookie, not a user setting, so that anonymous visitors (the people most likely to need
it) can switch too; a plain POST form in the navigation bar, so that it works without
JavaScript. base.html puts `mode-elder` on <html> while the cookie says so.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

COOKIE = "xinyong_mode"
ELDER = "elder"
YEAR = 365 * 24 * 3600


@require_POST
def switch_mode(request: HttpRequest) -> HttpResponse:
    """Set (or clear) the display mode, then go back to the page the visitor was on: the
    form's `next`, else the Referer. The pages carry no `next`: an address they echoed
    would hold what was typed into it (an ID number in a query string, a hidden record's
    id on a 404 that must look like any other)."""
    target = request.POST.get("next") or request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.POST.get("mode") == ELDER:
        response.set_cookie(COOKIE, ELDER, max_age=YEAR, samesite="Lax", httponly=True,
                            secure=settings.SESSION_COOKIE_SECURE)
    else:
        response.delete_cookie(COOKIE, samesite="Lax")
    return response
