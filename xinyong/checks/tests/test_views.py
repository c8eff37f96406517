"""Check pages: running a check (pasted codes or a file), results, export, feedback, overview."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from python_calamine import CalamineWorkbook
from stdnum.cn import uscc

from conftest import PERSON_CODE
from xinyong.accounts.models import Role, Unit, User
from xinyong.audit.models import AuditEvent
from xinyong.checks import services as checks
from xinyong.checks.models import Check, CheckFile, Feedback
from xinyong.lib.exports import write_xlsx
from xinyong.records import services

BAD_USCC = "91350100M000100Y4X"  # wrong check digit
BAD_PERSON = "11010519491231003X"  # wrong check digit


def org_code(n: int) -> str:
    body = f"913205850000{n:05d}"
    return body + uscc.calc_check_digit(body)


def punish(unit: Unit, code: str, name: str = "野生动物经营公司", kind: str = "organization",
           behavior: str = "tc_wildlife_trade", no: str = "太农罚〔2026〕1号") -> Any:
    today = timezone.localdate()
    return services.submit(unit, services.Submission(
        subject_kind=kind, subject_name=name, subject_code=code, behavior=behavior,
        occurred_on=today - dt.timedelta(80), decided_on=today - dt.timedelta(70),
        decision_no=no, facts="", severity="serious"))[0]


@pytest.fixture
def punished(loaded: Any, unit: Unit) -> Any:
    return punish(unit, org_code(1))


@pytest.fixture
def person_punished(loaded: Any, unit: Unit) -> Any:
    return punish(unit, PERSON_CODE, name="李四", kind="person",
                  behavior="tc_epidemic_false_advertising", no="太市监罚〔2026〕3号")


def run(user: User, codes: list[str], scenario: str = "bidding") -> Check:
    return checks.run_check(user, scenario, codes, timezone.localdate())


def form_errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-error-for="(\w+)">([^<]*)<', html))


# --- roles -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/checks/", "/checks/new/", "/office/checks/"])
def test_anonymous_is_sent_to_login(loaded: Any, client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_subjects_may_not_check(loaded: Any, users: dict[str, User],
                                web: Callable[..., Client]) -> None:
    client = web(users[Role.SUBJECT])
    assert client.get("/checks/new/").status_code == 403
    assert client.post("/checks/new/", {"scenario": "bidding", "codes": org_code(1)}).status_code == 403
    assert client.get("/checks/").status_code == 403
    assert client.get("/office/checks/").status_code == 403
    assert not Check.objects.exists()


def test_results_and_export_are_for_the_unit_only(punished: Any, users: dict[str, User], other_unit: Unit,
                                                  make_user: Callable[..., User],
                                                  web: Callable[..., Client]) -> None:
    check = run(users[Role.DEPARTMENT], [org_code(1)])
    stranger = web(make_user("eve", Role.DEPARTMENT, unit=other_unit))
    for path in (f"/checks/{check.pk}/", f"/checks/{check.pk}/export/"):
        assert stranger.get(path).status_code == 404
        assert web(users[Role.OFFICE]).get(path).status_code == 200
        assert web(users[Role.INSTITUTION]).get(path).status_code == 404  # not its institution's
        assert web().get(path).status_code == 302
    assert stranger.get("/checks/").content.decode().count("data-check=") == 0
    assert stranger.get("/office/checks/").status_code == 403
    measure = check.results[0]["measures"][0]["code"]
    feedback = {"subject_id": punished.subject_id, "measure": measure, "applied": "yes"}
    assert stranger.post(f"/checks/{check.pk}/feedback/", feedback).status_code == 404
    assert web(users[Role.OFFICE]).post(f"/checks/{check.pk}/feedback/", feedback).status_code == 403
    assert not Feedback.objects.exists()


# --- running a check ---------------------------------------------------------------------

def test_form_offers_the_scenarios_in_chinese(loaded: Any, users: dict[str, User],
                                              web: Callable[..., Client]) -> None:
    html = web(users[Role.DEPARTMENT]).get("/checks/new/").content.decode()
    assert '<option value="government_procurement">政府采购</option>' in html
    assert '<option value="bidding">招标投标</option>' in html
    assert 'href="/checks/new/"' in html  # in the navigation


def test_check_by_pasted_codes_mixed(punished: Any, person_punished: Any, users: dict[str, User],
                                     web: Callable[..., Client]) -> None:
    client = web(users[Role.DEPARTMENT])
    pasted = f"{org_code(1)}\n{org_code(2)}，{BAD_USCC}  {PERSON_CODE};{BAD_PERSON}\n\n"
    response = client.post("/checks/new/", {"scenario": "bidding", "codes": pasted})
    check = Check.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/checks/{check.pk}/"
    assert check.unit_id == users[Role.DEPARTMENT].unit_id and check.as_of == timezone.localdate()
    assert [r["verdict"] for r in check.results] == ["restrict", "none", "none", "restrict", "none"]

    html = client.get(response["Location"]).content.decode()
    assert PERSON_CODE not in html and BAD_PERSON not in html
    assert "110105********002X" in html and "110105********003X" in html
    assert 'data-count="total">5<' in html and 'data-count="restricted">2<' in html
    assert 'data-count="unknown">1<' in html and 'data-count="errors">2<' in html
    rows = re.findall(r'<tr id="r(\d)" data-state="(\w+)" data-verdict="(\w+)"', html)
    assert rows == [("1", "known", "restrict"), ("2", "unknown", "none"), ("3", "error", "none"),
                    ("4", "known", "restrict"), ("5", "error", "none")]
    assert "野生动物经营公司" in html and "李四" in html and "联合惩戒对象名单" in html
    assert "校验位错误" in html and "平台没有该主体的信用记录" in html
    assert '<span class="badge text-bg-danger">惩戒</span>' in html
    assert 'href="/policies/taicang-2020-1/#clause-' in html
    only_errors = client.get(f"/checks/{check.pk}/?show=errors").content.decode()
    assert re.findall(r'<tr id="r(\d)"', only_errors) == ["3", "5"]


def test_incentive_and_as_of(loaded: Any, unit: Unit, users: dict[str, User],
                             web: Callable[..., Client]) -> None:
    services.submit(unit, services.Submission(
        subject_kind="organization", subject_name="捐赠企业", subject_code=org_code(99),
        behavior="tc_donation", occurred_on=dt.date(2026, 9, 1), decided_on=dt.date(2026, 9, 5),
        decision_no="太表彰〔2026〕1号", facts="", severity="minor"))
    client = web(users[Role.OFFICE])
    client.post("/checks/new/", {"scenario": "honors", "codes": org_code(99)})
    client.post("/checks/new/", {"scenario": "honors", "codes": org_code(99), "as_of": "2026-09-01"})
    now, before = Check.objects.order_by("pk")
    assert now.results[0]["verdict"] == "incentive" and now.unit_id is None
    assert before.as_of == dt.date(2026, 9, 1) and before.results[0]["verdict"] == "none"
    html = client.get(f"/checks/{now.pk}/").content.decode()
    assert '<span class="badge text-bg-success">激励</span>' in html


def upload_and_run(client: Client, name: str, content: bytes, **data: str) -> Any:
    """Post a file on the check page, let the worker's task run it, and open its page."""
    upload = SimpleUploadedFile(name, content)
    response = client.post("/checks/new/", {"scenario": "bidding", "file": upload, **data})
    assert response.status_code == 302, response.content.decode()[:300]
    job = CheckFile.objects.latest("pk")
    assert response["Location"] == f"/checks/files/{job.pk}/"
    assert not Check.objects.filter(source_file=job).exists()  # nothing read in the web process
    checks.run_check_file(job.pk)
    return client.get(response["Location"])


