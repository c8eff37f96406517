"""No plain-text ID number can be found in a dump of either database.

Persons are created and then used every way the platform offers (API and web look-ups,
profile reads, a subject user bound to the person, failed logins that type the ID number as
the user name, an ID number in a URL); then the whole database is dumped and searched.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from conftest import PASSWORD, PERSON2_CODE, PERSON_CODE, ApiClient
from xinyong.accounts.models import ApiToken, Role, Unit, User
from xinyong.subjects import codes
from xinyong.subjects.models import Subject, get_or_create_subject

pytestmark = pytest.mark.django_db(transaction=True)


def dump_database() -> str:
    """The whole database as text, as a backup or a stolen copy would hold it."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return "\n".join(connection.connection.iterdump())
    if connection.vendor == "postgresql":
        return _pg_dump() or _select_everything()
    pytest.skip(f"no dump for {connection.vendor}")


def _pg_dump() -> str | None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        return None
    db = connection.settings_dict
    command = [pg_dump, "--no-owner", "--dbname", db["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command += [flag, str(db[key])]
    env = {"PGPASSWORD": db.get("PASSWORD") or "", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if result.returncode != 0:  # e.g. a pg_dump older than the server
        return None
    assert "COPY public.subjects_subject" in result.stdout
    return result.stdout


def _select_everything() -> str:
    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT t::text FROM {quoted} AS t")  # noqa: S608
            lines += [row[0] for row in cursor.fetchall()]
    return "\n".join(lines)


def use_every_way(users: dict[str, User], make_user: Callable[..., User],
                  person: Subject) -> None:
    office, department = users[Role.OFFICE], users[Role.DEPARTMENT]
    # A subject user bound to the person, made by the office in the web UI.
    office_web = Client()
    office_web.force_login(office, backend="xinyong.accounts.backends.UnitAwareBackend")
    response = office_web.post("/office/users/", {
        "username": "zhangsan", "display_name": "张三", "role": Role.SUBJECT,
        "subject_code": PERSON_CODE, "password": "Zhangsan-2026-pass",
    })
    assert response.status_code == 302, response.content.decode()[:500]
    zhangsan = User.objects.get(username="zhangsan")
    assert zhangsan.subject == person
    # API: look-ups and profile reads by staff and by the person.
    for user in (office, department):
        client = ApiClient(ApiToken.issue(user, "接口测试")[1])
        assert client.post_json("/api/v1/subjects/lookup", {"code": PERSON_CODE}
                                ).status_code == 200
        assert client.post_json("/api/v1/subjects/lookup", {"code": PERSON2_CODE.lower()}
                                ).status_code == 200
        assert client.get(f"/api/v1/subjects/{person.pk}").status_code == 200
        client.get(f"/api/v1/subjects/{PERSON_CODE}")  # an ID number in a URL: a 404
    own = ApiClient(ApiToken.issue(zhangsan, "本人")[1])
    assert own.get(f"/api/v1/subjects/{person.pk}").json()["code"] == PERSON_CODE
    # Web: search and profile pages.
    office_web.post("/subjects/search/", {"code": PERSON_CODE})
    office_web.get(f"/subjects/{person.pk}/")
    # Someone types their ID number as the user name, and gets the password wrong until
    # locked out; then gets it right with the real user name.
    browser = Client()
    for _ in range(6):
        browser.post("/login/", {"username": PERSON_CODE, "password": "wrong"})
        browser.post("/login/", {"username": PERSON_CODE.lower(), "password": "wrong"})
    assert browser.post("/login/", {"username": "zhangsan", "password": "Zhangsan-2026-pass"}
                        ).status_code == 302


@pytest.fixture
def persons(db: Any, person: Subject) -> list[Subject]:
    return [person, get_or_create_subject("person", PERSON2_CODE, "李四")[0]]


def test_no_plain_id_number_in_a_dump(
    users: dict[str, User], make_user: Callable[..., User], persons: list[Subject]
) -> None:
    use_every_way(users, make_user, persons[0])
    dump = dump_database()
    # The dump is real: it has the rows written above.
    assert "福州马尾康宁医疗器械有限公司" in dump and "zhangsan" in dump
    for number in (PERSON_CODE, PERSON2_CODE):
        assert number not in dump
        assert number.lower() not in dump
        assert codes.mask("person", number) in dump  # masked, for display
        assert codes.digest(number) in dump  # keyed hash, for look-ups
    # Nor split by separators the way a careless log line would write it.
    assert "110105-19491231-002X" not in dump and "110105 19491231 002X" not in dump


def test_encrypted_copy_is_not_the_number_and_round_trips(persons: list[Subject]) -> None:
    row = Subject.objects.get(pk=persons[0].pk)
    assert row.code == "" and row.code_cipher and PERSON_CODE not in row.code_cipher
    assert row.full_code() == PERSON_CODE


def test_the_database_refuses_a_plain_number_in_the_code_column(
    persons: list[Subject],
) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Subject.objects.filter(pk=persons[0].pk).update(code=PERSON_CODE)


def test_units_and_tokens_are_in_the_dump_but_raw_tokens_are_not(
    users: dict[str, User],
) -> None:
    _, raw = ApiToken.issue(users[Role.OFFICE], "备份检查")
    dump = dump_database()
    assert Unit.objects.get().code in dump
    assert raw not in dump and PASSWORD not in dump


def test_no_plain_id_number_after_records_imports_checks_and_cases(
    unit: Unit, users: dict[str, User], make_user: Callable[..., User], persons: list[Subject],
    api: Callable[..., ApiClient], settings: Any, tmp_path: Any,
) -> None:
    """A person's number reaches the platform through a record, a bulk file (also in the
    wrong column, so that the error message would quote it), a check and a repair case."""
    import datetime as dt

    from xinyong.policies import loader
    from xinyong.records import imports
    from xinyong.repairs import services as repairs

    loader.load_shipped()
    settings.MEDIA_ROOT = tmp_path / "media"
    dept = api(users[Role.DEPARTMENT])
    created = dept.post_json("/api/v1/records", {
        "subject": {"kind": "person", "name": "张三", "code": PERSON_CODE},
        "behavior": "administrative_penalty", "occurred_on": "2026-03-20",
        "decided_on": "2026-04-01", "decision_no": "存储测试〔2026〕1号",
        "facts": f"当事人（身份证号 {PERSON_CODE}）无证经营",
        "severity": "general"})
    assert created.status_code == 201, created.content
    bad_digit = PERSON2_CODE[:-1] + ("5" if PERSON2_CODE[-1] != "5" else "6")
    csv_text = "\n".join([
        "subject_kind,subject_name,subject_code,behavior,occurred_on,decided_on,decision_no,facts,severity",
        f"person,李四,{PERSON2_CODE},administrative_penalty,2026-03-01,2026-03-10,存储测试〔2026〕2号,,general",
        f"person,李四,{bad_digit},administrative_penalty,2026-03-01,2026-03-10,存储测试〔2026〕3号,,general",
        f"person,李四,李四,administrative_penalty,2026-03-01,{PERSON2_CODE},存储测试〔2026〕4号,,general",
    ])
    path = tmp_path / "persons.csv"
    path.write_text(csv_text, encoding="utf-8")
    job = imports.create_job(unit, path, enqueue=False, accept_partial=True)
    job = imports.run(job.pk)
    assert (job.accepted, job.rejected) == (1, 2)
    checked = dept.post_json("/api/v1/checks", {"scenario": "government_procurement",
                                                "subjects": [PERSON_CODE, bad_digit]})
    assert checked.status_code == 200
    owner = make_user("zhangsan", Role.SUBJECT, subject=persons[0])
    record_id = created.json()["id"]
    repairs.apply(owner, record_id, f"本人{PERSON_CODE}已缴清罚款", True, today=dt.date(2026, 8, 3))
    dump = dump_database()
    assert "存储测试〔2026〕2号" in dump and "张三" in dump  # the dump holds what was written
    assert "当事人（身份证号 110105********002X）无证经营" in dump  # facts kept, number masked
    for number in (PERSON_CODE, PERSON2_CODE, bad_digit):
        assert number not in dump, number


# Ways of writing PERSON_CODE that stayed in clear before the one recogniser (issue 9, 4).
WRITTEN = [
    "110105 19491231 002X", "110105-19491231-002X", "ID11010519491231002X",
    "身份证11010519491231002X号", "110105491231002", "440524188001010014X",
    "１１０１０５１９４９１２３１００２Ｘ",
]


def test_no_written_form_of_a_number_is_stored_or_shown(
    unit: Unit, users: dict[str, User], make_user: Callable[..., User], persons: list[Subject],
    api: Callable[..., ApiClient], settings: Any, tmp_path: Any,
) -> None:
    """Facts, statements, decision reasons, check inputs, import errors and file names,
    each with numbers written with spaces, hyphens, letters beside them, 15 digits or a
    trailing X; then the stored rows, the anonymous pages and an export are searched."""
    import datetime as dt

    from xinyong.policies import loader
    from xinyong.records import imports
    from xinyong.repairs import services as repairs

    loader.load_shipped()
    settings.MEDIA_ROOT = tmp_path / "media"
    every = "；".join(WRITTEN)
    dept = api(users[Role.DEPARTMENT])
    created = dept.post_json("/api/v1/records", {
        "subject": {"kind": "organization", "name": "福州马尾康宁医疗器械有限公司",
                    "code": "91350105MA2Y00001R"},
        "behavior": "administrative_penalty", "occurred_on": "2026-03-20",
        "decided_on": "2026-04-01", "decision_no": "写法测试〔2026〕1号",
        "facts": f"法定代表人证件号：{every}", "severity": "general"})
    assert created.status_code == 201, created.content
    record_id = created.json()["id"]
    checked = dept.post_json("/api/v1/checks", {"scenario": "government_procurement",
                                                "subjects": WRITTEN})
    assert checked.status_code == 200
    shown = [r["code_masked"] for r in checked.json()["results"]]
    path = tmp_path / f"名单{WRITTEN[1]}.csv"
    path.write_text("subject_kind,subject_name,subject_code,behavior,occurred_on,decided_on,"
                    "decision_no,facts,severity\n"
                    f"person,李四,{WRITTEN[0]}X,administrative_penalty,2026-03-01,2026-03-10,"
                    f"写法测试〔2026〕2号,{WRITTEN[2]},general\n", encoding="utf-8")
    job = imports.run(imports.create_job(unit, path, enqueue=False, accept_partial=True).pk)
    assert job.rejected == 1
    owner = make_user("kangning", Role.SUBJECT, subject=Subject.objects.get(code="91350105MA2Y00001R"))
    repair = repairs.apply(owner, record_id, f"法定代表人 {every} 已缴清罚款", True,
                           today=dt.date(2026, 8, 3))
    repairs.workflow.accept(repair.pk, users[Role.DEPARTMENT])
    repairs.workflow.decide(repair.pk, users[Role.DEPARTMENT], "reject", f"经办人核对 {every} 材料不全")
    anonymous = Client()
    pages = [anonymous.get(f"/records/{record_id}/").content.decode(),
             ApiClient().get(f"/api/v1/repairs/by-code/{repair.query_code}").content.decode(),
             anonymous.get(f"/repairs/track/{repair.query_code}/").content.decode()]
    dump = dump_database()
    assert "写法测试〔2026〕1号" in dump and "法定代表人证件号" in dump  # the dump holds the rows
    assert "法定代表人证件号" in pages[0]  # the page shows the facts
    for text in [dump, *pages, "\n".join(shown)]:
        for form in WRITTEN:
            assert form not in text, form
        assert "19491231" not in text and "49123100" not in text
        assert "188001010014" not in text
