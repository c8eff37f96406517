"""The inspection scenario answers each subject's stored grade (信用风险分类) and its
inspection rate, stamped with the day it was computed for; other scenarios do not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from xinyong.accounts.models import Role, User
from xinyong.scores.refresh import refresh
from xinyong.subjects.models import Subject

ORG = "91350105MA2Y00001R"


def test_the_inspection_check_answers_the_stored_grade(
        loaded: Any, api: Callable[..., Any], users: dict[str, User], organization: Subject,
        web: Callable[..., Any]) -> None:
    Subject.objects.filter(pk=organization.pk).update(scale="small")
    refresh()
    office = api(users[Role.OFFICE])
    body = office.post_json("/api/v1/checks", {"scenario": "inspection", "subjects": [ORG]}).json()
    grade = body["results"][0]["grade"]
    # 马尾 is in 福州: a small firm of grade B is inspected at half of B's 20%.
    assert grade == {"grade": "B", "inspection_rate": 0.1, "policy": "platform-defaults",
                     "as_of": timezone.localdate().isoformat()}
    other = office.post_json("/api/v1/checks", {"scenario": "bidding", "subjects": [ORG]}).json()
    assert other["results"][0]["grade"] is None
    page = web(users[Role.OFFICE]).get(f"/checks/{body['id']}/").content.decode()
    assert 'data-testid="check-grade"' in page and "10%" in page


def test_a_subject_not_yet_graded_has_no_grade_in_the_answer(
        loaded: Any, api: Callable[..., Any], users: dict[str, User],
        organization: Subject) -> None:
    body = api(users[Role.OFFICE]).post_json(
        "/api/v1/checks", {"scenario": "inspection", "subjects": [ORG]}).json()
    assert body["results"][0]["known"] is True and body["results"][0]["grade"] is None
