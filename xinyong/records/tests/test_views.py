"""Web pages of the collection: list and filters, record page and actions, form, bulk upload."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from conftest import ORG2_CODE, ORG_CODE, PERSON_CODE
from xinyong.accounts.models import Role, Unit, User
from xinyong.records import imports, services
from xinyong.records.models import ImportJob, Record, RecordVersion, effective_status

D = dt.date
HEADER = "subject_kind,subject_name,subject_code,behavior,occurred_on,decided_on,decision_no,facts,severity"
GOOD_ROW = ("organization,福州闽江生鲜超市有限公司,91350105MA2Y00002W,fz_market_disruption,2020-02-11,"
            "2020-02-21,榕马市监罚〔2020〕2号,哄抬物价,serious")
BAD_ROW = ("organization,坏代码公司,91350105MA2Y00002X,fz_market_disruption,2020-02-11,"
           "2020-02-21,榕马市监罚〔2020〕3号,哄抬物价,serious")


def today() -> dt.date:
    return timezone.localdate()


def submit(unit: Unit, actor: User | None = None, **kw: Any) -> Record:
    """A record through the real submission service (determination included)."""
    base: dict[str, Any] = dict(
        subject_kind="organization", subject_name="福州马尾康宁医疗器械有限公司", subject_code=ORG_CODE,
        behavior="fz_mask_fraud", occurred_on=D(2020, 2, 10), decided_on=D(2020, 2, 20),
        decision_no="榕马市监罚〔2020〕12号", facts="销售假冒口罩", severity="serious",
    )
    base.update(kw)
    record, created = services.submit(unit, services.Submission(**base), actor=actor, source="form")
    assert created
    return record


def published_now(unit: Unit, **kw: Any) -> Record:
    """An administrative penalty decided ten days ago: published today under 国办发〔2025〕22号."""
    base: dict[str, Any] = dict(behavior="administrative_penalty", occurred_on=today() - dt.timedelta(20),
                                decided_on=today() - dt.timedelta(10), decision_no="市监罚〔2026〕1号",
                                facts="未按规定标价", severity="general")
    base.update(kw)
    return submit(unit, **base)


def deferred(unit: Unit, **kw: Any) -> Record:
    """太仓 8: an unfulfilled order under force majeure, waiting for its rectification date."""
    base: dict[str, Any] = dict(behavior="tc_order_unfulfilled", occurred_on=today() - dt.timedelta(10),
                                decided_on=today() - dt.timedelta(5), decision_no="太市监罚〔2026〕8号",
                                facts="订单未按期交付", severity="general", force_majeure=True,
                                rectify_by=today() + dt.timedelta(10))
    base.update(kw)
    return submit(unit, **base)


def exempted(unit: Unit, **kw: Any) -> Record:
    """太仓 9: a contract default under force majeure is exempted (kept, never published)."""
    base: dict[str, Any] = dict(behavior="tc_contract_default", occurred_on=D(2020, 3, 1),
                                decided_on=D(2020, 3, 10), decision_no="太市监罚〔2020〕9号",
                                facts="合同违约", severity="general", force_majeure=True)
    base.update(kw)
    return submit(unit, **base)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def dept(users: dict[str, User]) -> User:
    return users[Role.DEPARTMENT]


@pytest.fixture
def office(users: dict[str, User]) -> User:
    return users[Role.OFFICE]


@pytest.fixture
def tc_dept(make_user: Callable[..., User], taicang_unit: Unit) -> User:
    """A 太仓 department user: deferral (太仓 8) and exemption (太仓 9) are 太仓's rules."""
    return make_user("tc_reporter", Role.DEPARTMENT, unit=taicang_unit)


@pytest.fixture
def other_dept(make_user: Callable[..., User], other_unit: Unit) -> User:
    return make_user("erin", Role.DEPARTMENT, unit=other_unit)


def html(response: Any) -> str:
    return response.content.decode()


def table_rows(response: Any, testid: str = "records") -> list[str]:
    body = html(response).split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], flags=re.S)


# --- navigation and access ---------------------------------------------------------------

def test_navigation_by_role(loaded: Any, users: dict[str, User], web: Callable[..., Client]) -> None:
    page = html(web(users[Role.DEPARTMENT]).get("/"))
    assert "/records/" in page and "/records/new/" in page and "/records/imports/" in page
    office_page = html(web(users[Role.OFFICE]).get("/"))
    assert "/records/" in office_page and "/records/new/" not in office_page
    for role in (Role.SUBJECT, Role.INSTITUTION):
        assert "/records/" not in html(web(users[role]).get("/"))
    assert "/records/" not in html(web().get("/"))