def test_check_by_uploaded_csv(punished: Any, users: dict[str, User], web: Callable[..., Client]) -> None:
    content = ("名称,统一社会信用代码,备注\n"
               f"野生动物经营公司,{org_code(1)},\n"
               f"另一家,{org_code(2)},\n"
               ",,空行\n"
               f"坏代码,{BAD_USCC},\n").encode("gbk")
    response = upload_and_run(web(users[Role.DEPARTMENT]), "待核查.csv", content)
    check = Check.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/checks/{check.pk}/"
    assert CheckFile.objects.get().check_result == check
    assert [r["code_masked"] for r in check.results] == [org_code(1), org_code(2), BAD_USCC]
    assert [r["verdict"] for r in check.results] == ["restrict", "none", "none"]


def test_check_by_uploaded_csv_first_column(punished: Any, users: dict[str, User],
                                            web: Callable[..., Client]) -> None:
    content = f"\ufeff{org_code(1)},甲\n{org_code(2)},乙\n".encode()
    upload_and_run(web(users[Role.DEPARTMENT]), "codes.csv", content)
    assert [r["code_masked"] for r in Check.objects.get().results] == [org_code(1), org_code(2)]


def test_check_by_uploaded_xlsx(punished: Any, person_punished: Any, users: dict[str, User],
                                web: Callable[..., Client]) -> None:
    content = io.BytesIO()
    write_xlsx(content, ["序号", "证件号码"], [[1, PERSON_CODE], [2, org_code(1)]])
    response = upload_and_run(web(users[Role.DEPARTMENT]), "codes.xlsx", content.getvalue())
    assert response.status_code == 302
    results = Check.objects.get().results
    assert [r["code_masked"] for r in results] == ["110105********002X", org_code(1)]
    assert PERSON_CODE not in str(results)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"codes": org_code(1)}, "scenario", "请选择核查场景"),
    ({"scenario": "moon", "codes": org_code(1)}, "scenario", "moon"),
    ({"scenario": "bidding"}, "codes", "请粘贴至少一个主体代码"),
    ({"scenario": "bidding", "codes": " ,\n "}, "codes", "请粘贴至少一个主体代码"),
    ({"scenario": "bidding", "codes": org_code(1), "as_of": "2026-13-01"}, "as_of", "日期"),
    ({"scenario": "bidding", "codes": "\n".join([org_code(1)] * 10_001)}, "codes", "一次最多核查 10000 个"),
])
def test_form_errors_beside_the_field(loaded: Any, users: dict[str, User], web: Callable[..., Client],
                                      data: dict[str, str], field: str, message: str) -> None:
    response = web(users[Role.DEPARTMENT]).post("/checks/new/", data)
    assert response.status_code == 200
    errors = form_errors(response.content.decode())
    assert field in errors and message in errors[field], errors
    assert not Check.objects.exists()


