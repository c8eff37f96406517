"""Pickup codes and print tickets: asked for by a subject's own user, 8 random digits kept as a
keyed hash, expiring, used once, replaced by a newer one; a terminal that guesses is locked;
a ticket prints its subject's report once, at the terminal's place."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from xinyong.accounts.models import Role, User
from xinyong.audit.models import AuditEvent
from xinyong.kiosk import services
from xinyong.kiosk.models import PickupCode, Terminal, code_digest
from xinyong.kiosk.tests.conftest import PLACE
from xinyong.lib.errors import DomainError
from xinyong.reports.models import Report


def stored_code_rows() -> str:
    table = connection.ops.quote_name(PickupCode._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
        return repr(cursor.fetchall())


def wrong_code(right: str) -> str:
    return f"{(int(right) + 1) % 10 ** 8:08d}"


def test_a_code_is_eight_random_digits_kept_only_as_a_keyed_hash(owner: User, settings: Any) -> None:
    before = timezone.now()
    row, code = services.request_code(owner, "full")
    assert len(code) == 8 and code.isdigit()
    assert code not in stored_code_rows()
    assert row.digest == code_digest(code) != hashlib.sha256(code.encode()).hexdigest()
    settings.SECRET_KEY = "another-" + settings.SECRET_KEY  # keyed: another key, another digest
    assert code_digest(code) != row.digest
    assert row.subject_id == owner.subject_id and row.requested_by == owner and row.version == "full"
    minutes = (row.expires_at - before).total_seconds() / 60
    assert settings.KIOSK_CODE_MINUTES - 0.1 < minutes < settings.KIOSK_CODE_MINUTES + 0.1
    event = AuditEvent.objects.get(action="kiosk.code")
    assert event.actor == owner and event.object_id == str(row.pk) and code not in event.summary
    assert "完整版" in event.summary


def test_codes_differ(owner: User, person_user: User) -> None:
    codes = {services.request_code(user, "public")[1] for user in [owner, person_user] * 10}
    assert len(codes) == 20


@pytest.mark.parametrize("role", [Role.OFFICE, Role.DEPARTMENT, Role.INSTITUTION])
def test_only_subject_users_ask_for_codes(users: dict[str, User], role: str) -> None:
    with pytest.raises(DomainError) as refused:
        services.request_code(users[role], "public")
    assert refused.value.status == 403 and "主体本人" in refused.value.msg
    assert not PickupCode.objects.exists()


def test_anonymous_and_inactive_users_ask_for_none(owner: User) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(DomainError):
        services.request_code(AnonymousUser(), "public")
    owner.is_active = False
    with pytest.raises(DomainError):
        services.request_code(owner, "public")
    assert not PickupCode.objects.exists()


def test_the_version_must_be_one_of_the_two(owner: User) -> None:
    with pytest.raises(DomainError) as refused:
        services.request_code(owner, "secret")
    assert refused.value.field == "version"


def test_a_code_is_used_once(terminal: Terminal, code_for: Any, owner: User) -> None:
    code = code_for()
    redeemed = services.redeem(terminal, code)
    assert redeemed.code.subject_id == owner.subject_id and len(redeemed.ticket) > 40
    row = PickupCode.objects.get()
    assert row.used_at is not None and row.terminal == terminal
    assert row.ticket_digest == hashlib.sha256(redeemed.ticket.encode()).hexdigest()
    assert redeemed.ticket not in stored_code_rows()
    with pytest.raises(DomainError) as again:
        services.redeem(terminal, code)
    assert again.value.msg == services.WRONG_CODE and "取件码不正确或已过期" in again.value.msg
    event = AuditEvent.objects.get(action="kiosk.redeem")
    assert event.actor == owner and PLACE in event.summary and code not in event.summary


def test_a_code_used_at_one_terminal_is_refused_at_another(terminal: Terminal, office: User,
                                                           code_for: Any) -> None:
    other, _ = services.register_terminal("2 号机", "二楼", actor=office)
    code = code_for()
    services.redeem(terminal, code)
    with pytest.raises(DomainError):
        services.redeem(other, code)


def test_a_code_expires(terminal: Terminal, code_for: Any, settings: Any) -> None:
    code = code_for()
    row = PickupCode.objects.get()
    # Passing `now`: one second before the end it works, at the end it does not.
    with pytest.raises(DomainError) as late:
        services.redeem(terminal, code, now=row.expires_at)
    assert late.value.msg == services.WRONG_CODE
    assert services.redeem(terminal, code, now=row.expires_at - dt.timedelta(seconds=1))
    # Moved into the past in the database.
    code = code_for()
    PickupCode.objects.filter(used_at__isnull=True).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(DomainError):
        services.redeem(terminal, code)


def test_a_new_code_kills_the_older_live_ones(terminal: Terminal, code_for: Any,
                                              make_user: Any, organization: Any) -> None:
    first = code_for()
    colleague = make_user("carol2", Role.SUBJECT, subject=organization)  # same subject
    second = code_for(colleague, "full")
    old = PickupCode.objects.get(digest=code_digest(first))
    assert old.cancelled_at is not None
    assert old.state() == "已作废（已获取新的取件码）"
    with pytest.raises(DomainError) as refused:
        services.redeem(terminal, first)
    assert refused.value.msg == services.WRONG_CODE
    assert services.redeem(terminal, second).code.version == "full"
    assert AuditEvent.objects.filter(action="kiosk.code").first().detail["cancelled"] == [old.pk]


def test_another_subject_s_new_code_leaves_mine_alone(terminal: Terminal, code_for: Any,
                                                      person_user: User) -> None:
    mine = code_for()
    code_for(person_user)
    assert services.redeem(terminal, mine)


def test_typed_and_scanned_forms_of_a_code(terminal: Terminal, code_for: Any) -> None:
    code = code_for()
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert services.redeem(terminal, f" {full_width[:4]} {full_width[4:]}\n")
    with pytest.raises(DomainError) as short:
        services.redeem(terminal, "1234")
    assert short.value.msg == "取件码是 8 位数字"


def test_a_code_prints_its_own_subject_s_report_only(terminal: Terminal, code_for: Any,
                                                     owner: User, person_user: User,
                                                     organization: Any, person: Any) -> None:
    theirs = code_for(person_user, "full")
    mine = code_for()
    ticket = services.redeem(terminal, mine).ticket
    issued = services.print_ticket(terminal, ticket)
    assert issued.report.subject == organization and issued.report.version == "public"
    assert issued.report.requested_by == owner
    other = services.print_ticket(terminal, services.redeem(terminal, theirs).ticket)
    assert other.report.subject == person and other.report.version == "full"
    assert other.report.requested_by == person_user


def test_a_code_of_a_user_moved_to_another_subject_prints_nothing(
        terminal: Terminal, code_for: Any, owner: User, person: Any) -> None:
    code = code_for()
    owner.subject = person  # the office re-binds carol to 张三 after she asked
    owner.save()
    with pytest.raises(DomainError) as refused:
        services.redeem(terminal, code)
    assert refused.value.status == 403
    assert not Report.objects.exists() and PickupCode.objects.get().used_at is None


def test_print_makes_a_pdf_and_a_kiosk_report_once(terminal: Terminal, code_for: Any,
                                                   owner: User, organization: Any) -> None:
    ticket = services.redeem(terminal, code_for()).ticket
    issued = services.print_ticket(terminal, ticket)
    assert issued.pdf.startswith(b"%PDF")
    report = Report.objects.get()
    assert report.channel == "kiosk" and report.place == PLACE == terminal.place
    assert report.subject == organization and report.sha256 == hashlib.sha256(issued.pdf).hexdigest()
    row = PickupCode.objects.get()
    assert row.report == report and row.printed_at is not None and row.state() == "已打印"
    with pytest.raises(DomainError) as again:
        services.print_ticket(terminal, ticket)
    assert again.value.status == 410 and "只能打印一次" in again.value.msg
    assert Report.objects.count() == 1
    issue = AuditEvent.objects.get(action="report.issue")
    assert issue.actor == owner and issue.detail["place"] == PLACE


def test_a_ticket_prints_only_at_its_own_terminal(terminal: Terminal, office: User,
                                                  code_for: Any) -> None:
    other, _ = services.register_terminal("2 号机", "二楼", actor=office)
    ticket = services.redeem(terminal, code_for()).ticket
    for who, raw in ((other, ticket), (terminal, ticket[:-1] + "x"), (terminal, "")):
        with pytest.raises(DomainError) as refused:
            services.print_ticket(who, raw)
        assert refused.value.status == 404
    assert not Report.objects.exists()
    assert services.print_ticket(terminal, ticket).pdf.startswith(b"%PDF")


def test_a_ticket_not_fetched_in_time_is_dead(terminal: Terminal, code_for: Any) -> None:
    ticket = services.redeem(terminal, code_for()).ticket
    late = timezone.now() + services.TICKET_TIME + dt.timedelta(seconds=1)
    with pytest.raises(DomainError) as refused:
        services.print_ticket(terminal, ticket, now=late)
    assert refused.value.status == 410 and not Report.objects.exists()


# --- brute force ---------------------------------------------------------------------------


def guess_wrong(terminal: Terminal, right: str, times: int, now: dt.datetime) -> list[int]:
    statuses = []
    for _ in range(times):
        with pytest.raises(DomainError) as refused:
            services.redeem(terminal, wrong_code(right), now=now)
        statuses.append(refused.value.status)
    return statuses


def test_five_wrong_codes_lock_the_terminal_for_a_minute(terminal: Terminal, code_for: Any,
                                                         office: User) -> None:
    right = code_for()
    now = timezone.now()
    assert guess_wrong(terminal, right, 4, now) == [422] * 4
    with pytest.raises(DomainError) as locked:
        services.redeem(terminal, wrong_code(right), now=now)
    assert locked.value.status == 429 and "暂停受理" in locked.value.msg and "60 秒" in locked.value.msg
    # While locked even the right code is refused, and says how long is left.
    with pytest.raises(DomainError) as still:
        services.redeem(terminal, right, now=now + dt.timedelta(seconds=45))
    assert still.value.status == 429 and "15 秒" in still.value.msg
    assert PickupCode.objects.get().used_at is None
    # Other terminals are not locked.
    other, _ = services.register_terminal("2 号机", "二楼", actor=office)
    assert guess_wrong(other, right, 1, now) == [422]
    # A minute later the terminal takes codes again.
    assert services.redeem(terminal, right, now=now + services.LOCK_TIME)
    event = AuditEvent.objects.get(action="kiosk.lock")
    assert event.object_id == str(terminal.pk)


def test_wrong_codes_count_only_in_a_row_within_minutes(terminal: Terminal, code_for: Any) -> None:
    right = code_for()
    now = timezone.now()
    assert guess_wrong(terminal, right, 4, now) == [422] * 4
    later = now + services.FAILURE_WINDOW + dt.timedelta(seconds=1)
    assert guess_wrong(terminal, right, 4, later) == [422] * 4  # a new run
    # A right code ends the run.
    assert services.redeem(terminal, right, now=later)
    right = code_for()
    assert guess_wrong(terminal, right, 4, later) == [422] * 4
    # Input that cannot be a code is not a guess.
    for text in ("", "123", "abcdefgh", "123456789"):
        with pytest.raises(DomainError) as malformed:
            services.redeem(terminal, text, now=later)
        assert malformed.value.status == 422 and "8 位数字" in malformed.value.msg
    assert guess_wrong(terminal, right, 1, later) == [429]


@pytest.mark.django_db(transaction=True)
def test_two_terminals_racing_on_one_code_one_wins(users: dict[str, User]) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("row locks need a server database; PostgreSQL runs this")
    office, owner = users[Role.OFFICE], users[Role.SUBJECT]
    terminals = [services.register_terminal(f"{n} 号机", f"大厅 {n}", actor=office)[0]
                 for n in range(1, 7)]
    for _round in range(3):
        code = services.request_code(owner, "public")[1]
        start = threading.Barrier(len(terminals))
        answers: list[str] = []

        def redeem(terminal: Terminal, code: str = code, start: Any = start,
                   answers: list[str] = answers) -> None:
            try:
                start.wait()
                services.redeem(terminal, code)
                answers.append("won")
            except DomainError as exc:
                answers.append(exc.msg)
            finally:
                connection.close()

        threads = [threading.Thread(target=redeem, args=(t,)) for t in terminals]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(answers) == sorted([services.WRONG_CODE] * 5 + ["won"])
    assert PickupCode.objects.filter(used_at__isnull=False).count() == 3
    assert PickupCode.objects.exclude(ticket_digest=None).count() == 3
