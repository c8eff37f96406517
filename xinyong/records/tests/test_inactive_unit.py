"""Nothing is submitted for a deactivated member unit, by any path: the API, the form, a
bulk file its users queued before it was deactivated (or that is running when it is),
the command line's `import --unit`, and the services themselves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from conftest import UNIT_CODE
from xinyong.accounts.models import Role, Unit, User
from xinyong.audit.models import AuditEvent
from xinyong.lib.errors import DomainError
from xinyong.records import imports, services
from xinyong.records.models import ImportJob, ImportRow, Record

from .test_api import body
from .test_imports import HEADER, ROWS, write
from .test_views import form_data

TODAY = dt.date(2021, 1, 1)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def bob(users: dict[str, User]) -> User:
    return users[Role.DEPARTMENT]


def deactivate(unit: Unit) -> None:
    Unit.objects.filter(pk=unit.pk).update(is_active=False)
    unit.refresh_from_db()


def test_api_submission_is_refused(loaded: Any, bob: User, unit: Unit,
                                   api: Callable[..., Any]) -> None:
    client = api(bob)
    deactivate(unit)
    assert client.post_json("/api/v1/records", body()).status_code == 401
    assert client.post("/api/v1/imports", {"file": StringIO("x")}).status_code == 401
    assert not Record.objects.exists() and not ImportJob.objects.exists()


def test_form_submission_is_refused(loaded: Any, bob: User, unit: Unit,
                                    web: Callable[..., Client]) -> None:
    client = web(bob)
    deactivate(unit)
    response = client.post("/records/new/", form_data())
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not Record.objects.exists()


def test_the_service_refuses_a_deactivated_unit(loaded: Any, bob: User, unit: Unit) -> None:
    deactivate(unit)
    sub = services.Submission(
        subject_kind="organization", subject_name="福州马尾康宁医疗器械有限公司",
        subject_code="91350105MA2Y00001R", behavior="fz_mask_fraud",
        occurred_on=dt.date(2020, 2, 10), decided_on=dt.date(2020, 2, 20),
        decision_no="榕马市监罚〔2020〕1号", facts="销售假冒口罩", severity="serious")
    with pytest.raises(DomainError) as caught:
        services.submit(unit, sub, actor=bob, today=TODAY)
    assert caught.value.field == "unit" and "已停用" in caught.value.msg
    assert not Record.objects.exists()


def test_no_import_job_for_a_deactivated_unit(loaded: Any, unit: Unit, media: Path) -> None:
    deactivate(unit)
    with pytest.raises(DomainError) as caught:
        imports.create_job(unit, write(media, "ok.csv", "\n".join([HEADER, *ROWS])),
                           enqueue=False)
    assert caught.value.field == "unit" and "已停用" in caught.value.msg
    assert not ImportJob.objects.exists()


def test_a_queued_import_fails_once_the_unit_is_deactivated(
    loaded: Any, bob: User, unit: Unit, media: Path
) -> None:
    job = imports.create_job(unit, write(media, "ok.csv", "\n".join([HEADER, *ROWS])),
                             actor=bob, enqueue=False)
    deactivate(unit)
    job = imports.run(job.pk, today=TODAY)
    assert job.status == "failed" and job.accepted == 0
    assert "市场监督管理局" in job.message and "已停用" in job.message
    assert job.errors[0]["field"] == "unit"
    assert not Record.objects.exists() and not ImportRow.objects.exists()
    assert AuditEvent.objects.filter(action="import.failed", object_id=str(job.pk)).exists()


def test_an_import_running_when_the_unit_is_deactivated_merges_nothing(
    loaded: Any, bob: User, unit: Unit, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = imports.create_job(unit, write(media, "ok.csv", "\n".join([HEADER, *ROWS])),
                             actor=bob, enqueue=False)
    real_lock = imports._lock_for_merge

    def deactivate_then_lock(job: Any) -> bool:
        deactivate(unit)  # after every row was read (and, on PostgreSQL, merged), before commit
        return real_lock(job)

    monkeypatch.setattr(imports, "_lock_for_merge", deactivate_then_lock)
    job = imports.run(job.pk, today=TODAY)
    assert job.status == "failed" and "已停用" in job.message
    assert not Record.objects.exists() and not ImportRow.objects.exists()


def test_cli_import_refuses_a_deactivated_unit(loaded: Any, unit: Unit, media: Path) -> None:
    deactivate(unit)
    path = write(media, "ok.csv", "\n".join([HEADER, *ROWS]))
    with pytest.raises(CommandError) as caught:
        call_command("import", str(path), "--unit", UNIT_CODE, stdout=StringIO(),
                     stderr=StringIO())
    message = str(caught.value)
    assert message.startswith("--unit：") and "已停用" in message and "市场监督管理局" in message
    assert not ImportJob.objects.exists() and not Record.objects.exists()