@pytest.mark.parametrize("path", ["/records/", "/records/export.xlsx", "/records/new/",
                                  "/records/imports/", "/records/imports/template.csv"])
def test_staff_pages_need_login_and_role(loaded: Any, users: dict[str, User],
                                         web: Callable[..., Client], path: str) -> None:
    response = web().get(path)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    for role in (Role.SUBJECT, Role.INSTITUTION):
        assert web(users[role]).get(path).status_code == 403


def test_only_departments_submit_and_upload(loaded: Any, office: User, web: Callable[..., Client],
                                            media: Path) -> None:
    client = web(office)
    assert client.get("/records/new/").status_code == 403
    assert client.post("/records/new/", {}).status_code == 403
    page = client.get("/records/imports/")
    assert page.status_code == 200 and 'type="file"' not in html(page)
    upload = SimpleUploadedFile("a.csv", f"{HEADER}\n{GOOD_ROW}\n".encode())
    assert client.post("/records/imports/", {"file": upload}).status_code == 403
    assert not ImportJob.objects.exists()


# --- list, filters, pagination -----------------------------------------------------------

def test_department_sees_its_own_unit_only(loaded: Any, unit: Unit, other_unit: Unit, dept: User,
                                           web: Callable[..., Client]) -> None:
    submit(unit)
    submit(other_unit, decision_no="发改罚〔2020〕1号")
    response = web(dept).get("/records/")
    assert response.status_code == 200
    page = html(response)
    assert "榕马市监罚〔2020〕12号" in page and "发改罚〔2020〕1号" not in page
    assert 'name="unit"' not in page  # no unit filter for a department


def test_office_sees_all_units_and_filters_by_unit(loaded: Any, unit: Unit, other_unit: Unit,
                                                   office: User, web: Callable[..., Client]) -> None:
    submit(unit)
    submit(other_unit, decision_no="发改罚〔2020〕1号")
    client = web(office)
    page = html(client.get("/records/"))
    assert "榕马市监罚〔2020〕12号" in page and "发改罚〔2020〕1号" in page and 'name="unit"' in page
    only = html(client.get("/records/", {"unit": other_unit.pk}))
    assert "发改罚〔2020〕1号" in only and "榕马市监罚〔2020〕12号" not in only


def test_columns_status_lists_and_flags(loaded: Any, unit: Unit, dept: User,
                                        web: Callable[..., Client]) -> None:
    record = submit(unit, subject_name="康宁医疗器械公司")  # differs from the name on file
    Record.objects.filter(pk=record.pk).update(objection_open=True)
    rows = table_rows(web(dept).get("/records/"))
    assert len(rows) == 1
    row = rows[0]
    for text in ["榕马市监罚〔2020〕12号", "福州马尾康宁医疗器械有限公司", ORG_CODE, "fz_mask_fraud", "严重",
                 "2020-02-20", "公示期满", "2020-02-20 至", "重点监管对象", "名称与档案不一致", "异议处理中"]:
        assert text in row, text


def test_filters(loaded: Any, unit: Unit, taicang_unit: Unit, office: User,
                 web: Callable[..., Client]) -> None:
    old = submit(unit)  # 2020, serious: expired by now
    now = published_now(unit)
    waiting = deferred(taicang_unit)  # deferral and exemption are 太仓's rules
    kept = exempted(taicang_unit)
    good = submit(unit, behavior="fz_donation", decision_no="榕马表彰〔2020〕1号", severity="general",
                  subject_name="福州闽江生鲜超市有限公司", subject_code=ORG2_CODE)
    gone = services.withdraw(published_now(unit, decision_no="市监罚〔2026〕2号"), "决定已撤销", actor=None)
    client = web(office)  # both units' records

    def found(**params: Any) -> set[str]:
        rows = table_rows(client.get("/records/", params))
        return {n for r in rows for n in re.findall(r'href="/records/(\d+)/"', r)}

    def ids(*records: Record) -> set[str]:
        return {str(r.pk) for r in records}

    assert found() == ids(old, now, waiting, kept, good, gone)
    assert found(status="withdrawn") == ids(gone)
    assert found(status="published") == ids(now, good)
    assert found(status="expired") == ids(old)
    assert found(status="deferred") == ids(waiting)
    assert found(status="exempted") == ids(kept)
    assert found(behavior="fz_mask_fraud") == ids(old)
    assert found(severity="serious") == ids(old)
    assert found(polarity="good") == ids(good)
    assert found(polarity="dishonest") == ids(old, now, waiting, kept, gone)
    assert found(decided_from="2020-03-01", decided_to="2020-12-31") == ids(kept)
    assert found(decided_from=(today() - dt.timedelta(30)).isoformat()) == ids(now, waiting, gone)
    assert found(q="市监罚〔2026〕1号") == ids(now)
    assert found(q="闽江生鲜") == ids(good)
    assert found(q=ORG2_CODE) == ids(good)  # an enterprise's public USCC
    # The list's status filter agrees with the status it shows.
    for record in (old, now, waiting, kept, good, gone):
        status = effective_status(record, today())
        assert str(record.pk) in found(status=status)


