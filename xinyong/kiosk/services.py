"""Terminals, pickup codes and print tickets: the one place for each of their rules.

- The office registers a terminal and is shown its token once; revoking it stops the
  terminal at its next request.
- A subject's own user asks for a code (公开版 or 完整版); a new code replaces the subject's
  live ones. A code is 8 random digits, unique among live codes, lives
  `KIOSK_CODE_MINUTES`, and is used once.
- A terminal redeems a code (row locks: of two terminals racing, one wins) and gets a
  one-time print ticket; printing the ticket issues the report (`reports.services.issue`,
  channel 自助终端打印, the terminal's place) and the ticket is dead.
- Wrong codes: `MAX_FAILURES` in a row within `FAILURE_WINDOW` lock the terminal for
  `LOCK_TIME`; while locked it does not even look at codes.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from xinyong.accounts.models import Role
from xinyong.audit.models import record as audit
from xinyong.kiosk.models import (
    CODE_DIGITS,
    TERMINAL_TOKEN_PREFIX,
    PickupCode,
    Terminal,
    code_digest,
    token_digest,
)
from xinyong.lib.errors import DomainError
from xinyong.reports import choices as report_choices
from xinyong.reports import services as reports

MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=5)
LOCK_TIME = dt.timedelta(minutes=1)
# A ticket not fetched this soon after its code was redeemed is dead (the code too).
TICKET_TIME = dt.timedelta(minutes=5)
LAST_SEEN_RESOLUTION = dt.timedelta(minutes=1)

WRONG_CODE = "取件码不正确或已过期（每个取件码只能使用一次），请核对后重新输入"
CODE_RE = re.compile(rf"\d{{{CODE_DIGITS}}}")


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _hhmm(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


# --- terminals (the office) ---------------------------------------------------------------


def _require_office(actor: Any) -> None:
    if getattr(actor, "role", None) != Role.OFFICE:
        raise DomainError("", "只有信用办可以管理自助服务终端", status=403)


def register_terminal(name: str, place: str, *, actor: Any, request: HttpRequest | None = None
                      ) -> tuple[Terminal, str]:
    """Register a terminal; returns it and its raw token, which is never stored."""
    _require_office(actor)
    name, place = name.strip(), place.strip()
    if not name:
        raise DomainError("name", "请填写终端名称")
    if not place:
        raise DomainError("place", "请填写放置地点：它会打印在报告上")
    if len(name) > 100:
        raise DomainError("name", "终端名称不超过 100 个字")
    if len(place) > 200:
        raise DomainError("place", "放置地点不超过 200 个字")
    raw = TERMINAL_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        terminal = Terminal.objects.create(name=name, place=place, registered_by=actor,
                                           prefix=raw[: len(TERMINAL_TOKEN_PREFIX) + 6],
                                           digest=token_digest(raw))
        audit("kiosk.register", request=request, actor=actor, obj=terminal,
              summary=f"登记自助服务终端“{name}”（{place}），令牌 {terminal.prefix}…")
    return terminal, raw


def revoke_terminal(terminal: Terminal, *, actor: Any, request: HttpRequest | None = None
                    ) -> Terminal:
    """停用: the terminal's token stops working at its next request. Idempotent."""
    _require_office(actor)
    with transaction.atomic():
        locked = Terminal.objects.select_for_update().get(pk=terminal.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            audit("kiosk.revoke", request=request, actor=actor, obj=locked,
                  summary=f"停用自助服务终端“{locked.name}”（{locked.place}）")
    return locked


def terminal_for_token(raw: str, now: dt.datetime | None = None) -> Terminal | None:
    """The live terminal a token belongs to (None for an unknown or revoked one); notes
    when it was last seen, at most once a minute."""
    if not raw or not raw.startswith(TERMINAL_TOKEN_PREFIX):
        return None
    terminal = Terminal.objects.filter(digest=token_digest(raw), revoked_at__isnull=True).first()
    if terminal is not None:
        now = _now(now)
        if terminal.last_seen_at is None or terminal.last_seen_at < now - LAST_SEEN_RESOLUTION:
            Terminal.objects.filter(pk=terminal.pk).update(last_seen_at=now)
            terminal.last_seen_at = now
    return terminal


def enrol(raw: str, *, request: HttpRequest | None = None) -> Terminal:
    """A terminal's browser is given its token (once): the view stores it in a cookie."""
    terminal = terminal_for_token(raw.strip())
    if terminal is None:
        raise DomainError("token", "终端令牌不正确或该终端已停用")
    audit("kiosk.enrol", request=request, obj=terminal,
          summary=f"自助服务终端“{terminal.name}”（{terminal.place}）在浏览器中启用")
    return terminal


# --- pickup codes (the subject) -------------------------------------------------------------


def check_subject_user(user: Any, subject_id: int | None = None) -> None:
    """Only a subject's own active user asks for codes (and its codes print only while it
    still is one)."""
    if not (getattr(user, "is_authenticated", False) and user.is_active
            and getattr(user, "role", None) == Role.SUBJECT and user.subject_id is not None
            and (subject_id is None or user.subject_id == subject_id)):
        raise DomainError("", "只有信用主体本人可以获取取件码，打印本主体的信用报告", status=403)


def _draw(now: dt.datetime) -> tuple[str, str]:
    """8 random digits whose digest no live code has."""
    for _ in range(20):
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        digest = code_digest(code)
        if not PickupCode.objects.live(now).filter(digest=digest).exists():
            return code, digest
    raise RuntimeError("could not draw an unused pickup code")


def request_code(user: Any, version: str, *, request: HttpRequest | None = None,
                 now: dt.datetime | None = None) -> tuple[PickupCode, str]:
    """A new code for the user's own subject; returns the row and the code, never stored.
    The subject's older live codes are cancelled."""
    check_subject_user(user)
    if version not in report_choices.VERSION:
        raise DomainError("version", "请选择报告版本：公开版或完整版")
    now = _now(now)
    with transaction.atomic():
        older = list(PickupCode.objects.select_for_update().live(now)
                     .filter(subject_id=user.subject_id).values_list("pk", flat=True))
        if older:
            PickupCode.objects.filter(pk__in=older).update(cancelled_at=now)
        code, digest = _draw(now)
        row = PickupCode.objects.create(
            subject_id=user.subject_id, requested_by=user, version=version, digest=digest,
            created_at=now, expires_at=now + dt.timedelta(minutes=settings.KIOSK_CODE_MINUTES))
        audit("kiosk.code", request=request, actor=user, obj=row,
              summary=f"获取自助终端取件码（{report_choices.VERSION.label(version)}），"
                      f"有效至 {_hhmm(row.expires_at)}"
                      + (f"；此前的 {len(older)} 个取件码作废" if older else ""),
              detail={"version": version, "subject_id": user.subject_id, "cancelled": older})
    return row, code


# --- at the terminal ------------------------------------------------------------------------


def normalize_code(text: str) -> str:
    """A code as typed or scanned: full-width digits read as digits, spaces and dashes
    dropped."""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in text if not ch.isspace() and ch != "-")


