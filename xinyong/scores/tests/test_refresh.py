"""The set-based recompute (scores.refresh) gives what the reference functions give, for
Hypothesis-generated histories and schemes, on SQLite and PostgreSQL; it writes only what
changed; it follows a record's changes in their transaction and an import's subjects."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinyong.accounts.models import Unit
from xinyong.lists.models import Membership
from xinyong.policies import rulebook
from xinyong.policies.models import PolicyPack
from xinyong.policies.rulebook import Entry, Rulebook
from xinyong.records import services as records
from xinyong.records.models import Record
from xinyong.scores import grading, points, refresh
from xinyong.scores import services as scoring
from xinyong.scores.models import Refresh, SubjectGrade, SubjectScore
from xinyong.scores.tests import strategies as gen
from xinyong.subjects.models import Subject

D = dt.date
EXAMPLES = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
REGIONS = ["350105", "350100", "320585", "110105"]


@pytest.fixture
def versions(loaded: Any) -> dict[str, int]:
    found = dict(PolicyPack.objects.values_list("pack_id", "current_id"))
    return {**{b: found["taicang-2020-1"] for b in gen.GOOD + gen.DISHONEST},
            "administrative_penalty": found["cn-2025-22"]}


def store(unit: Unit, versions: dict[str, int], history: list[points.RecordFacts],
          lists: list[points.MembershipFacts], *, kind: str = "person", region: str = "",
          scale: str = "") -> Subject:
    """A subject with these records and memberships, written as rows (no determination:
    the recompute reads only the columns)."""
    code = f"91{region}MA{uuid.uuid4().hex[:8].upper()}" if kind != "person" else ""
    subject = Subject.objects.create(kind=kind, name="测试主体", code=code,
                                     code_digest=uuid.uuid4().hex, code_masked="测试",
                                     scale=scale)
    ids = {}
    for n, r in enumerate(history):
        row = Record.objects.create(
            unit=unit, subject=subject, reported_name="测试主体", behavior=r.behavior,
            polarity=r.polarity, policy_version_id=versions[r.behavior], severity=r.severity,
            occurred_on=r.decided_on, decided_on=r.decided_on, decision_no=f"测试〔{n}〕号",
            status=r.status, starts_on=r.starts_on, ends_on=r.ends_on, closed_on=r.closed_on,
            rectify_by=r.rectify_by, objection_open=r.objection_open)
        ids[r.id] = row
    for m in lists:
        if m.record_id in ids:
            Membership.objects.create(
                list_code=m.list_code, list_name=m.list_code, subject=subject,
                record=ids[m.record_id], policy=m.policy, clause="1", since=m.since,
                until=m.until, ended_on=m.ended_on)
    return subject


def with_scheme(book: Rulebook, data: dict[str, Any]) -> Rulebook:
    """The rulebook with 太仓's schemes replaced by a generated one."""
    entries = []
    for e in book.entries:
        if e.pack.id == "taicang-2020-1":
            scheme = gen.scheme_of(e.pack, data).scheme
            e = Entry(e.version_id, e.pack.model_copy(update={"scores": [scheme]}), e.until)
        entries.append(e)
    return Rulebook(entries, book.events)


@EXAMPLES
@given(data=gen.schemes(), history=gen.histories(20, gen.CROWDED), extra=st.data())
def test_the_sql_gives_the_reference_points(versions: dict[str, int], unit: Unit,
                                            data: dict[str, Any],
                                            history: list[points.RecordFacts],
                                            extra: Any) -> None:
    day = extra.draw(gen.day_near(history))
    book = with_scheme(rulebook.current(), data)
    lists = extra.draw(gen.memberships([r.id for r in history]))
    subject = store(unit, versions, history, lists)
    refresh.refresh([subject.pk], day=day, book=book)
    records, memberships = scoring.facts(subject.pk)
    for scheme in scoring.schemes_for(book, "person", day):
        expected = points.evaluate(scheme, records, memberships, day)
        row = SubjectScore.objects.get(subject=subject, scheme=scheme.code)
        assert (row.points, row.level) == (expected.points, expected.level), scheme.code


@EXAMPLES
@given(history=gen.histories(12), region=st.sampled_from(REGIONS),
       scale=st.sampled_from(["", "large", "small", "micro"]), extra=st.data())