def test_wrong_file_type_is_refused_beside_the_field(loaded: Any, users: dict[str, User],
                                                      web: Callable[..., Client]) -> None:
    upload = SimpleUploadedFile("codes.txt", b"91350105MA2Y00001R")
    response = web(users[Role.DEPARTMENT]).post("/checks/new/", {"scenario": "bidding", "file": upload})
    errors = form_errors(response.content.decode())
    assert "文件应为 .csv 或 .xlsx" in errors.get("file", ""), errors
    assert not CheckFile.objects.exists()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("codes.csv", b"\n\n", "没有读到主体代码"),
    ("codes.xlsx", b"not a workbook", "不是有效的 Excel"),
    ("codes.csv", "\n".join([org_code(1)] * 10_001).encode(), "一次最多核查 10000 个"),
])
def test_bad_files_say_why_on_the_file_page(loaded: Any, users: dict[str, User],
                                            web: Callable[..., Client], name: str,
                                            content: bytes, message: str) -> None:
    response = upload_and_run(web(users[Role.DEPARTMENT]), name, content)
    assert response.status_code == 200
    job = CheckFile.objects.get()
    assert job.status == "failed" and message in job.message
    assert message in response.content.decode()
    assert not Check.objects.exists()
    assert not Path(job.file_path).exists()  # the upload is not kept


