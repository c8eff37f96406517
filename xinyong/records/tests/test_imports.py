"""Bulk files: encodings, column names, bad rows, all-or-nothing, idempotency, crash and rerun."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.db import connection

from xinyong.lib import tabular
from xinyong.lib.errors import DomainError
from xinyong.records import imports
from xinyong.records.models import ImportJob, ImportRow, Record
from xinyong.subjects.models import Subject

HEADER = "subject_kind,subject_name,subject_code,behavior,occurred_on,decided_on,decision_no,facts,severity"
ROWS = [
    "organization,福州马尾康宁医疗器械有限公司,91350105MA2Y00001R,fz_mask_fraud,2020-02-10,2020-02-20,"
    "榕马市监罚〔2020〕1号,销售假冒口罩,serious",
    "organization,福州闽江生鲜超市有限公司,91350105MA2Y00002W,fz_market_disruption,2020-02-11,2020-02-21,"
    "榕马市监罚〔2020〕2号,哄抬物价,serious",
    "person,陈明,350105198506123010,fz_concealment_evasion,2020-02-12,2020-02-22,"
    "榕马公罚〔2020〕3号,隐瞒旅居史,serious",
]


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def write(tmp: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp / name
    path.write_bytes(text.encode(encoding))
    return path


def run_file(unit: Any, path: Path, **kw: Any) -> ImportJob:
    job = imports.create_job(unit, path, enqueue=False, **kw)
    return imports.run(job.pk, today=dt.date(2021, 1, 1))


def test_good_file_imports_every_row(loaded: Any, unit: Any, media: Path) -> None:
    job = run_file(unit, write(media, "ok.csv", "\n".join([HEADER, *ROWS])))
    assert (job.status, job.total, job.accepted, job.rejected) == ("done", 3, 3, 0)
    record = Record.objects.get(decision_no="榕马市监罚〔2020〕1号")
    assert record.status == "published" and record.source == "import"
    assert record.lists[0]["code"] == "key_supervision"
    assert record.trace[0]["clause"] == "二.7"
    person = Subject.objects.get(name="陈明")
    assert person.code == "" and person.code_masked == "350105********3010"
    assert not ImportRow.objects.exists()


def test_same_file_twice_adds_nothing(loaded: Any, unit: Any, media: Path) -> None:
    path = write(media, "ok.csv", "\n".join([HEADER, *ROWS]))
    run_file(unit, path)
    again = run_file(unit, path)
    assert (again.status, again.accepted, again.duplicates) == ("done", 0, 3)
    assert Record.objects.count() == 3 and Subject.objects.count() == 2 + 1


def test_duplicate_rows_within_a_file_count_once(loaded: Any, unit: Any, media: Path) -> None:
    job = run_file(unit, write(media, "dup.csv", "\n".join([HEADER, ROWS[0], ROWS[0]])))
    assert (job.accepted, job.duplicates) == (1, 1)


def test_gbk_file_is_detected(loaded: Any, unit: Any, media: Path) -> None:
    job = run_file(unit, write(media, "gbk.csv", "\r\n".join([HEADER, *ROWS]), "gbk"))
    assert job.status == "done" and job.accepted == 3
    assert Subject.objects.filter(name="福州闽江生鲜超市有限公司").exists()


def test_shuanggongshi_columns(loaded: Any, unit: Any, media: Path) -> None:
    text = "\n".join([
        "行政相对人名称,行政相对人类别,统一社会信用代码,证件类型,证件号码,行政处罚决定书文号,违法事实,处罚决定日期",
        "福州马尾康宁医疗器械有限公司,法人及非法人组织,91350105MA2Y00001R,,,榕马市监罚〔2025〕9号,"
        "未按规定标价,2025/06/30",
        "陈明,自然人,,身份证,350105198506123010,榕马公罚〔2025〕10号,违反治安管理,20250701",
    ])
    job = imports.create_job(unit, write(media, "sgs.csv", text), enqueue=False,
                             default_severity="general")
    assert (job.default_severity, job.message) == ("general", "")  # a field, not message text
    job = imports.run(job.pk, today=dt.date(2025, 12, 1))
    assert (job.status, job.accepted) == ("done", 2), job.errors
    record = Record.objects.get(decision_no="榕马公罚〔2025〕10号")
    assert record.behavior == "administrative_penalty" and record.decided_on == dt.date(2025, 7, 1)
    assert record.trace[0]["policy"] == "cn-ndrc-2019-527"


def test_an_unknown_default_severity_is_refused_by_name(unit: Any, media: Path) -> None:
    with pytest.raises(DomainError) as refused:
        imports.create_job(unit, write(media, "a.csv", "x\n"), enqueue=False,
                           default_severity="huge")
    assert (refused.value.field, refused.value.msg) == (
        "default_severity", "应为轻微（minor）、一般（general）或严重（serious）")
    assert not ImportJob.objects.exists()


def test_the_run_reads_the_jobs_field(loaded: Any, unit: Any, media: Path) -> None:
    text = ("行政相对人名称,行政相对人类别,统一社会信用代码,行政处罚决定书文号,违法事实,处罚决定日期\n"
            "福州马尾康宁医疗器械有限公司,法人及非法人组织,91350105MA2Y00001R,榕马市监罚〔2025〕9号,"
            "未按规定标价,2025/06/30\n")
    job = imports.create_job(unit, write(media, "sgs.csv", text), enqueue=False)
    ImportJob.objects.filter(pk=job.pk).update(default_severity="serious")
    job = imports.run(job.pk, today=dt.date(2025, 12, 1))
    assert (job.status, job.accepted) == ("done", 1), job.errors
    assert Record.objects.get(decision_no="榕马市监罚〔2025〕9号").severity == "serious"


def test_missing_severity_is_named(loaded: Any, unit: Any, media: Path) -> None:
    text = "行政相对人名称,行政相对人类别,统一社会信用代码,行政处罚决定书文号,处罚决定日期\n" \
           "福州马尾康宁医疗器械有限公司,法人及非法人组织,91350105MA2Y00001R,X〔2025〕1号,2025-06-30\n"
    job = run_file(unit, write(media, "nosev.csv", text))
    assert job.status == "failed"
    assert job.errors[0]["field"] == "severity" and "默认情节" in job.errors[0]["msg"]


def test_bad_rows_refuse_the_whole_file_by_default(loaded: Any, unit: Any, media: Path) -> None:
    bad = [
        ROWS[0],
        ROWS[1].replace("91350105MA2Y00002W", "91350105MA2Y00002X"),
        ROWS[2].replace("2020-02-22", "2020-02-30"),
        ROWS[0].replace("fz_mask_fraud", "no_such_behavior").replace("1号", "9号"),
    ]
    job = run_file(unit, write(media, "bad.csv", "\n".join([HEADER, *bad])))
    assert (job.status, job.accepted, job.rejected) == ("failed", 0, 3)
    fields = {(e["row"], e["field"]) for e in job.errors}
    assert fields == {(3, "subject_code"), (4, "decided_on"), (5, "behavior")}
    assert "校验位错误" in next(e["msg"] for e in job.errors if e["row"] == 3)
    assert not Record.objects.exists() and not Subject.objects.exists()
    # The error file gives each bad row back as it was, with 行号 and 错误原因 added.
    error_file = Path(job.file_path).with_suffix(".errors.csv").read_text(encoding="utf-8-sig")
    lines = error_file.splitlines()
    assert lines[0] == f"{HEADER},行号,错误原因" and len(lines) == 4
    assert lines[1].startswith(bad[1] + ",3,subject_code：")
    assert lines[2].startswith(bad[2] + ",4,decided_on：") and "2020-02-30" in lines[2]


def test_accept_partial_keeps_good_rows(loaded: Any, unit: Any, media: Path) -> None:
    bad = ROWS[1].replace("91350105MA2Y00002W", "91350105MA2Y00002X")
    job = run_file(unit, write(media, "part.csv", "\n".join([HEADER, ROWS[0], bad])),
                   accept_partial=True)
    assert (job.status, job.accepted, job.rejected) == ("done", 1, 1)


def test_empty_and_headerless_files(loaded: Any, unit: Any, media: Path) -> None:
    with pytest.raises(DomainError, match="文件是空的"):
        imports.create_job(unit, write(media, "empty.csv", ""), enqueue=False)
    header_only = run_file(unit, write(media, "header.csv", HEADER + "\n"))
    assert header_only.status == "failed" and "没有数据行" in header_only.message
    junk = run_file(unit, write(media, "junk.csv", "a,b,c\n1,2,3\n"))
    assert junk.status == "failed" and "没有找到表头" in junk.message


def test_malformed_csv(loaded: Any, unit: Any, media: Path) -> None:
    text = HEADER + '\norganization,"unclosed quote,91350105MA2Y00001R\n'
    job = run_file(unit, write(media, "broken.csv", text))
    assert job.status == "failed"
    assert job.errors and job.errors[0]["row"] >= 2


def test_wrong_file_type(loaded: Any, unit: Any, media: Path) -> None:
    with pytest.raises(DomainError) as caught:
        imports.create_job(unit, write(media, "x.txt", "hello"), enqueue=False)
    assert caught.value.field == "file"


def test_huge_field_is_reported_not_crashing(loaded: Any, unit: Any, media: Path) -> None:
    huge = ROWS[0].replace("销售假冒口罩", "假" * 30000)
    job = run_file(unit, write(media, "huge.csv", "\n".join([HEADER, huge, ROWS[1]])),
                   accept_partial=True)
    assert (job.accepted, job.rejected) == (1, 1)
    assert job.errors[0]["field"] == "facts" and "内容过长" in job.errors[0]["msg"]


def test_formula_cells_are_kept_as_text(loaded: Any, unit: Any, media: Path) -> None:
    row = ROWS[0].replace("销售假冒口罩", "=cmd|' /C calc'!A0")
    run_file(unit, write(media, "formula.csv", "\n".join([HEADER, row])))
    assert Record.objects.get().facts == "=cmd|' /C calc'!A0"  # stored as the text it is


def test_xlsx_with_merged_header_cells(loaded: Any, unit: Any, media: Path) -> None:
    path = media / "merged.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.merge_range(0, 0, 0, 8, "马尾区市场监督管理局 2020 年 2 月失信行为信息")
    sheet.merge_range(1, 0, 1, 2, "行政相对人信息")
    sheet.merge_range(1, 3, 1, 8, "行为信息")
    for col, name in enumerate(HEADER.split(",")):
        sheet.write_string(2, col, name)
    for r, line in enumerate(ROWS, start=3):
        for col, value in enumerate(line.split(",")):
            if col in (4, 5):
                sheet.write_datetime(r, col, dt.datetime.fromisoformat(value),
                                     book.add_format({"num_format": "yyyy-mm-dd"}))
            else:
                sheet.write_string(r, col, value)
    book.close()
    job = run_file(unit, path)
    assert (job.status, job.accepted) == ("done", 3), job.errors
    assert Record.objects.get(decision_no="榕马公罚〔2020〕3号").decided_on == dt.date(2020, 2, 22)


def test_worker_killed_while_staging_then_rerun(loaded: Any, unit: Any, media: Path,
                                                monkeypatch: Any) -> None:
    rows = [ROWS[0].replace("1号", f"{i}号").replace("销售", f"第{i}批") for i in range(1, 13)]
    path = write(media, "big.csv", "\n".join([HEADER, *rows]))
    job = imports.create_job(unit, path, enqueue=False)
    monkeypatch.setattr(imports, "BATCH", 5)
    real_flush = imports.Stager.flush
    calls = {"n": 0}

    def dying_flush(self: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        real_flush(self)

    monkeypatch.setattr(imports.Stager, "flush", dying_flush)
    with pytest.raises(SystemExit):
        imports.run(job.pk, today=dt.date(2021, 1, 1))
    assert ImportJob.objects.get(pk=job.pk).status == "running"
    # SQLite stages every row before its one merge: half the rows wait there. PostgreSQL
    # stages and merges each chunk inside the run's transaction, which the death rolled back.
    staged = ImportRow.objects.filter(job_id=job.pk).count()
    assert staged == (0 if connection.vendor == "postgresql" else 5)
    assert not Record.objects.exists()
    monkeypatch.setattr(imports.Stager, "flush", real_flush)
    job = imports.run(job.pk, today=dt.date(2021, 1, 1))
    assert (job.status, job.accepted) == ("done", 12)
    assert Record.objects.count() == 12
    assert sorted(Record.objects.values_list("decision_no", flat=True)) == sorted(
        f"榕马市监罚〔2020〕{i}号" for i in range(1, 13))


def test_worker_killed_inside_the_merge_then_rerun(loaded: Any, unit: Any, media: Path,
                                                   monkeypatch: Any) -> None:
    job = imports.create_job(unit, write(media, "m.csv", "\n".join([HEADER, *ROWS])),
                             enqueue=False)
    real_audit = imports.audit

    def dying_audit(action: str, **kw: Any) -> Any:
        if action == "import.done":
            raise SystemExit("killed after the inserts, before commit")
        return real_audit(action, **kw)

    monkeypatch.setattr(imports, "audit", dying_audit)
    with pytest.raises(SystemExit):
        imports.run(job.pk, today=dt.date(2021, 1, 1))
    assert not Record.objects.exists()  # the merge rolled back whole
    monkeypatch.setattr(imports, "audit", real_audit)
    job = imports.run(job.pk, today=dt.date(2021, 1, 1))
    assert job.accepted == 3 and Record.objects.count() == 3
    assert imports.run(job.pk).accepted == 3  # a finished job is not run twice
    assert Record.objects.count() == 3


def test_progress_has_an_end(loaded: Any, unit: Any, media: Path) -> None:
    csv_path = write(media, "ok.csv", "\n".join([HEADER, *ROWS]))  # no final line break
    assert tabular.estimate_rows(csv_path) == 3
    assert tabular.estimate_rows(write(media, "nl.csv", "\n".join([HEADER, *ROWS]) + "\n")) == 3
    assert tabular.estimate_rows(media / "missing.csv") is None
    job = run_file(unit, csv_path)
    assert job.estimated_rows == 3 and job.percent is None  # done: the bar shows 完成
    job.status, job.processed = "running", 2
    assert job.percent == 66
    job.processed = 3
    assert job.percent == 99  # the merge is still to come


def test_progress_estimate_of_xlsx(loaded: Any, unit: Any, media: Path) -> None:
    path = media / "rows.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r in range(11):
        sheet.write_string(r, 0, f"r{r}")
    book.close()
    assert tabular.estimate_rows(path) == 10


def analyzed(table: str) -> int:
    """How many times the database has gathered planner statistics for `table`."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = %s",
                           [table])
            return int(cursor.fetchone()[0])
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        return int(cursor.fetchone()[0])