def test_invalid_filter_names_the_field(loaded: Any, unit: Unit, dept: User,
                                        web: Callable[..., Client]) -> None:
    submit(unit)
    response = web(dept).get("/records/", {"decided_from": "2020-05-01", "decided_to": "2020-01-01"})
    assert 'data-error-for="decided_to"' in html(response)
    assert table_rows(response)[0].count("没有符合条件的记录") == 1
    bad_date = web(dept).get("/records/", {"decided_from": "not-a-date"})
    assert 'data-error-for="decided_from"' in html(bad_date)


def test_persons_are_masked_and_never_searched_by_code(loaded: Any, unit: Unit, dept: User,
                                                       office: User, web: Callable[..., Client]) -> None:
    submit(unit, subject_kind="person", subject_name="张三", subject_code=PERSON_CODE,
           behavior="fz_concealment_evasion", decision_no="榕马公罚〔2020〕3号")
    for user in (dept, office):
        page = html(web(user).get("/records/"))
        assert "110105********002X" in page and PERSON_CODE not in page
        assert table_rows(web(user).get("/records/", {"q": PERSON_CODE}))[0].count("没有符合条件") == 1
        assert "榕马公罚〔2020〕3号" in html(web(user).get("/records/", {"q": "张三"}))


def _clones(record: Record, count: int) -> None:
    """Many records at once (the list is about rows, not determinations)."""
    fields = {f.attname: getattr(record, f.attname) for f in Record._meta.concrete_fields}
    clones = [Record(**{**fields, "id": None, "decision_no": f"榕马市监罚〔2020〕{1000 + i}号"})
              for i in range(count)]
    Record.objects.bulk_create(clones)


def test_pagination_50_per_page(loaded: Any, unit: Unit, dept: User, web: Callable[..., Client]) -> None:
    _clones(submit(unit), 59)
    client = web(dept)
    first = client.get("/records/")
    assert len(table_rows(first)) == 50 and "第 1 / 2 页，共 60 条" in html(first)
    second = client.get("/records/", {"page": 2, "severity": "serious"})
    assert len(table_rows(second)) == 10
    assert "?severity=serious&amp;page=1" in html(second)  # filters kept across pages


def test_list_has_no_n_plus_one(loaded: Any, unit: Unit, office: User, web: Callable[..., Client],
                                django_assert_max_num_queries: Any) -> None:
    record = submit(unit)
    client = web(office)
    client.get("/records/")  # warm the rulebook cache
    with django_assert_max_num_queries(10) as few:
        client.get("/records/")
    _clones(record, 49)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/records/")
    assert len(table_rows(response)) == 50


# --- record page -------------------------------------------------------------------------

def test_record_page_shows_trace_with_policy_links(loaded: Any, unit: Unit, dept: User,
                                                   web: Callable[..., Client]) -> None:
    record = submit(unit)
    response = web(dept).get(f"/records/{record.pk}/")
    assert response.status_code == 200
    page = html(response)
    trace = page.split('data-testid="trace"', 1)[1].split("</table>", 1)[0]
    assert 'href="/policies/fuzhou-2020-4/#clause-二.7"' in trace
    assert "榕发改信用〔2020〕4号" in trace and "<td>行为认定</td>" in trace
    assert "<td>公示期限（严重）</td>" in trace and "behavior:" not in trace  # words, not codes
    assert len(re.findall(r"<tr>", trace)) == len(record.trace) + 1
    assert "重点监管对象" in page and "公示开始" in page and "2020-02-20" in page
    assert "销售假冒口罩" in page and ORG_CODE in page
    history = page.split('data-testid="history"', 1)[1]
    assert "v1" in history and "报送" in history


