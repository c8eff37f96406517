"""What-if (试算) of a draft pack: exactly what would change, and nothing written."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from stdnum.cn import uscc

from xinyong.accounts.models import Role, Unit, User
from xinyong.audit.models import AuditEvent
from xinyong.checks import services as checks
from xinyong.conftest_helpers import login
from xinyong.lib.files import private_dir
from xinyong.policies import loader, rulebook, whatif
from xinyong.policies.models import PolicyPack, PolicyVersion
from xinyong.records import services
from xinyong.records.models import Record

TAICANG = (loader.PACKS_DIR / "taicang-2020-1.yaml").read_text(encoding="utf-8")
NATIONAL = (loader.PACKS_DIR / "cn-2025-22.yaml").read_text(encoding="utf-8")
WATCH_ENTRY = "    entry: {behaviors: [tc_work_resumption_not_as_required]}\n"
WORK_BEHAVIOR = "  - code: tc_work_resumption_not_as_required\n"


def edited(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


# 重点关注名单 only from 严重 up (a list-entry threshold raised).
WATCH_SERIOUS = edited(TAICANG, WATCH_ENTRY, WATCH_ENTRY.replace("]}", "], min_severity: serious}"))
# 未按照要求复工复产 a finding only from 严重 up (a finding threshold raised).
FINDING_SERIOUS = edited(TAICANG, WORK_BEHAVIOR + "    polarity: dishonest\n",
                         WORK_BEHAVIOR + "    polarity: dishonest\n    finding_min_severity: serious\n")
# 一般失信 published up to 24 months instead of 12 (a publicity period lengthened).
LONGER_GENERAL = edited(NATIONAL, "  - {severity: general, clause: 二, min_months: 3, max_months: 12}",
                        "  - {severity: general, clause: 二, min_months: 3, max_months: 24}")
# A new 太仓 pack: 联合惩戒对象 are refused 信易贷 (a measure on another pack's list).
LOANS_PACK = """
id: tc-loans-2026-1
doc_number: 太信用办〔2026〕9号
title: 关于信易贷中联合惩戒对象的通知（草案）
issuer: 太仓市社会信用体系建设领导小组办公室
jurisdiction: 太仓市
level: district
regions: ["320585"]
effective_from: 2026-01-01
summary: 草案，用于试算。
clauses:
  - id: "1"
    text: 联合惩戒对象在信易贷中从严审查。
    implemented_by:
      - {kind: measure, ref: tc_loans_strict}
measures:
  - code: tc_loans_strict
    kind: restrict
    scenarios: [credit_loans]
    clause: "1"
    text: 在信易贷中从严审查
    triggers: {lists: [joint_punishment]}
