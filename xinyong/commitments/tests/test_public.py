"""What the public sees: public commitments of enterprises (never a person's, never a
withdrawn one), the check by number, the credit file and the report's section."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conftest import PERSON_CODE
from xinyong.accounts.models import Role, User
from xinyong.commitments import services
from xinyong.commitments.models import Commitment
from xinyong.reports import choices as report_choices
from xinyong.reports.content import build


def test_the_public_page_lists_public_commitments_of_enterprises(
        resumption: Callable[..., Commitment], owner: User, person_user: User,
        web: Callable[..., Any]) -> None:
    shown = resumption()
    gone = services.withdraw(owner, resumption().pk)
    persons = services.sign(person_user, "credit_repair", matter="榕马市监罚〔2026〕3号")
    page = web(None).get("/commitments/").content.decode()
    assert f'data-commitment="{shown.pk}"' in page and "复工复产信用承诺书（告知承诺）" in page
    assert f'data-commitment="{gone.pk}"' not in page and f'data-commitment="{persons.pk}"' not in page
    assert "张三" not in page
    found = web(None).get("/commitments/?q=康宁").content.decode()
    assert f'data-commitment="{shown.pk}"' in found
    assert f'data-commitment="{shown.pk}"' not in web(None).get("/commitments/?q=没有这家").content.decode()
    # A person's commitment: 404 to the public, shown to the person.
    assert web(None).get(f"/commitments/{persons.pk}/").status_code == 404
    assert web(person_user).get(f"/commitments/{persons.pk}/").status_code == 200


def test_the_api_lists_a_subjects_commitments_as_its_profile_is_seen(
        resumption: Callable[..., Commitment], person_user: User, users: dict[str, User],
        api: Callable[..., Any]) -> None:
    c = resumption()
    persons = services.sign(person_user, "credit_repair", matter="榕马市监罚〔2026〕3号")
    body = api(None).get(f"/api/v1/commitments?subject_id={c.subject_id}").json()
    assert [i["id"] for i in body["items"]] == [c.pk] and body["total"] == 1
    item = body["items"][0]
    assert item["status"] == "in_force" and item["signer_name"] is None  # public: no signer
    assert api(None).get(f"/api/v1/commitments?subject_id={persons.subject_id}").status_code == 404
    # Staff may see the person's profile, but the commitment is not public: an empty list.
    staff = api(users[Role.DEPARTMENT]).get(f"/api/v1/commitments?subject_id={persons.subject_id}")
    assert staff.status_code == 200 and staff.json()["items"] == []
    office = api(users[Role.OFFICE]).get(f"/api/v1/commitments?subject_id={persons.subject_id}").json()
    assert [i["id"] for i in office["items"]] == [persons.pk]
    assert PERSON_CODE not in str(office)


def test_check_by_number(resumption: Callable[..., Commitment], person_user: User,
                         web: Callable[..., Any], api: Callable[..., Any]) -> None:
    c = resumption()
    page = web(None).get(f"/commitments/check/{c.number}/").content.decode()
    assert 'data-genuine="1"' in page and "福州马尾康宁医疗器械有限公司" in page and "正常履约" in page
    # As typed from paper: lower case, spaces.
    typed = web(None).get("/commitments/check/", {"number": f" {c.number.lower()} "})
    assert typed.status_code == 302 and typed["Location"].endswith(f"/commitments/check/{c.number}/")
    unknown = web(None).get("/commitments/check/", {"number": "20260101ABCDEFGHJKMNPQ"})
    assert unknown.status_code == 422 and "没有这个编号" in unknown.content.decode()
    body = api(None).get(f"/api/v1/commitments/by-number/{c.number}").json()
    assert body["valid"] is True and body["status"] == "in_force"
    # A hash changed in the database no longer checks out.
    Commitment.objects.filter(pk=c.pk).update(sha256="0" * 64)
    assert 'data-genuine="0"' in web(None).get(f"/commitments/check/{c.number}/").content.decode()
    assert api(None).get(f"/api/v1/commitments/by-number/{c.number}").json()["valid"] is False
    # A person's name is masked.
    persons = services.sign(person_user, "credit_repair", matter="榕马市监罚〔2026〕3号")
    assert api(None).get(f"/api/v1/commitments/by-number/{persons.number}").json()["subject_name"] == "张*"


def test_credit_file_and_report(resumption: Callable[..., Commitment], owner: User,
                                web: Callable[..., Any], api: Callable[..., Any]) -> None:
    from django.utils import timezone

    c = resumption()
    gone = services.withdraw(owner, resumption().pk)
    page = web(None).get(f"/subjects/{c.subject_id}/").content.decode()
    assert 'data-testid="profile-commitments"' in page and f'data-commitment="{c.pk}"' in page
    assert f'data-commitment="{gone.pk}"' not in page
    assert f'data-commitment="{gone.pk}"' in web(owner).get(f"/subjects/{c.subject_id}/").content.decode()
    # The credit file's API says the same.
    public = api(None).get(f"/api/v1/subjects/{c.subject_id}").json()["commitments"]
    assert [(x["number"], x["status"], x["accepting_unit"]) for x in public] == [
        (c.number, "in_force", "市场监督管理局")]
    mine = api(owner).get(f"/api/v1/subjects/{c.subject_id}").json()["commitments"]
    assert {x["id"] for x in mine} == {c.pk, gone.pk}
    today = timezone.localdate()

    def rows(version: str) -> list[tuple[str, ...]]:
        content = build(c.subject, version=version, as_of=today)
        section = next(s for s in content.sections if s.title.endswith("信用承诺信息"))
        table = section.parts[0].table
        return table.rows if table else []

    assert rows(report_choices.PUBLIC) == [(
        "复工复产信用承诺书（告知承诺）（复工复产备案（马尾区快安厂区））", "审批替代型（告知承诺）",
        "市场监督管理局", f"{today:%Y-%m-%d}", "正常履约", "榕发改信用〔2020〕4号 一.2")]
    assert [r[4] for r in rows(report_choices.FULL)] == ["已撤销", "正常履约"]