def test_a_large_import_refreshes_planner_statistics(loaded: Any, unit: Any, media: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    before = analyzed("records_record")
    monkeypatch.setattr(imports, "ANALYZE_AFTER", 4)
    run_file(unit, write(media, "small.csv", "\n".join([HEADER, *ROWS])))  # 3 rows: below
    assert analyzed("records_record") == before
    monkeypatch.setattr(imports, "ANALYZE_AFTER", 3)
    more = [r.replace("〔2020〕", "〔2021〕") for r in ROWS]
    run_file(unit, write(media, "large.csv", "\n".join([HEADER, *more])))
    assert analyzed("records_record") > before


# --- one live run per job, files kept private and deleted (issue 9, findings 3 and 5) ------

def many_rows(n: int) -> list[str]:
    return [ROWS[0].replace("1号", f"{i}号").replace("销售", f"第{i}批") for i in range(1, n + 1)]


def test_a_second_run_of_a_live_job_refuses(loaded: Any, unit: Any, media: Path) -> None:
    from xinyong.jobs import leases

    job = imports.create_job(unit, write(media, "ok.csv", "\n".join([HEADER, *ROWS])), enqueue=False)
    leases.claim(ImportJob, job.pk, "other-host:4242")  # alive: it beats
    with pytest.raises(leases.JobBusy, match="other-host:4242"):
        imports.run(job.pk, today=dt.date(2021, 1, 1))
    assert not Record.objects.exists() and ImportJob.objects.get(pk=job.pk).owner == "other-host:4242"


def test_a_dead_run_is_taken_over_and_its_staging_ignored(loaded: Any, unit: Any, media: Path) -> None:
    from django.utils import timezone

    from xinyong.jobs import leases

    job = imports.create_job(unit, write(media, "ok.csv", "\n".join([HEADER, *ROWS])), enqueue=False)
    dead = leases.claim(ImportJob, job.pk, "dead-host:1")
    # The dead run had staged a row (of its own attempt) before it died.
    ImportRow.objects.create(
        job_id=job.pk, attempt=dead.attempts, row_no=2, unit_id=unit.pk, kind="organization",
        name="僵尸公司", code="91350105MA2Y00002W", code_digest="x" * 64, code_masked="x",
        behavior="fz_mask_fraud", polarity="dishonest", policy_version_id=1, severity="serious",
        occurred_on=dt.date(2020, 2, 1), decided_on=dt.date(2020, 2, 2), decision_no="僵尸〔2020〕1号",
        force_majeure=False, epidemic_duty=False, status="published", lists="[]", ruling_id=0)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    job = imports.run(job.pk, today=dt.date(2021, 1, 1))
    assert (job.status, job.accepted, job.attempts) == ("done", 3, 2)
    assert Record.objects.count() == 3 and not Record.objects.filter(reported_name="僵尸公司").exists()
    assert not ImportRow.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_land_every_row_once(unit: Any, media: Path) -> None:
    """What finding 3 saw: the same job run twice at once lost rows. Now one run works and
    the other refuses (or finds it done); every row lands exactly once."""
    import threading

    from django.db import connection

    from xinyong.jobs import leases
    from xinyong.policies import loader

    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
            ("file:memorydb", ":memory:")):
        # Threads on the shared-cache test database get "table is locked" at once (no busy
        # wait), whichever run wins the lease; PostgreSQL runs this.
        pytest.skip("in-memory SQLite cannot be shared by threads; PostgreSQL runs this")
    loader.load_shipped()
    rows = many_rows(3000)
    job = imports.create_job(unit, write(media, "many.csv", "\n".join([HEADER, *rows])), enqueue=False)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def run(owner: str) -> None:
        try:
            start.wait()
            outcomes.append(imports.run(job.pk, today=dt.date(2021, 1, 1), owner=owner).status)
        except leases.JobBusy:
            outcomes.append("busy")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f"host-{i}:1",)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) in (["busy", "done"], ["done", "done"])
    job = ImportJob.objects.get(pk=job.pk)
    assert (job.status, job.accepted, job.duplicates) == ("done", 3000, 0)
    assert Record.objects.count() == 3000
    assert Record.objects.values("decision_no").distinct().count() == 3000
    assert not ImportRow.objects.exists()