"""


def org_code(n: int) -> str:
    body = f"913205850000{n:05d}"
    return body + uscc.calc_check_digit(body)


def report(text: str, name: str = "taicang-2020-1.yaml", **kwargs: Any) -> whatif.Report:
    return whatif.evaluate([loader.parse(text, name)], **kwargs)


@pytest.fixture
def world(loaded: Any, taicang_unit: Unit, users: dict[str, User]) -> dict[str, Any]:
    """太仓 records: a general and a serious 未按照要求复工复产 (重点关注名单), a serious
    wildlife case (联合惩戒对象名单), a general one rectified (off the watch list), and a
    general one withdrawn (closed: never determined again)."""
    today = timezone.localdate()

    def submit(n: int, behavior: str, severity: str) -> Record:
        return services.submit(taicang_unit, services.Submission(
            subject_kind="organization", subject_name=f"太仓试算{n}号有限公司",
            subject_code=org_code(n), behavior=behavior, occurred_on=today - dt.timedelta(80),
            decided_on=today - dt.timedelta(70), decision_no=f"太市监罚〔2026〕{n}号", facts="",
            severity=severity))[0]

    work = "tc_work_resumption_not_as_required"
    rows = {"general": submit(1, work, "general"), "serious": submit(2, work, "serious"),
            "wildlife": submit(3, "tc_wildlife_trade", "serious"),
            "rectified": submit(5, work, "general"), "withdrawn": submit(4, work, "general")}
    services.mark_rectified(rows["rectified"], today - dt.timedelta(10), note="已整改，复查合格",
                            actor=None)
    services.withdraw(rows["withdrawn"], "报送错误", actor=None)
    office = users[Role.OFFICE]
    rows["inspection"] = checks.run_check(office, "inspection", [org_code(1), org_code(2)], today)
    rows["bidding"] = checks.run_check(office, "bidding", [org_code(1)], today)
    return rows


def everything() -> dict[str, int]:
    return {m._meta.label: m._base_manager.count() for m in apps.get_models()
            if m._meta.managed and not m._meta.proxy}


# --- what the report says -------------------------------------------------------------------

def test_raised_list_threshold_reports_exactly_the_records_and_writes_nothing(
        world: dict[str, Any]) -> None:
    book = rulebook.current()
    before = everything()
    seen: list[dict[str, Any]] = []
    result = whatif.evaluate([loader.parse(WATCH_SERIOUS, "taicang-2020-1.yaml")],
                             on_change=seen.append)
    general, rectified = world["general"], world["rectified"]
    assert sorted(result.changed_record_ids) == sorted([general.pk, rectified.pk])
    assert sorted(c["record_id"] for c in seen) == sorted(result.changed_record_ids)
    assert result.considered == 4 and result.closed == 1 and result.changed == 2
    assert result.drafts[0]["change"] == "replace" and result.drafts[0]["current_version"] == 1
    # Statuses and publicity stay; the general case leaves the watch list, the rectified
    # one's ended membership is no longer made at all.
    assert result.status == {} and result.windows.count == 0
    watch = result.lists["watch"]
    assert (watch.subjects_left, watch.subjects_entered, watch.records_left, watch.terms_changed) \
        == (1, 0, 1, 1)
    assert {e["record_id"] for e in watch.examples} == {general.pk, rectified.pk}
    example = next(e for e in watch.examples if e["record_id"] == general.pk)
    assert example["before"]["lists"] == ["watch"] and example["after"]["lists"] == []
    assert example["subject_name"] == "太仓试算1号有限公司"
    assert example["decision_no"] == "太市监罚〔2026〕1号"
    assert "列入重点关注名单" in example["trace_removed"][0]
    assert set(result.lists) == {"watch"}
    # Checks: in 日常监管与检查 the subject is no longer under 差别化监管 (still 关注: its
    # record stays published); the bidding check answers as before.
    inspection = result.measures["inspection"]
    assert (inspection.subjects, inspection.restrict_lost, inspection.restrict_gained) == (1, 1, 0)
    assert inspection.examples[0]["before"]["verdict"] == "restrict"
    assert inspection.examples[0]["after"]["verdict"] == "attention"
    assert set(result.measures) == {"inspection"}
    assert result.checks_considered == 2
    assert (result.checks_changed, result.answers_changed) == (1, 1)
    assert result.check_examples[0]["check_id"] == world["inspection"].pk
    # Nothing written, the cache untouched.
    assert everything() == before
    assert rulebook._CURRENT["book"][1] is book and rulebook.current() is book
    assert [e.version_id for e in book.entries] == [
        v for v in PolicyPack.objects.order_by("pack_id").values_list("current_id", flat=True)]
    assert not AuditEvent.objects.filter(action__startswith="policy.").exclude(
        action="policy.load").exists()
    data = result.as_dict()
    json.dumps(data)  # JSON-safe: pages and the API read it
    assert data["lists"][0]["code"] == "watch" and data["checks"]["changed"] == 1


def test_raised_finding_threshold_changes_status(world: dict[str, Any]) -> None:
    result = report(FINDING_SERIOUS)
    general, rectified = world["general"], world["rectified"]
    assert sorted(result.changed_record_ids) == sorted([general.pk, rectified.pk])
    pair = result.status[("published", "exempted")]
    assert pair.count == 2
    example = next(e for e in pair.examples if e["record_id"] == general.pk)
    assert any("未达到认定为失信行为所需的严重" in s for s in example["trace_added"])
    assert any("最短公示" in s for s in example["trace_removed"])
    assert result.lists["watch"].subjects_left == 1  # the rectified one had left already


def test_longer_period_changes_windows(world: dict[str, Any]) -> None:
    result = report(LONGER_GENERAL, "cn-2025-22.yaml")
    general, rectified = world["general"], world["rectified"]
    assert sorted(result.changed_record_ids) == sorted([general.pk, rectified.pk])
    assert result.windows.count == 2 and result.status == {}
    example = next(e for e in result.windows.examples if e["record_id"] == general.pk)
    decided = general.decided_on
    assert example["before"]["ends_on"] == (general.ends_on).isoformat()
    assert example["after"]["ends_on"] == (
        dt.date(decided.year + 2, decided.month, decided.day) - dt.timedelta(days=1)).isoformat()
    # The watch list runs while the record is published: its term follows, in force either way.
    assert result.lists["watch"].terms_changed == 2 and result.lists["watch"].subjects_left == 0
    assert result.measures == {} and result.checks_changed == 0


def test_earlier_end_lapses_lists_as_adoption_does(world: dict[str, Any]) -> None:
    """A draft that ends the pack five days ago: its memberships lapse (政策失效), which
    adopting the pack does at once (lists.services.apply_lapses); the report foresees the
    memberships the adoption leaves, record by record."""
    end = timezone.localdate() - dt.timedelta(days=5)
    draft = edited(TAICANG, "\neffective_from: 2020-02-26\n",
                   f"\neffective_from: 2020-02-26\neffective_until: {end.isoformat()}\n")
    seen: dict[int, dict[str, Any]] = {}
    result = report(draft, on_change=lambda c: seen.__setitem__(c["record_id"], c))
    expected = {world[k].pk for k in ("general", "serious", "wildlife")}
    assert set(result.changed_record_ids) == expected  # the rectified one had left already
    watch, joint = result.lists["watch"], result.lists["joint_punishment"]
    assert (watch.subjects_left, watch.records_left, watch.lapse) == (2, 2, 2)
    assert (joint.subjects_left, joint.records_left, joint.lapse) == (1, 1, 1)
    assert seen[world["general"].pk]["after"]["memberships"][0]["exit_reason"] == "policy_lapsed"
    assert result.measures["inspection"].restrict_lost == 3
    # The 日常监管 check answers otherwise for both its subjects; in 招标投标 the subject
    # stays 关注 (its record stays published: the lapse ends lists, not publicity).
    assert (result.checks_changed, result.answers_changed) == (1, 2)
    loader.load([loader.parse(draft, "taicang-2020-1.yaml")])
    from xinyong.lists.models import Membership

    today = timezone.localdate()
    for name in ("general", "serious", "wildlife", "rectified"):
        record = world[name]
        active = sorted(Membership.objects.filter(record=record).active_on(today)
                        .values_list("list_code", flat=True))
        predicted = seen[record.pk]["after"]["lists"] if record.pk in seen else active
        assert active == predicted == [], name


def test_identical_draft_reports_no_change(world: dict[str, Any]) -> None:
    same = report("# 只加了一行注释\n" + TAICANG)
    assert same.identical and not same.has_changes and same.drafts[0]["change"] == "same"
    assert "没有任何变化" in "\n".join(same.lines())
    # A change no rule reads (the title) is compared record by record, and changes nothing.
    retitled = report(edited(TAICANG, "\ntitle: ", "\ntitle: （修订）"))
    assert not retitled.identical and retitled.drafts[0]["change"] == "replace"
    assert retitled.considered == 4 and retitled.closed == 1
    assert not retitled.has_changes and list(retitled.changed_record_ids) == []
    assert retitled.status == {} and retitled.lists == {} and retitled.measures == {}


def test_added_pack_changes_checks_only(world: dict[str, Any]) -> None:
    result = report(LOANS_PACK, "tc-loans-2026-1.yaml")
    assert result.drafts[0]["change"] == "add" and result.drafts[0]["current_version"] is None
    assert list(result.changed_record_ids) == []
    loans = result.measures["credit_loans"]
    assert (loans.subjects, loans.restrict_gained) == (1, 1)
    assert loans.examples[0]["subject_id"] == world["wildlife"].subject_id
    assert loans.examples[0]["before"]["verdict"] == "attention"
    assert loans.examples[0]["after"]["measures"][0]["code"] == "tc_loans_strict"
    assert set(result.measures) == {"credit_loans"}
    assert not PolicyPack.objects.filter(pack_id="tc-loans-2026-1").exists()


def test_recent_checks_are_bounded(world: dict[str, Any], monkeypatch: Any) -> None:
    monkeypatch.setattr(whatif, "MAX_RECENT_ANSWERS", 2)
    result = report(WATCH_SERIOUS)  # the newest check (招标投标, 1 subject) fits, not the other
    assert (result.checks_considered, result.checks_limited, result.checks_changed) == (1, True, 0)
    assert "最近的 1 次" in "\n".join(result.lines())


def test_records_decided_after_the_day_are_left_out(world: dict[str, Any]) -> None:
    earlier = report(WATCH_SERIOUS, day=world["general"].decided_on - dt.timedelta(days=1))
    assert earlier.considered == 0 and earlier.changed == 0


def test_broken_or_conflicting_drafts_are_refused(world: dict[str, Any]) -> None:
    with pytest.raises(loader.PackError):
        report("id: x\n")
    clash = edited(LOANS_PACK, "measures:\n", "behaviors:\n  - code: tc_wildlife_trade\n"
                   "    polarity: dishonest\n    clause: \"1\"\n    text: 重复\n"
                   "    subject_kinds: [organization]\nmeasures:\n")
    with pytest.raises(loader.PackError) as caught:
        report(clash, "tc-loans-2026-1.yaml")
    assert "tc_wildlife_trade" in "\n".join(caught.value.problems)


# --- the office's pages -----------------------------------------------------------------------

def preview(client: Client, text: str, name: str = "taicang-2020-1.yaml") -> str:
    response = client.post("/policies/upload/", {
        "file": SimpleUploadedFile(name, text.encode()), "action": "preview"})
    assert response.status_code == 302, response.content.decode()[:500]
    location = response["Location"]
    assert location.startswith("/policies/upload/whatif/")
    return location.split("/")[-2]


def test_preview_then_adopt_loads_the_previewed_text(world: dict[str, Any], client: Client,
                                                     users: dict[str, User]) -> None:
    login(client, users[Role.OFFICE])
    versions, audits = PolicyVersion.objects.count(), AuditEvent.objects.count()
    sha = preview(client, WATCH_SERIOUS)
    assert sha == whatif.text_sha256(WATCH_SERIOUS)
    page = client.get(f"/policies/upload/whatif/{sha}/").content.decode()
    assert "试算结果" in page and "确认采用" in page and "只试算，不采用" in page
    assert 'data-list="watch"' in page and "重点关注名单" in page
    assert f'data-check="{world["inspection"].pk}"' in page
    assert f'data-record="{world["general"].pk}"' in page
    assert (PolicyVersion.objects.count(), AuditEvent.objects.count()) == (versions, audits)

    response = client.post(f"/policies/upload/whatif/{sha}/", {"action": "adopt"})
    assert response.status_code == 302 and response["Location"].endswith(f"/{sha}/adopted/")
    current = PolicyPack.objects.get(pack_id="taicang-2020-1").current
    assert current is not None and current.number == 2
    assert current.sha256 == loader.parse(WATCH_SERIOUS, "x.yaml").sha256
    assert AuditEvent.objects.filter(action="policy.load").count() > 0
    result = client.get(f"/policies/upload/whatif/{sha}/adopted/").content.decode()
    assert "已采用" in result and "第 2 版" in result
    assert 'data-list="watch"' in result and f'data-check="{world["inspection"].pk}"' in result
    # Adopted once: the preview page now shows the result, a second adoption is refused.
    assert client.get(f"/policies/upload/whatif/{sha}/")["Location"].endswith("/adopted/")
    assert PolicyVersion.objects.count() == versions + 1


def test_adopt_refuses_a_changed_text(world: dict[str, Any], client: Client,
                                      users: dict[str, User]) -> None:
    login(client, users[Role.OFFICE])
    sha = preview(client, WATCH_SERIOUS)
    path = private_dir(whatif.DRAFTS_DIR) / client.session[whatif.SESSION_KEY][sha]
    kept = json.loads(path.read_text(encoding="utf-8"))
    kept["text"] = FINDING_SERIOUS  # the kept text no longer the one previewed
    path.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    response = client.post(f"/policies/upload/whatif/{sha}/", {"action": "adopt"})
    assert response.status_code == 409
    assert "与试算时不一致" in response.content.decode()
    assert PolicyPack.objects.get(pack_id="taicang-2020-1").current.number == 1  # type: ignore[union-attr]
    # Another sha256 than one this session previewed: nothing there.
    other = whatif.text_sha256(FINDING_SERIOUS)
    assert client.post(f"/policies/upload/whatif/{other}/", {"action": "adopt"}).status_code == 404
    assert client.get("/policies/upload/whatif/not-a-sha/").status_code == 404


def test_adopt_refuses_when_the_rules_changed_since(world: dict[str, Any], client: Client,
                                                    users: dict[str, User]) -> None:
    login(client, users[Role.OFFICE])
    sha = preview(client, WATCH_SERIOUS)
    loader.load([loader.parse(LONGER_GENERAL, "cn-2025-22.yaml")])
    page = client.get(f"/policies/upload/whatif/{sha}/").content.decode()
    assert "请先重新试算" in page
    response = client.post(f"/policies/upload/whatif/{sha}/", {"action": "adopt"})
    assert response.status_code == 409 and "重新试算" in response.content.decode()
    assert PolicyPack.objects.get(pack_id="taicang-2020-1").current.number == 1  # type: ignore[union-attr]
    response = client.post(f"/policies/upload/whatif/{sha}/", {"action": "refresh"})
    assert response.status_code == 302
    again = response["Location"].split("/")[-2]
    assert again == sha  # the same text, compared anew
    assert client.post(f"/policies/upload/whatif/{sha}/", {"action": "adopt"}).status_code == 302


def test_preview_only_discards(world: dict[str, Any], client: Client, users: dict[str, User]) -> None:
    login(client, users[Role.OFFICE])
    sha = preview(client, WATCH_SERIOUS)
    path = private_dir(whatif.DRAFTS_DIR) / client.session[whatif.SESSION_KEY][sha]
    assert path.exists() and oct(path.stat().st_mode)[-3:] == "600"
    response = client.post(f"/policies/upload/whatif/{sha}/", {"action": "discard"}, follow=True)
    assert "未采用" in response.content.decode()
    assert not path.exists()
    assert client.get(f"/policies/upload/whatif/{sha}/").status_code == 404
    assert PolicyPack.objects.get(pack_id="taicang-2020-1").current.number == 1  # type: ignore[union-attr]


def test_preview_of_a_broken_pack_shows_problems(world: dict[str, Any], client: Client,
                                                 users: dict[str, User]) -> None:
    login(client, users[Role.OFFICE])
    broken = edited(TAICANG, WATCH_ENTRY, "    entry: {behaviors: [no_such_behavior]}\n")
    response = client.post("/policies/upload/", {
        "file": SimpleUploadedFile("taicang.yaml", broken.encode()), "action": "preview"})
    assert response.status_code == 200
    assert "no_such_behavior" in response.content.decode()
    assert not client.session.get(whatif.SESSION_KEY)


def test_preview_pages_are_the_offices(world: dict[str, Any], client: Client,
                                       users: dict[str, User], web: Callable[..., Client]) -> None:
    login(client, users[Role.OFFICE])
    sha = preview(client, WATCH_SERIOUS)
    for role in (Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION):
        other = web(users[role]) if role in users else None
        if other is None:
            continue
        assert other.get(f"/policies/upload/whatif/{sha}/").status_code == 403
        assert other.post(f"/policies/upload/whatif/{sha}/", {"action": "adopt"}).status_code == 403
        assert other.post("/policies/upload/", {
            "file": SimpleUploadedFile("t.yaml", WATCH_SERIOUS.encode()),
            "action": "preview"}).status_code == 403
    assert web(None).get(f"/policies/upload/whatif/{sha}/").status_code == 302
    # Another office user has not previewed it: the kept text is this session's.
    colleague = web(users[Role.OFFICE])
    assert colleague.post(f"/policies/upload/whatif/{sha}/", {"action": "adopt"}).status_code == 404
    assert PolicyPack.objects.get(pack_id="taicang-2020-1").current.number == 1  # type: ignore[union-attr]


# --- the API and the CLI ------------------------------------------------------------------------

def test_api_whatif(world: dict[str, Any], users: dict[str, User], api: Callable[..., Any]) -> None:
    body = {"text": WATCH_SERIOUS, "name": "taicang-2020-1.yaml"}
    response = api(users[Role.OFFICE]).post_json("/api/v1/policies/whatif", body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["changed_record_ids"] == sorted([world["general"].pk, world["rectified"].pk])
    assert data["lists"][0]["subjects_left"] == 1 and data["checks"]["changed"] == 1
    assert api(users[Role.DEPARTMENT]).post_json("/api/v1/policies/whatif", body).status_code == 403
    broken = api(users[Role.OFFICE]).post_json("/api/v1/policies/whatif", {"text": "id: x"})
    assert broken.status_code == 422 and broken.json()["errors"][0]["loc"][-1] == "text"
    assert PolicyPack.objects.get(pack_id="taicang-2020-1").current.number == 1  # type: ignore[union-attr]


def test_cli_whatif(world: dict[str, Any], tmp_path: Path) -> None:
    draft = tmp_path / "taicang-2020-1.yaml"
    draft.write_text(FINDING_SERIOUS, encoding="utf-8")
    ids = tmp_path / "ids.txt"
    out = StringIO()
    call_command("policy", "whatif", str(draft), "--examples", "1", "--ids", str(ids), stdout=out)
    text = out.getvalue()
    assert "替换现行第 1 版" in text and "公示中 → 豁免：2 条" in text
    assert "重点关注名单（watch）：列入 0 个主体、移出 1 个主体" in text
    assert sorted(int(x) for x in ids.read_text().split()) == sorted(
        [world["general"].pk, world["rectified"].pk])
    out = StringIO()
    call_command("policy", "whatif", str(draft), "--date", "2020-01-01", stdout=out)
    assert "重新认定 0 条记录" in out.getvalue()
    with pytest.raises(CommandError, match="--date"):
        call_command("policy", "whatif", str(draft), "--date", "2026-02-30")
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"broken\.yaml"):
        call_command("policy", "whatif", str(broken))
    assert PolicyPack.objects.get(pack_id="taicang-2020-1").current.number == 1  # type: ignore[union-attr]


def test_cli_load_prints_the_whatif_first(world: dict[str, Any], tmp_path: Path) -> None:
    draft = tmp_path / "taicang-2020-1.yaml"
    draft.write_text(WATCH_SERIOUS, encoding="utf-8")
    out = StringIO()
    call_command("policy", "load", str(draft), stdout=out)
    text = out.getvalue()
    assert text.index("试算（采用前）") < text.index("taicang-2020-1: loaded as version 2")
    assert "移出 1 个主体" in text
    out = StringIO()  # unchanged: no what-if, as `migrate` with the shipped packs
    call_command("policy", "load", str(draft), stdout=out)
    assert out.getvalue() == "taicang-2020-1: unchanged\n"