def test_paste_and_file_together_is_refused(loaded: Any, users: dict[str, User],
                                            web: Callable[..., Client]) -> None:
    upload = SimpleUploadedFile("codes.csv", org_code(1).encode())
    response = web(users[Role.DEPARTMENT]).post("/checks/new/", {
        "scenario": "bidding", "codes": org_code(2), "file": upload})
    assert "二者选一" in form_errors(response.content.decode())["file"]


# --- export ------------------------------------------------------------------------------

def test_export_contains_the_rows(punished: Any, person_punished: Any, users: dict[str, User],
                                  web: Callable[..., Client]) -> None:
    check = run(users[Role.DEPARTMENT], [org_code(1), PERSON_CODE, org_code(2), "=1+1"])
    response = web(users[Role.DEPARTMENT]).get(f"/checks/{check.pk}/export/")
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    content = b"".join(response.streaming_content)  # sent from a temporary file
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert rows[0][:7] == ["序号", "代码", "名称", "平台记录", "名单", "公示中的失信记录", "结论"]
    assert len(rows) == 5
    assert rows[1][1:5] == [org_code(1), "野生动物经营公司", "有", "联合惩戒对象名单"]
    assert "非法收购、运输、出售野生动物及其制品" in rows[1][5] and rows[1][6] == "惩戒"
    assert "太信用办〔2020〕1号" in rows[1][9]
    assert rows[2][1:3] == ["110105********002X", "李四"]
    assert rows[3][3:7] == ["无此主体", "", "", "未命中"]
    assert rows[4][1] == "'=1+1" and rows[4][3] == "代码有误" and rows[4][11]
    assert PERSON_CODE not in str(rows)
    event = AuditEvent.objects.get(action="check.export")
    assert event.summary == f"导出核查 #{check.pk} 结果 4 条（Excel）"
    assert event.detail == {"count": 4, "sheets": 1}


# --- feedback ----------------------------------------------------------------------------

def test_feedback_from_the_result_page(punished: Any, users: dict[str, User],
                                       web: Callable[..., Client]) -> None:
    dept = web(users[Role.DEPARTMENT])
    check = run(users[Role.DEPARTMENT], [org_code(2), org_code(1)])
    measure = check.results[1]["measures"][0]["code"]
    page = dept.get(f"/checks/{check.pk}/").content.decode()
    assert f'action="/checks/{check.pk}/feedback/"' in page and f'value="{measure}"' in page
    body = {"subject_id": punished.subject_id, "measure": measure, "applied": "yes", "note": "取消投标资格"}
    response = dept.post(f"/checks/{check.pk}/feedback/", body)
    assert response.status_code == 302 and response["Location"] == f"/checks/{check.pk}/#r2"
    given = Feedback.objects.get()
    assert (given.applied, given.note, given.user) == (True, "取消投标资格", users[Role.DEPARTMENT])
    again = dept.post(f"/checks/{check.pk}/feedback/", {**body, "applied": "no"},
                      follow=True).content.decode()
    assert "已对该主体的这项措施反馈过" in again and "请写明更正理由" in again
    assert Feedback.objects.get().applied is True

    office = web(users[Role.OFFICE]).get(f"/checks/{check.pk}/").content.decode()
    assert "取消投标资格" in office and "已反馈：已执行" in office
    assert "feedback/" not in office  # the office reads feedback, the department gives it


