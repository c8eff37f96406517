"""A user whose password the office reset must choose a new one before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse

# Pages such a user may still open: the change page itself and logging out. The API is
# not behind sessions (tokens belong to systems, not to the person).
OPEN_PATHS = ("/api/", "/static/")


class RequirePasswordChange:
    """Sends a logged-in user with `must_change_password` to the password change page (with
    the page they asked for as `next`), until they have changed it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path.startswith(OPEN_PATHS):  # no session user is loaded for these
            return self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated
                and getattr(user, "must_change_password", False)):
            change, logout = reverse("accounts:password_change"), reverse("accounts:logout")
            if request.path not in (change, logout):
                return redirect_to_login(request.get_full_path(), change)
        return self.get_response(request)