def test_an_unexpected_error_fails_the_job_with_a_message(loaded: Any, unit: Any, media: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    job = imports.create_job(unit, write(media, "ok.csv", "\n".join([HEADER, *ROWS])), enqueue=False)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(imports.Determiner, "path", broken)
    job = imports.run(job.pk, today=dt.date(2021, 1, 1))
    assert job.status == "failed" and "磁盘已满" in job.message and "未导入任何记录" in job.message
    assert job.errors[0]["field"] == "file"
    assert not Record.objects.exists() and not ImportRow.objects.exists()


def test_a_nul_in_a_cell_is_a_row_error_naming_the_column(loaded: Any, unit: Any,
                                                          media: Path) -> None:
    bad = ROWS[1].replace("哄抬物价", "哄抬\x00物价")
    job = run_file(unit, write(media, "nul.csv", "\n".join([HEADER, ROWS[0], bad])),
                   accept_partial=True)
    assert (job.status, job.accepted, job.rejected) == ("done", 1, 1)
    assert job.errors == [{"row": 3, "field": "facts", "msg": "第 8 列含有空字符（NUL），请删除后重新提交"}]


def test_uploads_are_private_and_deleted_when_the_job_ends(loaded: Any, unit: Any,
                                                            media: Path) -> None:
    import stat

    job = imports.create_job(unit, write(media, "ok.csv", "\n".join([HEADER, *ROWS])), enqueue=False)
    upload = Path(job.file_path)
    assert stat.S_IMODE(upload.stat().st_mode) == 0o600
    assert stat.S_IMODE(upload.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(upload.parent.parent.stat().st_mode) == 0o700  # MEDIA_ROOT itself
    assert upload.name != "ok.csv"  # stored under a random name
    job = imports.run(job.pk, today=dt.date(2021, 1, 1))
    assert job.status == "done" and not upload.exists()
    assert len(job.sha256) == 64  # what was imported stays identifiable
    failed = run_file(unit, write(media, "bad.csv", "\n".join([HEADER, ROWS[0].replace("2020-02-20", "x")])))
    assert failed.status == "failed" and not Path(failed.file_path).exists()
    errors = imports.error_path(failed)
    assert errors.exists() and stat.S_IMODE(errors.stat().st_mode) == 0o600


def test_a_job_whose_file_is_gone_fails_clearly(loaded: Any, unit: Any, media: Path) -> None:
    job = imports.create_job(unit, write(media, "ok.csv", "\n".join([HEADER, *ROWS])), enqueue=False)
    Path(job.file_path).unlink()
    job = imports.run(job.pk)
    assert job.status == "failed" and "已不在服务器上" in job.message


def test_resume_from_the_command_line(loaded: Any, unit: Any, media: Path) -> None:
    from django.core.management import CommandError, call_command
    from django.utils import timezone

    from xinyong.jobs import leases

    job = imports.create_job(unit, write(media, "ok.csv", "\n".join([HEADER, *ROWS])), enqueue=False)
    leases.claim(ImportJob, job.pk, "crashed-worker:7")
    with pytest.raises(CommandError, match="正由 crashed-worker:7 运行"):
        call_command("import", resume=job.pk)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    call_command("import", resume=job.pk)
    assert ImportJob.objects.get(pk=job.pk).status == "done" and Record.objects.count() == 3
    with pytest.raises(CommandError, match="没有编号为 999999 的导入任务"):
        call_command("import", resume=999999)


@pytest.mark.django_db(transaction=True)
def test_a_second_run_started_mid_import_changes_nothing(unit: Any, media: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The operator starts the job again while its first run is staging (finding 3: rows
    lost, staging rows left behind). The second run refuses; the first lands every row."""
    import threading
    import time

    from django.db import connection

    from xinyong.jobs import leases
    from xinyong.policies import loader

    loader.load_shipped()
    monkeypatch.setattr(imports, "BATCH", 500)
    job = imports.create_job(unit, write(media, "many.csv", "\n".join([HEADER, *many_rows(3000)])),
                             enqueue=False)
    staged_some = threading.Event()
    real_flush = imports.Stager.flush

    def flush(self: Any) -> None:
        real_flush(self)
        if threading.current_thread().name == "first" and not staged_some.is_set():
            staged_some.set()
            time.sleep(1.0)  # the second run starts meanwhile

    monkeypatch.setattr(imports.Stager, "flush", flush)
    second: list[str] = []

    def run(name: str) -> None:
        try:
            if name == "second":
                staged_some.wait()
            outcome = imports.run(job.pk, today=dt.date(2021, 1, 1), owner=f"{name}:1").status
        except leases.JobBusy:
            outcome = "busy"
        finally:
            connection.close()
        if name == "second":
            second.append(outcome)

    threads = [threading.Thread(target=run, args=(n,), name=n) for n in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert second == ["busy"]
    job = ImportJob.objects.get(pk=job.pk)
    assert (job.status, job.accepted, job.duplicates) == ("done", 3000, 0)
    assert Record.objects.count() == 3000 and not ImportRow.objects.exists()