def test_record_page_visibility(loaded: Any, unit: Unit, other_unit: Unit, users: dict[str, User],
                                other_dept: User, person_user: User, web: Callable[..., Client]) -> None:
    public = published_now(unit)
    # 福州 二 needs 情节比较严重: a general case is kept, not published.
    hidden = exempted(unit, behavior="fz_mask_fraud", force_majeure=False, occurred_on=D(2020, 2, 10),
                      decided_on=D(2020, 2, 20), decision_no="榕马市监罚〔2020〕9号")
    assert hidden.status == "exempted"
    persons = exempted(unit, subject_kind="person", subject_name="张三", subject_code=PERSON_CODE,
                       behavior="fz_concealment_evasion", decision_no="榕马公罚〔2020〕3号",
                       force_majeure=False, severity="general", occurred_on=D(2020, 2, 12),
                       decided_on=D(2020, 2, 22))
    assert persons.status == "exempted"
    anonymous = web()
    page = anonymous.get(f"/records/{public.pk}/")
    assert page.status_code == 200 and 'data-testid="history"' not in html(page)
    assert "更正" not in html(page)
    assert f'href="/subjects/{public.subject_id}/"' in html(page)  # an enterprise's public profile
    assert anonymous.get(f"/records/{hidden.pk}/").status_code == 404
    assert web(users[Role.INSTITUTION]).get(f"/records/{hidden.pk}/").status_code == 404
    assert web(other_dept).get(f"/records/{hidden.pk}/").status_code == 404
    assert web(other_dept).get(f"/records/{public.pk}/").status_code == 200
    assert web(users[Role.OFFICE]).get(f"/records/{hidden.pk}/").status_code == 200
    assert web(users[Role.DEPARTMENT]).get(f"/records/{hidden.pk}/").status_code == 200
    # The subject sees its own records, published or not, but no one else's.
    assert web(person_user).get(f"/records/{persons.pk}/").status_code == 200
    assert web(person_user).get(f"/records/{hidden.pk}/").status_code == 404
    assert PERSON_CODE not in html(web(users[Role.OFFICE]).get(f"/records/{persons.pk}/"))
    published_person = published_now(unit, subject_kind="person", subject_name="张三",
                                     subject_code=PERSON_CODE, decision_no="公罚〔2026〕5号")
    # A person's records follow the person's profile: not public even when published
    # (test_person_records.py has the whole rule); staff see the number masked.
    assert anonymous.get(f"/records/{published_person.pk}/").status_code == 404
    staff_page = html(web(other_dept).get(f"/records/{published_person.pk}/"))
    assert "110105********002X" in staff_page and PERSON_CODE not in staff_page
    assert web().get("/records/999999/").status_code == 404


def test_history_shown_to_office_and_reporting_unit_only(loaded: Any, unit: Unit, users: dict[str, User],
                                                         other_dept: User,
                                                         web: Callable[..., Client]) -> None:
    record = published_now(unit)
    assert 'data-testid="history"' in html(web(users[Role.OFFICE]).get(f"/records/{record.pk}/"))
    assert 'data-testid="history"' in html(web(users[Role.DEPARTMENT]).get(f"/records/{record.pk}/"))
    assert 'data-testid="history"' not in html(web(other_dept).get(f"/records/{record.pk}/"))
    assert 'name="action"' not in html(web(other_dept).get(f"/records/{record.pk}/"))
    assert 'name="action"' not in html(web(users[Role.OFFICE]).get(f"/records/{record.pk}/"))


def test_correct_with_reason_keeps_a_version(loaded: Any, unit: Unit, dept: User,
                                             web: Callable[..., Client]) -> None:
    record = published_now(unit)
    client = web(dept)
    form = {"action": "correct", "correct-behavior": "administrative_penalty",
            "correct-occurred_on": record.occurred_on.isoformat(),
            "correct-decided_on": record.decided_on.isoformat(), "correct-decision_no": record.decision_no,
            "correct-facts": record.facts, "correct-severity": "serious", "correct-reason": ""}
    refused = client.post(f"/records/{record.pk}/", form)
    assert refused.status_code == 422
    assert 'data-error-for="reason"' in html(refused)
    assert refused.context["forms"]["correct"].errors["reason"]
    unchanged = client.post(f"/records/{record.pk}/", {**form, "correct-severity": "general",
                                                       "correct-reason": "核对"})
    assert "没有要更正的字段" in html(unchanged)
    done = client.post(f"/records/{record.pk}/", {**form, "correct-reason": "决定书更正为严重"}, follow=True)
    record.refresh_from_db()
    assert (record.severity, record.version) == ("serious", 2)
    history = html(done).split('data-testid="history"', 1)[1]
    assert "v2" in history and "更正" in history and "决定书更正为严重" in history and "bob" in history