@dataclass(frozen=True)
class Redeemed:
    code: PickupCode
    ticket: str  # the raw one-time print ticket; only its digest is stored


def _locked_message(until: dt.datetime, now: dt.datetime) -> str:
    seconds = max(1, int((until - now).total_seconds() + 0.999))
    return f"取件码输入错误次数过多，本终端暂停受理取件码，请 {seconds} 秒后再试"


def redeem(terminal: Terminal, raw_code: str, *, request: HttpRequest | None = None,
           now: dt.datetime | None = None) -> Redeemed:
    """Use a code at a terminal: the code is spent and a one-time print ticket issued."""
    now = _now(now)
    text = normalize_code(raw_code)
    if not CODE_RE.fullmatch(text):  # cannot be a code: not counted as a wrong guess
        raise DomainError("code", f"取件码是 {CODE_DIGITS} 位数字")
    with transaction.atomic():
        here = Terminal.objects.select_for_update().get(pk=terminal.pk)
        if here.revoked_at is not None:
            raise DomainError("", "本终端已停用", status=403)
        if here.locked_until is not None and here.locked_until > now:
            raise DomainError("code", _locked_message(here.locked_until, now), status=429)
        code = (PickupCode.objects.select_for_update(of=("self",)).live(now)
                .filter(digest=code_digest(text)).select_related("subject", "requested_by").first())
        if code is not None:
            check_subject_user(code.requested_by, code.subject_id)
        ticket = secrets.token_urlsafe(32)
        # The conditional update decides: of two terminals racing on one code, one wins.
        won = code is not None and PickupCode.objects.filter(
            pk=code.pk, used_at__isnull=True, cancelled_at__isnull=True).update(
            used_at=now, terminal=here, ticket_digest=token_digest(ticket)) == 1
        if not won:
            locked = _count_failure(here, now, request)
        else:
            assert code is not None
            code.used_at, code.terminal, code.ticket_digest = now, here, token_digest(ticket)
            if here.failures or here.failures_since:
                here.failures, here.failures_since = 0, None
                here.save(update_fields=["failures", "failures_since"])
            audit("kiosk.redeem", request=request, actor=code.requested_by, obj=code,
                  summary=f"在自助服务终端“{here.name}”（{here.place}）使用取件码"
                          f"（{report_choices.VERSION.label(code.version)}）",
                  detail={"terminal_id": here.pk, "place": here.place,
                          "subject_id": code.subject_id})
    if not won:
        if locked:
            raise DomainError("code", _locked_message(now + LOCK_TIME, now), status=429)
        raise DomainError("code", WRONG_CODE)
    assert code is not None
    return Redeemed(code, ticket)


