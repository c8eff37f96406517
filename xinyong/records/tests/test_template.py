"""The import template imports as downloaded, lists the unit's behaviours, and the error
file gives bad rows back with 错误原因, ready to fix and upload again."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from xinyong.accounts.models import Role, Unit, User
from xinyong.records import imports
from xinyong.records.models import ImportJob, Record


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def mawei(users: dict[str, User]) -> User:
    return users[Role.DEPARTMENT]


@pytest.fixture
def taicang(taicang_unit: Unit, make_user: Callable[..., User]) -> User:
    return make_user("tc_reporter", Role.DEPARTMENT, unit=taicang_unit)


def run(unit: Unit, path: Path) -> ImportJob:
    job = imports.create_job(unit, path, enqueue=False)
    return imports.run(job.pk)


def sheets(content: bytes) -> dict[str, list[list[Any]]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


@pytest.mark.parametrize("who", ["mawei", "taicang"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_imports_as_downloaded(
        loaded: Any, who: str, fmt: str, request: Any, web: Callable[..., Any], media: Path) -> None:
    # What was seen: the template failed on its own sample row (fz_fake_masks).
    user: User = request.getfixturevalue(who)
    assert user.unit is not None
    response = web(user).get(f"/records/imports/template.{fmt}")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    path = media / f"template.{fmt}"
    path.write_bytes(response.content)
    job = run(user.unit, path)
    assert (job.status, job.rejected) == ("done", 0), job.errors
    assert job.accepted == Record.objects.count() >= 3
    behaviors = set(Record.objects.values_list("behavior", flat=True))
    local = "fz_" if who == "mawei" else "tc_"
    assert "administrative_penalty" in behaviors
    assert any(b.startswith(local) for b in behaviors)


def test_the_xlsx_lists_the_units_behaviours_and_how_to_fill_it_in(
        loaded: Any, mawei: User, taicang: User, users: dict[str, User],
        web: Callable[..., Any]) -> None:
    found = sheets(web(mawei).get("/records/imports/template.xlsx").content)
    assert list(found) == ["信用记录", "行为代码", "填写说明"]
    assert found["信用记录"][0][:3] == ["主体类别", "主体名称", "统一社会信用代码"]
    codes = {row[0] for row in found["行为代码"][1:]}
    assert "fz_mask_fraud" in codes and "administrative_penalty" in codes
    assert not any(c.startswith("tc_") for c in codes)
    assert any("示例行" in str(row[0]) for row in found["填写说明"])
    theirs = {row[0] for row in sheets(web(taicang).get(
        "/records/imports/template.xlsx").content)["行为代码"][1:]}
    assert "tc_price_gouging" in theirs and not any(c.startswith("fz_") for c in theirs)
    # The office is in no area: every pack's behaviours, with the area each governs.
    office = sheets(web(users[Role.OFFICE]).get("/records/imports/template.xlsx").content)["行为代码"]
    areas = {row[0]: row[-1] for row in office[1:]}
    assert areas["tc_price_gouging"] == "太仓市（320585）"
    assert areas["fz_mask_fraud"] == "福州市（350100）"
    assert areas["administrative_penalty"] == "全部地区"
    listing = web(mawei).get("/records/imports/behaviors.csv").content.decode("utf-8-sig")
    assert listing.startswith("行为代码,行为") and "tc_" not in listing


def test_the_error_file_fixed_imports(loaded: Any, mawei: User, web: Callable[..., Any],
                                      media: Path) -> None:
    assert mawei.unit is not None
    template = web(mawei).get("/records/imports/template.csv").content.decode("utf-8-sig")
    header, first, *rest = template.splitlines()
    broken = first.replace("91350100M000100Y43", "91350100M000100Y44")  # wrong check digit
    path = media / "upload.csv"
    path.write_text("\n".join([header, broken, *rest]), encoding="utf-8")
    job = run(mawei.unit, path)
    assert job.status == "failed" and job.rejected == 1
    response = web(mawei).get(f"/records/imports/{job.pk}/errors.csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == header + ",行号,错误原因"
    assert lines[1].startswith(broken + ",2,统一社会信用代码：") and "校验位" in lines[1]
    fixed = media / "fixed.csv"
    fixed.write_text("\n".join([lines[0], lines[1].replace("91350100M000100Y44", "91350100M000100Y43")]),
                     encoding="utf-8")
    again = run(mawei.unit, fixed)
    assert (again.status, again.accepted, again.rejected) == ("done", 1, 0), again.errors
    from xinyong.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="import.errors_download", object_id=str(job.pk)).exists()