def test_the_sql_gives_the_reference_grades(versions: dict[str, int], unit: Unit,
                                            history: list[points.RecordFacts],
                                            region: str, scale: str, extra: Any) -> None:
    day = extra.draw(gen.day_near(history))
    lists = extra.draw(gen.memberships([r.id for r in history]))
    lists = [replace(m, list_code=extra.draw(st.sampled_from(
        ["honesty_incentive", "joint_punishment", "watch", "key_supervision"]))) for m in lists]
    subject = store(unit, versions, history, lists, kind="organization", region=region,
                    scale=scale)
    book = rulebook.current()
    refresh.refresh([subject.pk], day=day, book=book)
    records, memberships = scoring.facts(subject.pk)
    expected = grading.evaluate(book, "organization", scale, subject.region, records,
                                memberships, day)
    assert expected is not None
    row = SubjectGrade.objects.get(subject=subject)
    assert (row.grade, row.rule, row.policy, row.adjustments) == (
        expected.grade, expected.rule, expected.policy, ",".join(expected.adjustments))
    assert grading.rate_of(book, row.grade, row.policy, expected.adjustments, day) == \
        expected.inspection_rate


def turning(n: int, status: str, decided: D, *, closed: D | None = None, good: bool = False,
            months: int = 12) -> points.RecordFacts:
    from xinyong.lib.dates import add_months

    return points.RecordFacts(
        n, "tc_volunteer_contribution" if good else "tc_concealment",
        "good" if good else "dishonest", "general", decided, status, decided,
        None if good else add_months(decided, months) - dt.timedelta(days=1), closed)


@pytest.mark.parametrize("history, day", [
    # withdrawn on the day asked: gone, and its year is clean again
    ([turning(1, "withdrawn", D(2024, 3, 1), closed=D(2026, 1, 5))], D(2026, 1, 5)),
    ([turning(1, "withdrawn", D(2024, 3, 1), closed=D(2026, 1, 5))], D(2026, 1, 4)),
    # repaired on the day: the deduction ends, the year stays unclean
    ([turning(1, "repaired", D(2025, 3, 1), closed=D(2025, 9, 1))], D(2025, 9, 1)),
    ([turning(1, "repaired", D(2025, 3, 1), closed=D(2025, 9, 1))], D(2025, 8, 31)),
    # publicity's last day and the day after
    ([turning(1, "published", D(2025, 3, 1))], D(2026, 2, 28)),
    ([turning(1, "published", D(2025, 3, 1))], D(2026, 3, 1)),
    # a bonus's 36-month window: its last day and the day after (from a month's end)
    ([turning(1, "published", D(2023, 1, 31), good=True)], D(2026, 1, 30)),
    ([turning(1, "published", D(2023, 1, 31), good=True)], D(2026, 1, 31)),
    # closed before its publicity began: never published, never a stain
    ([turning(1, "repaired", D(2024, 3, 1), closed=D(2024, 3, 1))], D(2026, 1, 1)),
])
def test_the_sql_agrees_on_the_days_rules_turn(versions: dict[str, int], unit: Unit,
                                               history: list[points.RecordFacts],
                                               day: D) -> None:
    subject = store(unit, versions, history, [])
    book = rulebook.current()
    refresh.refresh([subject.pk], day=day, book=book)
    records, memberships = scoring.facts(subject.pk)
    for scheme in scoring.schemes_for(book, "person", day):
        expected = points.evaluate(scheme, records, memberships, day)
        row = SubjectScore.objects.get(subject=subject, scheme=scheme.code)
        assert row.points == expected.points, scheme.code


@pytest.mark.parametrize(("count", "years"), [(n, 1) for n in (1, 2, 3, 4, 5, 6, 7, 12)]
                         + [(3, 2), (7, 2)])