def _count_failure(terminal: Terminal, now: dt.datetime, request: HttpRequest | None) -> bool:
    """One more wrong code at a locked terminal row; True when this one locks it."""
    if terminal.failures_since is None or terminal.failures_since < now - FAILURE_WINDOW:
        terminal.failures, terminal.failures_since = 0, now
    terminal.failures += 1
    locks = terminal.failures >= MAX_FAILURES
    if locks:
        terminal.failures, terminal.failures_since = 0, None
        terminal.locked_until = now + LOCK_TIME
        audit("kiosk.lock", request=request, obj=terminal,
              summary=f"自助服务终端“{terminal.name}”连续 {MAX_FAILURES} 次输入错误的取件码，"
                      f"暂停受理 {int(LOCK_TIME.total_seconds())} 秒")
    terminal.save(update_fields=["failures", "failures_since", "locked_until"])
    return locks


def print_ticket(terminal: Terminal, raw_ticket: str, *, request: HttpRequest | None = None,
                 now: dt.datetime | None = None) -> reports.Issued:
    """Issue the report a ticket stands for, once; the PDF goes to the terminal only."""
    now = _now(now)
    with transaction.atomic():
        code = (PickupCode.objects.select_for_update(of=("self",))
                .filter(ticket_digest=token_digest(raw_ticket or ""))
                .select_related("subject", "requested_by").first())
        if code is None or code.terminal_id != terminal.pk or not terminal.is_active:
            raise DomainError("", "没有这个打印任务", status=404)
        if code.printed_at is not None:
            raise DomainError("", "该报告已经打印过了：每个取件码只能打印一次。"
                                  "如需再次打印，请在平台上重新获取取件码", status=410)
        if code.used_at is None or code.used_at < now - TICKET_TIME:
            raise DomainError("", "打印任务已超时失效，请在平台上重新获取取件码", status=410)
        check_subject_user(code.requested_by, code.subject_id)
        issued = reports.issue(code.subject, requester=code.requested_by, version=code.version,
                               channel=report_choices.KIOSK, place=terminal.place, request=request)
        code.printed_at, code.report = now, issued.report
        code.save(update_fields=["printed_at", "report"])
    return issued