def test_feedback_has_no_default_answer(punished: Any, users: dict[str, User],
                                        web: Callable[..., Client]) -> None:
    """One click must not record a punishment as carried out: nothing is chosen before the
    person chooses, and a form sent without a choice is refused naming the field."""
    dept = web(users[Role.DEPARTMENT])
    check = run(users[Role.DEPARTMENT], [org_code(1)])
    measure = check.results[0]["measures"][0]["code"]
    page = dept.get(f"/checks/{check.pk}/").content.decode()
    form = page.split('data-testid="feedback-new"', 1)[1].split("</form>", 1)[0]
    assert 'name="applied"' in form and "checked" not in form and "selected" not in form
    body = {"subject_id": punished.subject_id, "measure": measure, "note": "x"}
    sent = dept.post(f"/checks/{check.pk}/feedback/", body, follow=True).content.decode()
    assert "是否执行：请选择是否执行" in sent and not Feedback.objects.exists()


def test_feedback_is_corrected_with_a_reason_and_the_history_kept(
        punished: Any, users: dict[str, User], web: Callable[..., Client]) -> None:
    dept = web(users[Role.DEPARTMENT])
    check = run(users[Role.DEPARTMENT], [org_code(1)])
    measure = check.results[0]["measures"][0]["code"]
    url = f"/checks/{check.pk}/feedback/"
    body = {"subject_id": punished.subject_id, "measure": measure, "applied": "yes", "note": "取消投标资格"}
    dept.post(url, body)
    page = dept.get(f"/checks/{check.pk}/").content.decode()
    fix = page.split('data-testid="feedback-correct"', 1)[1].split("</form>", 1)[0]
    assert f'value="{measure}"' in fix and 'name="reason"' in fix and "checked" not in fix
    fixed = dept.post(url, {**body, "applied": "no", "note": "尚未开标",
                            "reason": "误点“已执行”"}, headers={"HX-Request": "true"}).content.decode()
    assert "已更正反馈" in fixed and "已反馈：未执行（已更正）" in fixed
    log = fixed.split('<section id="feedback-log" hx-swap-oob="true">')[1]
    history = log.split('data-testid="feedback-history"', 1)[1].split("</details>", 1)[0]
    assert "更正 1 次" in history and "首次反馈" in history and "取消投标资格" in history
    assert "更正理由：误点“已执行”" in history
    given = Feedback.objects.get()
    assert (given.applied, given.note) == (False, "尚未开标") and given.corrected_at is not None
    assert [(c.applied, c.reason) for c in given.changes.all()] == [(True, ""), (False, "误点“已执行”")]
    office = web(users[Role.OFFICE]).get(f"/checks/{check.pk}/").content.decode()
    assert 'data-testid="feedback-history"' in office and "尚未开标" in office


def test_feedback_with_htmx_swaps_the_row(punished: Any, users: dict[str, User],
                                          web: Callable[..., Client]) -> None:
    dept = web(users[Role.DEPARTMENT])
    check = run(users[Role.DEPARTMENT], [org_code(1)])
    measures = [m["code"] for m in check.results[0]["measures"]]
    url = f"/checks/{check.pk}/feedback/"
    body = {"subject_id": punished.subject_id, "measure": measures[0], "applied": "no", "note": "已中标"}
    row = dept.post(url, body, headers={"HX-Request": "true"}).content.decode()
    assert row.strip().startswith('<tr id="r1"') and "已反馈：未执行" in row and "已中标" in row
    log = row.split('<section id="feedback-log" hx-swap-oob="true">')[1]
    assert "已中标" in log and "未执行" in log
    offered = row.split('data-testid="feedback-new"', 1)[1].split("</form>", 1)[0] \
        if 'data-testid="feedback-new"' in row else ""
    assert f'value="{measures[0]}"' not in offered  # no longer offered for a first answer...
    fix = row.split('data-testid="feedback-correct"', 1)[1].split("</form>", 1)[0]
    assert f'value="{measures[0]}"' in fix  # ...but for a correction
    wrong = dept.post(url, {**body, "measure": "fz_priority_handling"},
                      headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="feedback-error"' in wrong and "没有对该主体给出措施" in wrong


# --- overview ----------------------------------------------------------------------------

@pytest.fixture
def history(punished: Any, users: dict[str, User],
            make_user: Callable[..., User]) -> dict[str, Check]:
    # A second 太仓 unit, so that its checks get 太仓's measures too.
    second = Unit.objects.create(code="11320585003000002Y", name="太仓市发展和改革局",
                                 region="320585")
    dept, eve = users[Role.DEPARTMENT], make_user("eve", Role.DEPARTMENT, unit=second)
    made = {
        "answered": run(dept, [org_code(1)]),
        "silent": run(dept, [org_code(1), org_code(2)]),
        "clean": run(dept, [org_code(2)], scenario="government_procurement"),
        "old": run(eve, [org_code(1)]),
    }
    measure = made["answered"].results[0]["measures"][0]["code"]
    checks.give_feedback(made["answered"], dept, punished.subject_id, measure, True, "")
    Check.objects.filter(pk=made["old"].pk).update(
        created_at=timezone.now() - dt.timedelta(days=40))
    return made


def listed(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'data-check="(\d+)"', html)}


