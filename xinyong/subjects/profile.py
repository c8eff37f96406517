"""The subject profile (信用档案): one view of a subject, shaped by who is looking."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from xinyong.audit.models import record as audit
from xinyong.subjects import access
from xinyong.subjects.models import Subject


def build_profile(
    subject: Subject, viewer: Any, request: HttpRequest | None = None
) -> dict[str, Any]:
    """The profile as `viewer` may see it; reading a person's full data is audited."""
    data: dict[str, Any] = {
        "id": subject.pk,
        "kind": subject.kind,
        "name": subject.name,
        "code_masked": subject.code_masked,
        "code": None,
        # Filled in by the records and lists apps as they arrive (collection, lists).
        "records": [],
        "lists": [],
        "score": None,
        "grade": None,
    }
    if access.may_see_full_code(viewer, subject):
        data["code"] = subject.full_code()
        if subject.is_person:
            audit("subject.read_full", request=request, actor=viewer, obj=subject,
                  summary=f"查看自然人完整信息 {subject.code_masked}")
    return data