def test_correct_error_from_the_determination_names_the_field(loaded: Any, unit: Unit, dept: User,
                                                              web: Callable[..., Client]) -> None:
    record = published_now(unit)
    form = {"action": "correct", "correct-behavior": "administrative_penalty",
            "correct-occurred_on": record.occurred_on.isoformat(),
            "correct-decided_on": (record.occurred_on - dt.timedelta(1)).isoformat(),
            "correct-decision_no": record.decision_no, "correct-facts": record.facts,
            "correct-severity": "general", "correct-reason": "改日期"}
    response = web(dept).post(f"/records/{record.pk}/", form)
    assert response.status_code == 422
    errors = response.context["forms"]["correct"].errors
    assert "决定日期不能早于行为发生日期" in errors["decided_on"][0]
    assert 'data-error-for="decided_on"' in html(response)


def test_withdraw(loaded: Any, unit: Unit, dept: User, web: Callable[..., Client]) -> None:
    record = published_now(unit)
    client = web(dept)
    refused = client.post(f"/records/{record.pk}/", {"action": "withdraw", "withdraw-reason": " "})
    assert refused.status_code == 422 and refused.context["forms"]["withdraw"].errors["reason"]
    client.post(f"/records/{record.pk}/", {"action": "withdraw", "withdraw-reason": "处罚决定已撤销"})
    record.refresh_from_db()
    assert record.status == "withdrawn" and record.closed_reason == "处罚决定已撤销"
    page = html(client.get(f"/records/{record.pk}/"))
    assert "已撤销" in page and 'value="withdraw"' not in page and 'value="correct"' not in page
    assert web().get(f"/records/{record.pk}/").status_code == 404


def test_mark_rectified(loaded: Any, taicang_unit: Unit, tc_dept: User,
                       web: Callable[..., Client]) -> None:
    record = deferred(taicang_unit)
    client = web(tc_dept)
    page = html(client.get(f"/records/{record.pk}/"))
    assert "登记按期整改" in page and 'value="rectified"' in page
    tomorrow = (today() + dt.timedelta(1)).isoformat()
    late = client.post(f"/records/{record.pk}/", {"action": "rectified", "rectified-rectified_on": tomorrow})
    assert late.status_code == 422
    assert "不能晚于今天" in late.context["forms"]["rectified"].errors["rectified_on"][0]
    client.post(f"/records/{record.pk}/", {"action": "rectified",
                                           "rectified-rectified_on": today().isoformat()})
    record.refresh_from_db()
    assert record.status == "rectified" and record.rectified_on == today()
    assert 'value="rectified"' not in html(client.get(f"/records/{record.pk}/"))


def test_only_the_reporting_unit_acts(loaded: Any, unit: Unit, users: dict[str, User], other_dept: User,
                                      web: Callable[..., Client]) -> None:
    record = published_now(unit)
    data = {"action": "withdraw", "withdraw-reason": "试图撤销"}
    assert web(users[Role.OFFICE]).post(f"/records/{record.pk}/", data).status_code == 403
    assert web(other_dept).post(f"/records/{record.pk}/", data).status_code == 403
    assert web().post(f"/records/{record.pk}/", data).status_code == 403
    record.refresh_from_db()
    assert record.status == "published"


def test_imported_record_history_starts_with_the_job(loaded: Any, unit: Unit, dept: User, media: Path,
                                                     web: Callable[..., Client]) -> None:
    path = media / "one.csv"
    path.write_text(f"{HEADER}\n{GOOD_ROW}\n", encoding="utf-8")
    job = imports.run(imports.create_job(unit, path, actor=dept, enqueue=False).pk)
    record = Record.objects.get(import_job=job)
    assert not RecordVersion.objects.filter(record=record).exists()
    client = web(dept)
    history = html(client.get(f"/records/{record.pk}/")).split('data-testid="history"', 1)[1]
    assert f"批量导入（任务 #{job.pk}）" in history and "v1" in history
    client.post(f"/records/{record.pk}/", {"action": "withdraw", "withdraw-reason": "重复报送"})
    history = html(client.get(f"/records/{record.pk}/")).split('data-testid="history"', 1)[1]
    assert f"批量导入（任务 #{job.pk}）" in history and "v2" in history and "重复报送" in history


# --- submission form ---------------------------------------------------------------------

