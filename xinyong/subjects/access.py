"""Who may see what of a subject. Plain functions; views and API handlers only call them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.subjects import codes
from xinyong.subjects.models import Subject

# Who may see any person's profile (and so a person's published records).
PROFILE_STAFF = (Role.OFFICE, Role.DEPARTMENT)


def is_own(viewer: Any, subject: Subject) -> bool:
    return bool(viewer and getattr(viewer, "role", None) == Role.SUBJECT
                and viewer.subject_id == subject.pk)


def may_see_full_code(viewer: Any, subject: Subject) -> bool:
    """The unmasked code: public for enterprises; for a person only the person and the office."""
    if not subject.is_person:
        return True
    return is_own(viewer, subject) or getattr(viewer, "role", None) == Role.OFFICE


def may_look_up_persons(viewer: Any) -> bool:
    """Looking a person up by ID number tells that they are on file: staff only."""
    return getattr(viewer, "role", None) in (Role.OFFICE, Role.DEPARTMENT)


def may_view_profile(viewer: Any, subject: Subject) -> bool:
    """Enterprises' public profiles are open to all; a person's only to staff, themself and
    an institution the person granted access to."""
    if not subject.is_person:
        return True
    role = getattr(viewer, "role", None)
    if role == Role.INSTITUTION:
        from xinyong.grants.services import live_grant

        return live_grant(viewer, subject) is not None
    return role in PROFILE_STAFF or is_own(viewer, subject)


def profile_visible(viewer: Any, field: str = "subject") -> Q:
    """`may_view_profile` as a filter on rows that name their subject in `field` (a foreign
    key; "" for subjects themselves): what the public may see of a subject, a person's rows
    only staff and the person."""
    if getattr(viewer, "role", None) in PROFILE_STAFF:
        return Q()
    kind, pk = (f"{field}__kind", f"{field}_id") if field else ("kind", "pk")
    enterprises = ~Q(**{kind: codes.PERSON})
    if getattr(viewer, "role", None) == Role.SUBJECT:
        return enterprises | Q(**{pk: viewer.subject_id})
    if getattr(viewer, "role", None) == Role.INSTITUTION and getattr(viewer, "institution_id", None):
        # A person who granted the institution access in force today (信易贷).
        from xinyong.grants.models import Grant, live_q

        granted = Grant.objects.filter(live_q(timezone.localdate()),
                                       institution_id=viewer.institution_id).values("subject_id")
        return enterprises | Q(**{f"{pk}__in": granted})
    return enterprises