def test_office_overview(history: dict[str, Check], users: dict[str, User],
                         web: Callable[..., Client]) -> None:
    office = web(users[Role.OFFICE])
    html = office.get("/office/checks/").content.decode()
    assert listed(html) == {c.pk for c in history.values()}
    assert "市场监督管理局" in html and "发展和改革局" in html

    def group(unit: Unit, scenario: str) -> list[str]:
        row = html.split(f'data-group="{unit.pk}-{scenario}">')[1].split("</tr>")[0]
        return [re.sub(r"<[^>]+>", "", cell).strip() for cell in row.split("</td>")[2:-1]]

    unit, other = history["answered"].unit, history["old"].unit
    assert unit is not None and other is not None
    assert group(unit, "bidding") == ["2", "3", "2", "0", "1 / 2"]
    assert group(unit, "government_procurement") == ["1", "1", "0", "0", "0 / 1"]
    assert group(other, "bidding") == ["1", "1", "1", "0", "0 / 1"]
    answered = html.split(f'data-check="{history["answered"].pk}"')[1].split("</tr>")[0]
    assert "1 个主体 · 1 条" in answered
    assert "未反馈" in html.split(f'data-check="{history["silent"].pk}"')[1].split("</tr>")[0]


def test_office_overview_filters(history: dict[str, Check], users: dict[str, User], other_unit: Unit,
                                 web: Callable[..., Client]) -> None:
    office = web(users[Role.OFFICE])
    never = office.get("/office/checks/", {"no_feedback": "on"}).content.decode()
    assert listed(never) == {history["silent"].pk, history["clean"].pk, history["old"].pk}
    never_hit = office.get("/office/checks/", {"no_feedback": "on", "hits": "on"}).content.decode()
    assert listed(never_hit) == {history["silent"].pk, history["old"].pk}
    today = timezone.localdate().isoformat()
    recent = office.get("/office/checks/", {"created_from": today}).content.decode()
    assert listed(recent) == {history["answered"].pk, history["silent"].pk, history["clean"].pk}
    until = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    assert listed(office.get("/office/checks/", {"created_to": until}).content.decode()) == {
        history["old"].pk}
    second = history["old"].unit
    assert second is not None
    by_unit = office.get("/office/checks/", {"unit": second.pk}).content.decode()
    assert listed(by_unit) == {history["old"].pk}
    by_scenario = office.get("/office/checks/", {"scenario": "government_procurement"}).content.decode()
    assert listed(by_scenario) == {history["clean"].pk}
    backwards = office.get("/office/checks/", {"created_from": today, "created_to": until}).content.decode()
    assert "结束日期不能早于开始日期" in backwards