def form_data(**kw: Any) -> dict[str, Any]:
    data = {"subject_kind": "organization", "subject_name": "福州马尾康宁医疗器械有限公司",
            "subject_code": ORG_CODE, "behavior": "fz_mask_fraud", "occurred_on": "2020-02-10",
            "decided_on": "2020-02-20", "decision_no": "榕马市监罚〔2020〕12号", "facts": "销售假冒口罩",
            "severity": "serious", "rectify_by": "", "external_id": ""}
    data.update(kw)
    return data


def test_form_renders_behaviours_grouped_by_pack(loaded: Any, dept: User, web: Callable[..., Client]) -> None:
    response = web(dept).get("/records/new/")
    assert response.status_code == 200
    page = html(response)
    assert '<optgroup label="榕发改信用〔2020〕4号' in page and 'value="fz_mask_fraud"' in page
    assert '<optgroup label="国办发〔2025〕22号' in page
    assert "发改办财金〔2019〕527号" not in page  # ended on 2026-03-31
    assert "只列出今天施行中的政策文件" in page
    for label in ("因疫情不可抗力", "因参与疫情防控", "整改期限", "外部编号", "决定文书号"):
        assert label in page


def test_form_submits_and_repeats(loaded: Any, unit: Unit, dept: User, web: Callable[..., Client]) -> None:
    client = web(dept)
    response = client.post("/records/new/", form_data())
    record = Record.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/records/{record.pk}/"
    assert record.source == "form" and record.created_by == dept and record.unit == unit
    again = client.post("/records/new/", form_data())
    assert again.status_code == 200 and Record.objects.count() == 1
    assert "已存在相同记录" in html(again) and f'href="/records/{record.pk}/"' in html(again)


def test_form_circumstances_and_rectify_by(loaded: Any, tc_dept: User,
                                           web: Callable[..., Client]) -> None:
    client = web(tc_dept)
    client.post("/records/new/", form_data(behavior="tc_contract_default", occurred_on="2020-03-01",
                                           decided_on="2020-03-10", decision_no="太〔2020〕1号",
                                           severity="general", force_majeure="on"))
    assert Record.objects.get(decision_no="太〔2020〕1号").status == "exempted"
    waiting = form_data(behavior="tc_order_unfulfilled", occurred_on=(today() - dt.timedelta(10)).isoformat(),
                        decided_on=(today() - dt.timedelta(5)).isoformat(), decision_no="太〔2026〕2号",
                        severity="general", force_majeure="on",
                        rectify_by=(today() + dt.timedelta(10)).isoformat())
    client.post("/records/new/", waiting)
    assert Record.objects.get(decision_no="太〔2026〕2号").status == "deferred"


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"subject_code": "91350105MA2Y00001X"}, "subject_code", ""),
    ({"subject_code": ""}, "subject_code", "必填"),
    ({"behavior": "no_such_behavior"}, "behavior", ""),
    ({"decided_on": "2020-02-01"}, "decided_on", "决定日期不能早于行为发生日期"),
    ({"decided_on": "2020-02-30"}, "decided_on", ""),
    ({"behavior": "fz_concealment_evasion"}, "subject_kind", "只适用于"),
    ({"rectify_by": "2020-03-01"}, "rectify_by", "暂缓"),
    ({"severity": "grave"}, "severity", ""),
])
def test_form_errors_name_the_field(loaded: Any, dept: User, web: Callable[..., Client],
                                    changes: dict[str, str], field: str, message: str) -> None:
    response = web(dept).post("/records/new/", form_data(**changes))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert f'data-error-for="{field}"' in html(response)
    assert not Record.objects.exists()


# --- bulk upload -------------------------------------------------------------------------

def test_upload_page_lists_the_units_jobs(loaded: Any, unit: Unit, other_unit: Unit, dept: User,
                                          media: Path, web: Callable[..., Client]) -> None:
    path = media / "x.csv"
    path.write_text(f"{HEADER}\n{GOOD_ROW}\n", encoding="utf-8")
    mine = imports.create_job(unit, path, enqueue=False)
    theirs = imports.create_job(other_unit, path, enqueue=False)
    page = html(web(dept).get("/records/imports/"))
    assert 'type="file"' in page and "只导入正确的行" in page and 'name="default_severity"' in page
    assert f'href="/records/imports/{mine.pk}/"' in page
    assert f'href="/records/imports/{theirs.pk}/"' not in page
    assert web(dept).get(f"/records/imports/{theirs.pk}/").status_code == 404
    assert web(dept).get(f"/records/imports/{theirs.pk}/progress/").status_code == 404
    assert web(dept).get(f"/records/imports/{theirs.pk}/errors.csv").status_code == 404


