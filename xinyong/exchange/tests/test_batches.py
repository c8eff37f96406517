"""Batches: cut, written in the national columns, acknowledged with a rejected row that
goes back to the unit, the next batch incremental; a repair's sharing deadline."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from python_calamine import CalamineWorkbook

from xinyong.accounts.models import Role
from xinyong.conftest_helpers import PERSON_ID
from xinyong.exchange import batches, sharing
from xinyong.exchange.models import Batch, Change, Rejection
from xinyong.records import imports, services


def sheet(content: bytes, name: str) -> list[list[Any]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name(name).to_python()


def test_cut_write_acknowledge_and_the_next_batch(reported: dict[str, Any], users: dict[str, Any]
                                                  ) -> None:
    office = users[Role.OFFICE]
    first = batches.cut(office)
    assert (first.count, first.penalties, first.licences, first.since) == (3, 2, 1, None)
    assert list(Change.objects.filter(batch=first).order_by("row").values_list("row", "op")) == [
        (1, "new"), (2, "new"), (3, "new")]
    content, name, _ = batches.file_bytes(first, "xlsx")
    assert name == f"上报批次-{first.pk}.xlsx" and batches.file_bytes(first, "xlsx")[0] == content
    penalties = sheet(content, "行政处罚")
    assert penalties[0] == batches.PENALTY_COLUMNS
    header = penalties[0]
    fined = dict(zip(header, penalties[1], strict=True))
    assert (fined["序号"], fined["操作类型"], fined["信息状态"]) == (1.0, "新增", "0")
    assert fined["行政处罚决定书文号"] == "榕马市监罚〔2026〕11号" and fined["处罚类别"] == "罚款"
    assert fined["罚款金额(万元)"] == "5" and fined["行政相对人类别"] == "法人及非法人组织"
    person = dict(zip(header, penalties[2], strict=True))
    assert (person["证件类型"], person["证件号码"]) == ("身份证", PERSON_ID)  # shared in full upward
    licence_rows = sheet(content, "行政许可")
    assert dict(zip(licence_rows[0], licence_rows[1], strict=True))["许可类别"] == "普通"
    csv_text = batches.file_bytes(first, "csv", "licence")[0].decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("序号,操作类型,信息状态,行政相对人名称")

    acked = batches.acknowledge(first.pk, 2, [{"row": 2, "msg": "证件号码与姓名不符"}], actor=office)
    assert (acked.accepted, acked.acked_at is not None) == (2, True)
    rejection = Rejection.objects.get()
    assert (rejection.unit_id, rejection.change.object_id) == (reported["person"].unit_id,
                                                               reported["person"].pk)
    with pytest.raises(batches.DomainError) as again:
        batches.acknowledge(first.pk, 3, [], actor=office)
    assert again.value.status == 409

    # The unit corrects the entry: the task is done, and only that change is in the next batch.
    services.correct(reported["person"], {"facts": "核实后的事实"}, "按上级平台退回意见核实", actor=None)
    rejection.refresh_from_db()
    assert rejection.resolved_at is not None
    second = batches.cut(office)
    assert (second.count, second.since) == (1, first.created_at)
    row = dict(zip(batches.PENALTY_COLUMNS, next(iter(batches.rows(second, "penalty"))), strict=True))
    assert (row["序号"], row["操作类型"], row["平台记录编号"]) == (1, "更正", reported["person"].pk)
    assert batches.cut(office).count == 0  # nothing since: an empty batch proves it


def test_the_file_shows_the_version_the_batch_holds(reported: dict[str, Any]) -> None:
    first = batches.cut()
    services.correct(reported["fined"], {"facts": "改过的事实"}, "更正", actor=None)
    row = dict(zip(batches.PENALTY_COLUMNS, next(iter(batches.rows(first, "penalty"))), strict=True))
    assert row["违法事实"] == "未按规定明码标价"  # as sent, not as now


@pytest.mark.parametrize(("accepted", "rejected", "field"), [
    (1, [{"row": 9, "msg": "x"}], "rejected.0.row"),
    (1, [{"row": 1, "msg": "x"}, {"row": 1, "msg": "y"}], "rejected.1.row"),
    (4, [], "accepted"),
])
def test_bad_acknowledgements_are_named(reported: dict[str, Any], accepted: int,
                                        rejected: list[dict[str, Any]], field: str) -> None:
    batch = batches.cut()
    with pytest.raises(batches.DomainError) as refused:
        batches.acknowledge(batch.pk, accepted, rejected)
    assert refused.value.field == field
    assert Batch.objects.get(pk=batch.pk).acked_at is None and not Rejection.objects.exists()


def test_imported_files_are_in_the_outbox(loaded: Any, unit: Any, settings: Any,
                                          tmp_path: Path) -> None:
    """Set-based, inside the merge: a penalty file (its 0.5 万元 fine is published) and a
    licence file; a minor penalty would go too, marked 豁免 (test_outbox)."""
    from xinyong.records.templates import national_csv

    settings.MEDIA_ROOT = tmp_path / "media"
    for kind in ("penalties", "licences"):
        path = tmp_path / f"{kind}.csv"
        path.write_bytes(national_csv(kind, dt.date.today()))
        job = imports.run(imports.create_job(unit, path, enqueue=False).pk)
        assert job.accepted == 1, job.errors
    batch = batches.cut()
    assert (batch.penalties, batch.licences) == (1, 1)
    assert list(Change.objects.filter(batch=batch).values_list("op", flat=True)) == ["new", "new"]


class Upstream(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    answer = (200, b"")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Upstream.received.append({"headers": dict(self.headers), "body": body})
        status, payload = Upstream.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def upstream(settings: Any) -> Iterator[type[Upstream]]:
    server = HTTPServer(("127.0.0.1", 0), Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.XINYONG_UPSTREAM_URL = f"http://127.0.0.1:{server.server_port}/batches"
    settings.XINYONG_UPSTREAM_TOKEN = "secret-token"
    Upstream.received = []
    yield Upstream
    server.shutdown()


def test_push_with_a_receipt(reported: dict[str, Any], upstream: type[Upstream]) -> None:
    upstream.answer = (200, json.dumps({"accepted": 3, "rejected": []}).encode())
    batch = batches.cut()
    assert batch.push_status == "pending"
    pushed = batches.push(batch.pk)
    assert (pushed.push_status, pushed.push_attempts, pushed.accepted) == ("sent", 1, 3)
    sent = upstream.received[0]
    assert sent["headers"]["Authorization"] == "Bearer secret-token"
    assert sent["headers"]["X-Batch-Count"] == "3" and sent["headers"]["X-Batch-Sha256"] == pushed.sha256
    assert sheet(sent["body"], "行政处罚")[1][0] == 1.0


def test_a_failed_push_is_retried_then_given_up(reported: dict[str, Any], upstream: type[Upstream],
                                                 django_capture_on_commit_callbacks: Any) -> None:
    upstream.answer = (503, b"busy")
    batch = batches.cut()
    with mock.patch("xinyong.exchange.tasks.push_batch_task") as task, \
            django_capture_on_commit_callbacks(execute=True):
        failed = batches.push(batch.pk)
    assert (failed.push_status, failed.push_attempts) == ("pending", 1) and "503" in failed.push_error
    assert task.using.call_args.kwargs["run_after"] > batch.created_at  # booked for later
    task.using.return_value.enqueue.assert_called_once_with(batch.pk)
    Batch.objects.filter(pk=batch.pk).update(push_attempts=len(batches.PUSH_DELAYS))
    given_up = batches.push(batch.pk)
    assert given_up.push_status == "failed"


def test_only_https_upstreams(reported: dict[str, Any], settings: Any) -> None:
    settings.XINYONG_UPSTREAM_URL = "http://upstream.example.cn/batches"
    batch = batches.cut()
    with mock.patch("xinyong.exchange.tasks.push_batch_task"):
        failed = batches.push(batch.pk)
    assert "https" in failed.push_error


def test_a_repairs_sharing_deadline(reported: dict[str, Any], users: dict[str, Any],
                                    unit: Any) -> None:
    from xinyong.repairs import services as repairs

    record = reported["fined"]
    subject_user = users[Role.SUBJECT]
    subject_user.subject = record.subject
    subject_user.save()
    day = record.repairable_from
    with mock.patch("django.utils.timezone.localdate", return_value=day):
        repair = repairs.apply(subject_user, record.pk, "已缴清罚款", True, today=day)
        repairs.workflow.decide(repair.pk, users[Role.DEPARTMENT], "approve", "已履行")
    repair.refresh_from_db()
    shared = sharing.repair_sharing(repair, today=day)
    assert shared is not None and (shared.state, shared.working_days) == ("waiting", 3)
    late = sharing.repair_sharing(repair, today=shared.due_by + dt.timedelta(days=1))
    assert late is not None and late.state == "overdue"
    batches.cut()
    with mock.patch("django.utils.timezone.localdate", return_value=day):
        met = sharing.repair_sharing(repair)
    assert met is not None and met.state == "met" and met.batch is not None