def test_the_sql_gives_the_steps_and_caps_of_many_entries(versions: dict[str, int], unit: Unit,
                                                          count: int, years: int) -> None:
    """娄城's volunteering: 10 points, 5 from the 3rd entry of a year, 2 from the 6th, at
    most 30 a year and 50 in its category: every count of entries agrees."""
    history = [points.RecordFacts(n, "tc_volunteer_contribution", "good", "minor",
                                  D(2025, 1 + n % 12, 1 + n // 12), "published",
                                  D(2025, 1 + n % 12, 1 + n // 12), None, None)
               for n in range(count)]
    if years == 2:
        history += [replace(r, id=100 + r.id, decided_on=D(2026, 1, 1 + r.id),
                            starts_on=D(2026, 1, 1 + r.id)) for r in history]
    subject = store(unit, versions, history, [])
    day = D(2026, 6, 1)
    refresh.refresh([subject.pk], day=day)
    records, memberships = scoring.facts(subject.pk)
    scheme = next(s for s in scoring.schemes_for(rulebook.current(), "person", day)
                  if s.code == "loucheng_points")
    expected = points.evaluate(scheme, records, memberships, day)
    assert SubjectScore.objects.get(subject=subject, scheme="loucheng_points").points == \
        expected.points


def test_a_full_run_writes_only_what_changed(versions: dict[str, int], unit: Unit) -> None:
    day = D(2026, 6, 1)
    quiet = store(unit, versions, [], [])
    noisy = store(unit, versions, [], [])
    org = store(unit, versions, [], [], kind="organization", region="350105")
    first = refresh.refresh(day=day)
    assert first.changed >= 3 and SubjectGrade.objects.get(subject=org).grade == "B"
    written = {r.subject_id: r.computed_at for r in SubjectScore.objects.all()}
    second = refresh.refresh(day=day)
    assert second.changed == 0
    assert {r.subject_id: r.computed_at for r in SubjectScore.objects.all()} == written
    Record.objects.create(
        unit=unit, subject=noisy, reported_name="测试", behavior="tc_concealment",
        polarity="dishonest", policy_version_id=versions["tc_concealment"], severity="general",
        occurred_on=D(2026, 5, 1), decided_on=D(2026, 5, 1), decision_no="测试〔1〕号",
        status="published", starts_on=D(2026, 5, 1), ends_on=D(2027, 4, 30))
    third = refresh.refresh(day=day)
    assert third.changed == 2  # the noisy person's two schemes, nobody else
    rows = SubjectScore.objects.filter(subject=quiet)
    assert all(r.computed_at == written[quiet.pk] for r in rows)
    # The stored time says when the value was last known right: the last full run.
    assert scoring.stored_scores(quiet)[0]["computed_at"] == third.started_at


def test_a_record_change_refreshes_its_subject_in_the_same_transaction(
        loaded: Any, taicang_unit: Unit, person: Subject) -> None:
    before = SubjectScore.objects.filter(subject=person).count()
    record, _ = records.submit(taicang_unit, records.Submission(
        subject_kind="person", subject_name=person.name, subject_code=person.full_code(),
        behavior="tc_evade_quarantine", occurred_on=D(2026, 11, 2),
        decided_on=D(2026, 11, 3), decision_no="太卫〔2026〕8号", facts="逃避隔离",
        severity="general"), today=D(2026, 11, 3))
    assert before == 0
    stored = {r.scheme: r.points for r in SubjectScore.objects.filter(subject=person)}
    assert stored == {s["scheme"]: s["points"] for s in scoring.stored_scores(person)}
    live = scoring.score(person, scheme="loucheng_points")
    assert stored["loucheng_points"] == live.points
    assert any(i.record_id == record.pk and i.points == -50 for i in live.items)
    records.withdraw(record, reason="报送错误", actor=None)
    assert SubjectScore.objects.get(subject=person, scheme="loucheng_points").points == \
        scoring.score(person, scheme="loucheng_points").points == live.points + 50


def test_an_import_queues_the_recompute_of_its_subjects(loaded: Any, unit: Unit, settings: Any,
                                                        tmp_path: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    from xinyong.records import imports
    from xinyong.scores.tasks import refresh_import_task

    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "rows.csv"
    path.write_text("\n".join([
        "subject_kind,subject_name,subject_code,behavior,occurred_on,decided_on,decision_no,facts,severity",
        "organization,福州马尾康宁医疗器械有限公司,91350105MA2Y00001R,fz_mask_fraud,2020-02-10,"
        "2020-02-20,榕马市监罚〔2020〕1号,销售假冒口罩,serious",
        "person,陈明,350105198506123010,fz_concealment_evasion,2020-02-12,2020-02-22,"
        "榕马公罚〔2020〕3号,隐瞒旅居史,serious"]), encoding="utf-8")
    job = imports.run(imports.create_job(unit, path, enqueue=False).pk, today=D(2020, 3, 1))
    assert job.status == "done" and job.accepted == 2
    queued = DBTaskResult.objects.get(task_path="xinyong.scores.tasks.refresh_import_task")
    assert queued.args_kwargs["args"] == [job.pk]
    assert not SubjectGrade.objects.exists()  # the merge itself wrote none
    summary = refresh_import_task.func(job.pk)
    assert summary["subjects"] == 1 + 2  # one grade; the person under two schemes
    org = Subject.objects.get(code="91350105MA2Y00001R")
    assert SubjectGrade.objects.get(subject=org).grade == scoring.grade(org).grade


def test_runs_are_logged(loaded: Any) -> None:
    run = refresh.refresh()
    assert run.finished_at and run.scope == "all"
    assert Refresh.objects.filter(pk=run.pk).exists()


def test_the_command_recomputes_and_names_a_wrong_subject(loaded: Any, organization: Subject
                                                          ) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("scores", "refresh", "--subject", str(organization.pk), stdout=out)
    assert "1 results computed, 1 changed" in out.getvalue()
    assert SubjectGrade.objects.get(subject=organization).grade == "B"
    with pytest.raises(CommandError, match="--subject：没有编号为 999999 的信用主体"):
        call_command("scores", "refresh", "--subject", "999999")