def test_upload_wrong_type_names_the_file_field(loaded: Any, dept: User, media: Path,
                                                web: Callable[..., Client]) -> None:
    response = web(dept).post("/records/imports/", {"file": SimpleUploadedFile("a.txt", b"hello")})
    assert response.status_code == 422
    assert ".csv 或 .xlsx" in response.context["form"].errors["file"][0]
    assert 'data-error-for="file"' in html(response)
    missing = web(dept).post("/records/imports/", {})
    assert missing.context["form"].errors["file"]


def test_upload_runs_and_the_job_page_shows_progress(loaded: Any, unit: Unit, dept: User, media: Path,
                                                     web: Callable[..., Client],
                                                     django_capture_on_commit_callbacks: Any) -> None:
    client = web(dept)
    upload = SimpleUploadedFile("两行.csv", f"{HEADER}\n{GOOD_ROW}\n{BAD_ROW}\n".encode())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/records/imports/", {"file": upload, "accept_partial": "on",
                                                     "default_severity": "general"})
    assert len(callbacks) == 1  # the task is enqueued only once the job is committed
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/records/imports/{job.pk}/"
    assert job.accept_partial and job.unit == unit and job.status == "queued"

    queued = client.get(f"/records/imports/{job.pk}/")
    assert queued.status_code == 200
    assert f'hx-get="/records/imports/{job.pk}/progress/"' in html(queued)
    assert 'hx-trigger="every 1s"' in html(queued) and "排队中" in html(queued)
    partial = client.get(f"/records/imports/{job.pk}/progress/")
    assert partial.status_code == 200 and "<html" not in html(partial)
    assert 'hx-trigger="every 1s"' in html(partial)

    ImportJob.objects.filter(pk=job.pk).update(status="running", estimated_rows=4, processed=1)
    running = html(client.get(f"/records/imports/{job.pk}/progress/"))
    assert 'style="width: 25%"' in running and "已处理 1 / 约 4 行" in running

    ImportJob.objects.filter(pk=job.pk).update(status="queued", processed=0)
    imports.run(job.pk)
    done = client.get(f"/records/imports/{job.pk}/progress/")
    body = html(done)
    assert 'hx-trigger' not in body and 'data-status="done"' in body  # polling stops
    for name, value in [("total", 2), ("processed", 2), ("accepted", 1), ("duplicates", 0), ("rejected", 1)]:
        assert f'data-count="{name}">{value}<' in body
    errors = body.split('data-testid="errors"', 1)[1]
    # The column by its Chinese name, whatever the file called it.
    assert "<td>3</td>" in errors and "<td>主体代码</td>" in errors
    assert "subject_code" not in errors
    assert f'href="/records/imports/{job.pk}/errors.csv"' in body
    assert f'href="/records/?job={job.pk}"' in body

    csv_file = client.get(f"/records/imports/{job.pk}/errors.csv")
    assert csv_file.status_code == 200 and csv_file["Content-Type"].startswith("text/csv")
    text = csv_file.content.decode("utf-8-sig")
    assert text.splitlines()[0] == f"{HEADER},行号,错误原因"
    assert text.splitlines()[1].startswith(BAD_ROW + ",3,subject_code：")
    assert "attachment" in csv_file["Content-Disposition"]

    listed = table_rows(client.get("/records/", {"job": job.pk}))
    assert len(listed) == 1 and "榕马市监罚〔2020〕2号" in listed[0]
    jobs = html(client.get("/records/imports/")).split('data-testid="jobs"', 1)[1]
    assert "两行.csv" in jobs and "已完成" in jobs


