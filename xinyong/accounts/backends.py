"""The login backend: Django's ModelBackend, which also refuses users of a deactivated
member unit (or financial institution), at login and on every request of a session opened before the unit was
deactivated."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from xinyong.accounts.models import User


def unit_allows(user: Any) -> bool:
    """Users without a unit are not affected; a department user needs an active unit, an
    institution's user an active institution."""
    if user.institution_id and not user.institution.is_active:
        return False
    return not user.unit_id or user.unit.is_active


class UnitAwareBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and unit_allows(user)

    def get_user(self, user_id: Any) -> User | None:
        # The unit comes in the same query: a session costs no extra round trip.
        user = User.objects.select_related("unit", "institution").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
