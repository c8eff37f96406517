"""`xinyong unit create`, `user create`, `token create`: errors name the argument; the token
is the last line of stdout. One real run of the installed `xinyong` command on a new database.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from conftest import BANK2_CODE, BANK_CODE, PERSON_CODE, UNIT2_CODE, UNIT_CODE, ApiClient
from xinyong.accounts.models import ApiToken, Role, Unit, User
from xinyong.audit.models import AuditEvent

XINYONG = Path(sys.executable).with_name("xinyong")


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fails(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        run(*args)
    return str(caught.value)


# unit create


def test_unit_create(db: Any) -> None:
    out, _ = run("unit", "create", UNIT_CODE, "--name", "市场监督管理局")
    unit = Unit.objects.get()
    assert (unit.code, unit.name) == (UNIT_CODE, "市场监督管理局")
    assert out.strip() == f"created unit {UNIT_CODE} 市场监督管理局"
    event = AuditEvent.objects.get()
    assert (event.action, event.via, event.actor) == ("unit.create", "cli", None)


@pytest.mark.parametrize(
    ("args", "starts", "says"),
    [
        (["1135010500300000", "--name", "x"], "CODE：", "应为 18 位，实际为 16 位"),
        (["11350105003000004I", "--name", "x"], "CODE：", "不允许的字符“I”"),
        (["113501050030000042", "--name", "x"], "CODE：", "校验位错误"),
        ([UNIT_CODE, "--name", "  "], "--name：", "不能为空"),
    ],
)
def test_unit_create_errors_name_the_argument(
    db: Any, args: list[str], starts: str, says: str
) -> None:
    message = fails("unit", "create", *args)
    assert message.startswith(starts) and says in message
    assert not Unit.objects.exists() and not AuditEvent.objects.exists()


def test_unit_create_duplicates(unit: Unit) -> None:
    assert fails("unit", "create", UNIT_CODE, "--name", "另一个").startswith("CODE：")
    assert fails("unit", "create", UNIT2_CODE, "--name", unit.name).startswith("--name：")


def test_unit_create_needs_name(db: Any) -> None:
    assert "--name" in fails("unit", "create", UNIT_CODE)


# user create


def test_user_create_each_role(unit: Unit, person: Any) -> None:
    run("user", "create", "heidi", "--role", "office", "--password", "Heidi-2026-pass")
    run("user", "create", "ivan", "--role", "department", "--unit", UNIT_CODE.lower())
    run("user", "create", "judy", "--role", "subject", "--subject", PERSON_CODE)
    out, _ = run("institution", "create", BANK_CODE, "--name", "示例银行", "--region", "350105")
    assert out.strip() == f"created institution {BANK_CODE} 示例银行"
    out, _ = run("user", "create", "mallory", "--role", "institution",
                 "--institution", BANK_CODE.lower(), "--display-name", "示例银行")
    assert out.strip() == "created user mallory (institution)"
    assert User.objects.get(username="mallory").institution.name == "示例银行"
    heidi = User.objects.get(username="heidi")
    assert heidi.password.startswith("argon2$") and heidi.check_password("Heidi-2026-pass")
    assert not User.objects.get(username="ivan").has_usable_password()
    assert User.objects.get(username="ivan").unit == unit
    assert User.objects.get(username="judy").subject == person
    assert User.objects.get(username="mallory").display_name == "示例银行"
    assert AuditEvent.objects.filter(action="user.create", via="cli").count() == 4
    assert AuditEvent.objects.filter(action="institution.create", via="cli").count() == 1
    assert PERSON_CODE not in repr(list(AuditEvent.objects.values()))


@pytest.mark.parametrize(
    ("args", "starts", "says"),
    [
        (["x", "--role", "admin"], "--role：", "应为 office、department、subject、institution"),
        (["x", "--role", "department"], "--unit：", "必须指定所属单位"),
        (["x", "--role", "institution"], "--institution：", "必须指定所属金融机构"),
        (["x", "--role", "institution", "--institution", BANK2_CODE], "--institution：",
         "没有统一社会信用代码"),
        (["x", "--role", "subject", "--subject", PERSON_CODE, "--institution", BANK_CODE],
         "--institution：", "只有金融机构角色"),
        (["x", "--role", "department", "--unit", UNIT2_CODE], "--unit：", "没有统一社会信用代码"),
        (["x", "--role", "office", "--unit", UNIT_CODE], "--unit：", "只有成员单位角色"),
        (["x", "--role", "subject"], "--subject：", "必须指定绑定主体"),
        (["x", "--role", "subject", "--subject", "110105194912310021"], "--subject：",
         "校验位错误"),
        (["x", "--role", "subject", "--subject", "440524188001010014"], "--subject：",
         "没有该代码的信用主体"),
        (["x", "--role", "office", "--subject", PERSON_CODE], "--subject：", "只有信用主体角色"),
        (["bob", "--role", "office"], "NAME：", "已存在"),
    ],
)
def test_user_create_errors_name_the_argument(
    users: dict[str, User], person: Any, args: list[str], starts: str, says: str
) -> None:
    count = User.objects.count()
    message = fails("user", "create", *args)
    assert message.startswith(starts) and says in message
    assert User.objects.count() == count and not AuditEvent.objects.exists()


def test_user_create_needs_role(db: Any) -> None:
    assert "--role" in fails("user", "create", "x")


# token create


def test_token_create_prints_the_token_last(users: dict[str, User], organization: Any) -> None:
    out, err = run("token", "create", "bob")
    raw = out.splitlines()[-1]
    token = ApiToken.objects.get()
    assert token.user == users[Role.DEPARTMENT] and token.name == "命令行创建"
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in err and token.prefix in err
    assert ApiClient(raw).get(f"/api/v1/subjects/{organization.pk}").status_code == 200
    assert AuditEvent.objects.get().action == "token.create"


def test_token_create_label(users: dict[str, User]) -> None:
    run("token", "create", "bob", "--label", "报送系统")
    assert ApiToken.objects.get().name == "报送系统"


def test_token_create_unknown_or_inactive_user(users: dict[str, User]) -> None:
    assert fails("token", "create", "nobody").startswith("NAME：")
    User.objects.filter(username="bob").update(is_active=False)
    assert fails("token", "create", "bob").startswith("NAME：")
    assert not ApiToken.objects.exists()


# The installed command, for real


@pytest.mark.skipif(not XINYONG.exists(), reason="the xinyong command is not installed")
def test_installed_command_end_to_end(tmp_path: Path) -> None:
    database = tmp_path / "xinyong.sqlite3"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("XINYONG_", "DJANGO_"))}
    env |= {"XINYONG_DATABASE_URL": f"sqlite:///{database}", "XINYONG_VAR_DIR": str(tmp_path)}

    def xinyong(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(XINYONG), *args], env=env, cwd=tmp_path,  # noqa: S603
                              capture_output=True, text=True, timeout=120, check=False)
        assert (done.returncode == 0) == ok, done.stderr[-2000:]
        return done

    xinyong("migrate", "--no-input")
    xinyong("unit", "create", UNIT_CODE, "--name", "市场监督管理局")
    xinyong("user", "create", "bob", "--role", "department", "--unit", UNIT_CODE)
    done = xinyong("token", "create", "bob")
    raw = done.stdout.splitlines()[-1]
    assert raw.startswith("xy_")
    failed = xinyong("user", "create", "eve", "--role", "department", ok=False)
    assert "--unit：" in failed.stderr
    with sqlite3.connect(database) as db:
        digests = [row[0] for row in db.execute("SELECT digest FROM accounts_apitoken")]
        users = [row[0] for row in db.execute("SELECT username FROM accounts_user")]
        actions = [row[0] for row in db.execute("SELECT action FROM audit_auditevent")]
    assert digests == [hashlib.sha256(raw.encode()).hexdigest()]
    assert users == ["bob"]
    assert {"unit.create", "user.create", "token.create"} <= set(actions)
    assert (tmp_path / "secret_key").exists() and (tmp_path / "data_key").exists()