def test_upload_with_the_immediate_backend(loaded: Any, dept: User, media: Path, settings: Any,
                                           web: Callable[..., Client],
                                           django_capture_on_commit_callbacks: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    upload = SimpleUploadedFile("bad.csv", f"{HEADER}\n{BAD_ROW}\n".encode())
    client = web(dept)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/records/imports/", {"file": upload})
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.rejected == 1
    page = html(client.get(f"/records/imports/{job.pk}/"))
    assert "整个文件未导入" in page and 'data-status="failed"' in page and "hx-trigger" not in page
    assert "未导入" in page and "主体代码" in page
    # Nothing on the page still says the job is running once it has ended.
    assert "正在后台导入" not in page and "等待后台导入" not in page


def test_office_sees_every_units_jobs(loaded: Any, unit: Unit, office: User, media: Path,
                                      web: Callable[..., Client]) -> None:
    path = media / "x.csv"
    path.write_text(f"{HEADER}\n{GOOD_ROW}\n", encoding="utf-8")
    job = imports.create_job(unit, path, enqueue=False)
    client = web(office)
    assert f'href="/records/imports/{job.pk}/"' in html(client.get("/records/imports/"))
    assert client.get(f"/records/imports/{job.pk}/").status_code == 200
    errors = client.get(f"/records/imports/{job.pk}/errors.csv")
    assert errors.content.decode("utf-8-sig") == "行号,错误原因\n"  # no row was refused


def test_template_download(loaded: Any, dept: User, web: Callable[..., Client]) -> None:
    response = web(dept).get("/records/imports/template.csv")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert response.content.decode("utf-8-sig").startswith("主体类别,主体名称,统一社会信用代码")


# --- 双公示 penalties by form ---------------------------------------------------------------

def penalty_form(**kw: Any) -> dict[str, Any]:
    day = (today() - dt.timedelta(3)).isoformat()
    data = dict(behavior="administrative_penalty", occurred_on=day, decided_on=day,
                decision_no="榕马市监罚〔2026〕301号", severity="",
                penalty_category=["罚款", "没收违法所得"], fine_wan="12", confiscated_wan="0.5",
                basis="《产品质量法》第四十九条", authority_name="福州市马尾区市场监督管理局",
                legal_rep="王五", legal_rep_id="11010519491231002X")
    return form_data(**{**data, **kw})


def test_a_penalty_by_form_has_its_severity_derived(loaded: Any, unit: Unit, dept: User,
                                                    web: Callable[..., Client]) -> None:
    client = web(dept)
    page = html(client.get("/records/new/"))
    assert 'name="penalty_category"' in page and "行政处罚信息" in page
    response = client.post("/records/new/", penalty_form())
    assert response.status_code == 302, response.context["form"].errors
    record = Record.objects.get()
    assert (record.severity, record.severity_derived) == ("serious", True)  # 12.5 万元
    assert record.penalty["category"] == ["罚款", "没收违法所得"] and record.penalty["fine_wan"] == "12"
    shown = html(client.get(f"/records/{record.pk}/"))
    assert "按处罚种类和数额推定" in shown and 'data-testid="penalty"' in shown
    assert "罚没金额较大" in shown and "110105********002X" in shown
    assert "11010519491231002X" not in shown
    public = html(web().get(f"/records/{record.pk}/"))
    assert "王五" in public and "110105" not in public


def test_correcting_a_penalty_by_form(loaded: Any, unit: Unit, dept: User,
                                      web: Callable[..., Client]) -> None:
    client = web(dept)
    client.post("/records/new/", penalty_form())
    record = Record.objects.get()
    page = client.get(f"/records/{record.pk}/")
    form = page.context["forms"]["correct"]
    assert form.initial["severity"] == "" and form.initial["penalty_category"] == ["罚款", "没收违法所得"]
    data = {f"correct-{k}": v for k, v in form.initial.items() if v is not None}
    data.update({"action": "correct", "correct-fine_wan": "0.2", "correct-confiscated_wan": "",
                 "correct-penalty_category": ["罚款"], "correct-reason": "罚款金额录入错误"})
    data["correct-occurred_on"] = data["correct-decided_on"] = record.decided_on.isoformat()
    done = client.post(f"/records/{record.pk}/", data)
    assert done.status_code == 302, done.context["forms"]["correct"].errors
    record.refresh_from_db()
    assert (record.severity, record.severity_derived, record.version) == ("minor", True, 2)
    assert record.penalty["legal_representative"]["name"] == "王五"  # kept: not on the form


@pytest.mark.parametrize(("changes", "field"), [
    ({"penalty_category": ["罚金"]}, "penalty_category"),
    ({"fine_wan": "-1"}, "fine_wan"),
    ({"authority_code": "11350105MB00000001"}, "authority_code"),
    ({"legal_rep_id": "110105194912310021"}, "legal_rep_id"),
    ({"penalty_category": [], "fine_wan": "", "confiscated_wan": "", "basis": "",
      "authority_name": "", "legal_rep": "", "legal_rep_id": ""}, "severity"),
])
def test_penalty_form_errors_name_the_field(loaded: Any, dept: User, web: Callable[..., Client],
                                            changes: dict[str, Any], field: str) -> None:
    response = web(dept).post("/records/new/", penalty_form(**changes))
    assert response.status_code == 422
    assert field in response.context["form"].errors, response.context["form"].errors
    assert "110105194912310021" not in html(response).replace('value="110105194912310021"', "")
    assert not Record.objects.exists()
