"""The pages: a person's points with their items, an enterprise's grade, the credit file's
评价 section, and the office's 企业规模 and recompute (audited)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.test import Client

from xinyong.accounts.models import Role, User
from xinyong.audit.models import AuditEvent
from xinyong.scores.models import SubjectGrade
from xinyong.subjects.models import Subject, get_or_create_subject

D = dt.date



def test_the_person_reads_their_points_and_why(web: Callable[..., Client], person_user: User,
                                              finding: Any, person: Subject) -> None:
    page = web(person_user).get("/my/evaluation/", follow=True)
    html = page.content.decode()
    assert page.status_code == 200 and "娄城信用积分" in html
    assert f'data-record="{finding.pk}"' in html and "-50" in html
    assert "暂定分值" in html  # provisional, on every page that shows it
    other = web(person_user).get(f"/subjects/{person.pk}/score/?scheme=fuzhou_personal_points")
    assert "个人信用积分（福州）" in other.content.decode()
    past = web(person_user).get(f"/subjects/{person.pk}/score/?as_of=2026-11-02").content.decode()
    assert f'data-record="{finding.pk}"' not in past
    bad = web(person_user).get(f"/subjects/{person.pk}/score/?as_of=2999-01-01").content.decode()
    assert "不能晚于今天" in bad
    profile = web(person_user).get(f"/subjects/{person.pk}/").content.decode()
    assert 'data-testid="score-card"' in profile and "计算于" in profile


def test_an_enterprise_user_is_shown_its_grade(web: Callable[..., Client], loaded: Any,
                                               users: dict[str, User],
                                               organization: Subject) -> None:
    page = web(users[Role.SUBJECT]).get("/my/evaluation/")
    assert page.status_code == 302 and page.url == f"/subjects/{organization.pk}/grade/"


def test_others_do_not_see_a_persons_points(web: Callable[..., Client], users: dict[str, User],
                                            finding: Any, person: Subject) -> None:
    assert web(users[Role.SUBJECT]).get(f"/subjects/{person.pk}/score/").status_code == 404
    assert web(users[Role.DEPARTMENT]).get(f"/subjects/{person.pk}/score/").status_code == 403
    assert web(None).get(f"/subjects/{person.pk}/score/").status_code == 302  # to the login
    assert web(users[Role.OFFICE]).get(f"/subjects/{person.pk}/score/").status_code == 200
    assert 'data-testid="score-card"' not in web(users[Role.DEPARTMENT]).get(
        f"/subjects/{person.pk}/").content.decode()


def test_anyone_reads_an_enterprises_grade(web: Callable[..., Client], loaded: Any,
                                           organization: Subject, person: Subject) -> None:
    html = web(None).get(f"/subjects/{organization.pk}/grade/").content.decode()
    assert 'data-testid="grade"' in html and "B类（信用风险一般）" in html and "20%" in html
    assert "抽查比例为暂定值" in html and "暂定：" in html and 'data-testid="office-tools"' not in html
    assert web(None).get(f"/subjects/{person.pk}/grade/").status_code == 404
    assert 'data-testid="grade-card"' in web(None).get(
        f"/subjects/{organization.pk}/").content.decode()


def test_the_office_sets_the_scale_and_the_rate_follows(web: Callable[..., Client], loaded: Any,
                                                        users: dict[str, User],
                                                        organization: Subject) -> None:
    office = web(users[Role.OFFICE])
    assert 'data-testid="office-tools"' in office.get(
        f"/subjects/{organization.pk}/grade/").content.decode()
    page = office.post(f"/subjects/{organization.pk}/scale/", {"scale": "small"}, follow=True)
    html = page.content.decode()
    # 马尾 is in 福州: a small firm of grade B is inspected half as often.
    assert "10%" in html and "中小微企业减少抽检频次" in html
    organization.refresh_from_db()
    assert organization.scale == "small"
    event = AuditEvent.objects.get(action="subject.scale")
    assert event.detail == {"before": "", "after": "small"}
    assert SubjectGrade.objects.get(subject=organization).adjustments == \
        "fuzhou-2020-4:sme_fewer_inspections"
    wrong = office.post(f"/subjects/{organization.pk}/scale/", {"scale": "huge"}, follow=True)
    assert "企业规模" in wrong.content.decode()
    organization.refresh_from_db()
    assert organization.scale == "small"
    assert web(users[Role.DEPARTMENT]).post(
        f"/subjects/{organization.pk}/scale/", {"scale": "large"}).status_code == 403


def test_the_office_recomputes_one_subject_on_demand(web: Callable[..., Client], loaded: Any,
                                                     users: dict[str, User],
                                                     organization: Subject) -> None:
    assert not SubjectGrade.objects.filter(subject=organization).exists()
    page = web(users[Role.OFFICE]).post(f"/subjects/{organization.pk}/evaluation/refresh/",
                                        follow=True)
    assert "已重新计算" in page.content.decode()
    assert SubjectGrade.objects.get(subject=organization).grade == "B"
    assert AuditEvent.objects.filter(action="evaluation.refresh").count() == 1
    other = get_or_create_subject("organization", "91350105MA2Y00002W", "福州闽江生鲜超市有限公司")[0]
    assert not SubjectGrade.objects.filter(subject=other).exists()  # one subject only