def test_department_list_shows_its_unit_only(history: dict[str, Check], users: dict[str, User],
                                             web: Callable[..., Client]) -> None:
    dept = web(users[Role.DEPARTMENT])
    html = dept.get("/checks/").content.decode()
    assert listed(html) == {history["answered"].pk, history["silent"].pk, history["clean"].pk}
    assert 'data-testid="by-unit"' not in html and 'name="unit"' not in html
    assert listed(dept.get("/checks/", {"no_feedback": "on"}).content.decode()) == {
        history["silent"].pk, history["clean"].pk}
    assert web(users[Role.OFFICE]).get("/checks/")["Location"] == "/office/checks/"


def test_pages_do_not_query_per_row(punished: Any, users: dict[str, User], other_unit: Unit,
                                    make_user: Callable[..., User], web: Callable[..., Client],
                                    django_assert_max_num_queries: Any) -> None:
    dept = users[Role.DEPARTMENT]
    check = run(dept, [org_code(n) for n in range(1, 40)] + [PERSON_CODE, BAD_USCC])
    measure = check.results[0]["measures"][0]["code"]
    checks.give_feedback(check, dept, punished.subject_id, measure, True, "")
    for n in range(12):
        run(dept if n % 2 else make_user(f"u{n}", Role.DEPARTMENT, unit=other_unit), [org_code(n + 1)])
    office, client = web(users[Role.OFFICE]), web(dept)
    client.get(f"/checks/{check.pk}/")  # the rulebook is cached after its first build
    with django_assert_max_num_queries(12):
        assert client.get(f"/checks/{check.pk}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert len(listed(office.get("/office/checks/").content.decode())) == 13
    with django_assert_max_num_queries(12):
        assert client.get(f"/checks/{check.pk}/export/").status_code == 200


def test_invalid_inputs_that_may_be_id_numbers_are_masked(loaded: Any, users: dict[str, User],
                                                          web: Callable[..., Client]) -> None:
    client = web(users[Role.DEPARTMENT])
    old_style, typo = "110105491231002", "11010519491231O02X"
    client.post("/checks/new/", {"scenario": "bidding", "codes": f"{old_style}\n{typo}\n{BAD_USCC}"})
    check = Check.objects.get()
    html = client.get(f"/checks/{check.pk}/").content.decode()
    assert old_style not in html and typo not in html
    assert "110105*****1002" in html and "110105********O02X" in html
    assert BAD_USCC in html  # an enterprise's code is public: shown as typed
    export = b"".join(client.get(f"/checks/{check.pk}/export/").streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(export)).get_sheet_by_index(0).to_python()
    assert [r[1] for r in rows[1:]] == ["110105*****1002", "110105********O02X", BAD_USCC]


def test_the_file_that_killed_a_web_worker_is_refused_by_the_reader(
        loaded: Any, users: dict[str, User], web: Callable[..., Client], tmp_path: Path) -> None:
    """Finding 1: a 1.6 KB XLSX with one cell at XFD1048576 aborted the web worker that
    parsed it. The page only stores it; the worker's bounded reader refuses it by name."""
    from xinyong.conftest_helpers import far_cell_xlsx

    bomb = far_cell_xlsx(tmp_path / "codes.xlsx").read_bytes()
    response = upload_and_run(web(users[Role.DEPARTMENT]), "codes.xlsx", bomb)
    job = CheckFile.objects.get()
    assert job.status == "failed" and "16384 列，超过 200 列的上限" in job.message
    assert "超过 200 列的上限" in response.content.decode()


# --- financial institutions (信易贷) ------------------------------------------------------------

@pytest.fixture
def taicang_bank(make_user: Callable[..., User], other_institution: Any) -> User:
    """A 太仓 bank's user: 太仓's 信易贷 measures apply to its checks."""
    return make_user("erin", Role.INSTITUTION, institution=other_institution)


@pytest.fixture
def honest(loaded: Any, unit: Unit) -> Any:
    """An enterprise on 太仓's honesty incentive list (a donation recognised)."""
    return services.submit(unit, services.Submission(
        subject_kind="organization", subject_name="捐赠企业", subject_code=org_code(99),
        behavior="tc_donation", occurred_on=dt.date(2026, 9, 1), decided_on=dt.date(2026, 9, 5),
        decision_no="太表彰〔2026〕1号", facts="", severity="minor"))[0]


def test_an_institution_checks_in_credit_loans_only(honest: Any, taicang_bank: User,
                                                    web: Callable[..., Client]) -> None:
    bank = web(taicang_bank)
    html = bank.get("/checks/new/").content.decode()
    assert 'data-testid="fixed-scenario">信易贷<' in html
    assert '<input type="hidden" name="scenario" value="credit_loans"' in html
    assert "<select" not in html.split('data-testid="check-form"')[1].split("</form>")[0]
    assert 'name="file"' not in html  # files of codes stay the office's and units'
    response = bank.post("/checks/new/", {"scenario": "credit_loans", "codes": org_code(99)})
    check = Check.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/checks/{check.pk}/"
    assert check.institution_id == taicang_bank.institution_id and check.unit_id is None
    assert check.results[0]["verdict"] == "incentive"
    assert [m["code"] for m in check.results[0]["measures"]] == ["tc_credit_loans"]
    page = bank.get(f"/checks/{check.pk}/").content.decode()
    assert "太仓示例村镇银行" in page and "本机构核查记录" in page
    # Another scenario sent is not honoured: the page checks in 信易贷 only.
    bank.post("/checks/new/", {"scenario": "bidding", "codes": org_code(99)})
    assert Check.objects.latest("pk").scenario == "credit_loans"
    # A file is not read for an institution.
    upload = SimpleUploadedFile("codes.csv", f"{org_code(99)}\n".encode())
    no_file = bank.post("/checks/new/", {"scenario": "credit_loans", "file": upload})
    assert "请粘贴至少一个主体代码" in form_errors(no_file.content.decode())["codes"]
    assert not CheckFile.objects.exists() and Check.objects.count() == 2
    assert bank.get("/checks/files/1/").status_code == 403


def test_an_institution_sees_its_institutions_checks_and_gives_feedback(
        honest: Any, taicang_bank: User, users: dict[str, User], make_user: Callable[..., User],
        web: Callable[..., Client]) -> None:
    mine = checks.run_check(taicang_bank, "credit_loans", [org_code(99)], timezone.localdate())
    colleague = make_user("frank", Role.INSTITUTION, institution=taicang_bank.institution)
    theirs = checks.run_check(users[Role.INSTITUTION], "credit_loans", [org_code(99)],
                              timezone.localdate())
    dept = run(users[Role.DEPARTMENT], [org_code(99)], scenario="credit_loans")
    client = web(colleague)
    listed = client.get("/checks/").content.decode()
    assert f'data-check="{mine.pk}"' in listed and "太仓示例村镇银行" in listed
    assert f'data-check="{theirs.pk}"' not in listed and f'data-check="{dept.pk}"' not in listed
    for other in (theirs, dept):
        assert client.get(f"/checks/{other.pk}/").status_code == 404
        assert client.get(f"/checks/{other.pk}/export/").status_code == 404
    assert client.get(f"/checks/{mine.pk}/export/").status_code == 200
    page = client.get(f"/checks/{mine.pk}/").content.decode()
    assert f'action="/checks/{mine.pk}/feedback/"' in page
    body = {"subject_id": honest.subject_id, "measure": "tc_credit_loans", "applied": "yes",
            "note": "执行优惠利率"}
    response = client.post(f"/checks/{mine.pk}/feedback/", body)
    assert response.status_code == 302
    given = Feedback.objects.get()
    assert given.user == colleague and given.applied is True
    # The office sees the institution's checks under its name.
    office = web(users[Role.OFFICE]).get("/office/checks/").content.decode()
    assert "太仓示例村镇银行" in office and "示例农商银行马尾支行" in office
    assert f'data-group="institution{taicang_bank.institution_id}-credit_loans"' in office
