"""The kiosk's pages: the office's terminal list, the subject's pickup code, and the screens
of a terminal (enrolment, the keypad, printing, the PDF itself).

A terminal is known by a long-lived HttpOnly, SameSite=Strict cookie holding its token
(`COOKIE`); every terminal screen looks the token up again, so a revoked terminal stops at
once and sees the enrolment screen. Terminal screens are never cached and keep nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role
from xinyong.kiosk import services
from xinyong.kiosk.forms import VERSION_HELP, CodeForm, EnrolForm, TerminalForm, VersionForm
from xinyong.kiosk.models import PickupCode, Terminal
from xinyong.lib.errors import DomainError
from xinyong.reports import choices as report_choices
from xinyong.reports.services import pdf_response

COOKIE = "xinyong_kiosk"
COOKIE_PATH = "/kiosk/"
COOKIE_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
# Seconds the printing screen waits after the PDF has gone to the printer before it says
# "take your report".
DONE_AFTER = 5


def _no_store(response: HttpResponseBase) -> HttpResponseBase:
    add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
    return response


def _screen(request: HttpRequest, template: str, context: dict[str, Any] | None = None,
            status: int = 200) -> HttpResponse:
    """A terminal screen: its own layout, never cached."""
    response = render(request, template, {
        "terminal": getattr(request, "terminal", None),
        "idle_seconds": settings.KIOSK_IDLE_SECONDS, **(context or {})}, status=status)
    _no_store(response)
    return response


def _enrol_screen(request: HttpRequest, form: EnrolForm | None = None, *, refused: bool = False,
                  status: int = 200) -> HttpResponse:
    return _screen(request, "kiosk/enrol.html",
                   {"form": form or EnrolForm(), "refused": refused}, status=status)


def terminal_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Terminal screens: a live terminal's cookie, else the enrolment screen (403)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        raw = request.COOKIES.get(COOKIE, "")
        terminal = services.terminal_for_token(raw)
        if terminal is None:
            response = _enrol_screen(request, refused=bool(raw), status=403)
            if raw:  # a revoked or unknown token: forget it
                response.delete_cookie(COOKIE, path=COOKIE_PATH, samesite="Strict")
            return response
        request.terminal = terminal  # type: ignore[attr-defined]
        return _no_store(view(request, *args, **kwargs))

    return wrapped


# --- the terminal ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Give this browser its terminal token, once; it is kept in a cookie from then on."""
    request.terminal = services.terminal_for_token(  # type: ignore[attr-defined]
        request.COOKIES.get(COOKIE, ""))
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        raw = form.cleaned_data["token"]
        try:
            services.enrol(raw, request=request)
        except DomainError as exc:
            form.service_error(exc)
        else:
            response = redirect("kiosk:start")
            response.set_cookie(COOKIE, raw, max_age=COOKIE_AGE, path=COOKIE_PATH,
                                secure=settings.SESSION_COOKIE_SECURE, httponly=True,
                                samesite="Strict")
            _no_store(response)
            return response
    return _enrol_screen(request, form, status=422 if form.is_bound and form.errors else 200)


@require_http_methods(["GET", "POST"])
@terminal_required
def start(request: HttpRequest) -> HttpResponse:
    """The start screen (keypad); a valid code leads to the printing screen."""
    terminal: Terminal = request.terminal  # type: ignore[attr-defined]
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            redeemed = services.redeem(terminal, form.cleaned_data["code"], request=request)
        except DomainError as exc:
            form.service_error(exc)
            status = exc.status
        else:
            code = redeemed.code
            return _screen(request, "kiosk/printing.html", {
                "subject": code.subject, "version": report_choices.VERSION.label(code.version),
                "print_url": reverse("kiosk:print", args=[redeemed.ticket]),
                "done_after": DONE_AFTER})
    elif request.method == "POST":
        status = 422
    return _screen(request, "kiosk/start.html", {
        "form": form, "code_minutes": settings.KIOSK_CODE_MINUTES,
        "locked": status == 429}, status=status)


@require_http_methods(["GET"])
@xframe_options_sameorigin  # the printing screen loads it in a frame and prints it
@terminal_required
def print_pdf(request: HttpRequest, ticket: str) -> HttpResponse:
    """The report's PDF, once per ticket; the second request gets 410."""
    terminal: Terminal = request.terminal  # type: ignore[attr-defined]
    try:
        issued = services.print_ticket(terminal, ticket, request=request)
    except DomainError as exc:
        return _screen(request, "kiosk/gone.html", {"message": exc.msg}, status=exc.status)
    return pdf_response(issued, inline=True)


# --- the office -----------------------------------------------------------------------------


@role_required(Role.OFFICE)
@require_http_methods(["GET", "POST"])
def terminals(request: HttpRequest) -> HttpResponse:
    form = TerminalForm(request.POST or None)
    new: tuple[Terminal, str] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            new = services.register_terminal(form.cleaned_data["name"], form.cleaned_data["place"],
                                             actor=request.user, request=request)
        except DomainError as exc:
            form.service_error(exc)
        else:
            form = TerminalForm()
    rows = Terminal.objects.visible_to(request.user).select_related("registered_by")
    response = render(request, "kiosk/terminals.html", {
        "form": form, "terminals": rows, "new": new[0] if new else None,
        "new_token": new[1] if new else None,
        "enrol_url": settings.SITE_ROOT.rstrip("/") + reverse("kiosk:enrol"),
        "now": timezone.now()})
    if new:
        _no_store(response)  # the token is shown once and never cached
    return response


@role_required(Role.OFFICE)
@require_POST
def revoke(request: HttpRequest, terminal_id: int) -> HttpResponse:
    terminal = get_object_or_404(Terminal.objects.visible_to(request.user), pk=terminal_id)
    if terminal.is_active:
        services.revoke_terminal(terminal, actor=request.user, request=request)
        messages.success(request, f"已停用终端“{terminal.name}”：它从下一次操作起不能再打印")
    return redirect("kiosk:terminals")


# --- the subject ----------------------------------------------------------------------------


def qr_svg(code: str) -> str:
    """The code's digits as a QR code (SVG, inline): a terminal's scanner reads them."""
    return str(segno.make(code, micro=False, error="m").svg_inline(
        scale=7, border=2, dark="#000", light="#fff", omitsize=False,
        svgclass="kiosk-qr", title=None))


@role_required(Role.SUBJECT)
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    """A pickup code for the user's own subject, shown once, with its QR code."""
    form = VersionForm(request.POST or None)
    issued: tuple[PickupCode, str] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.request_code(request.user, form.cleaned_data["version"],
                                           request=request)
        except DomainError as exc:
            form.service_error(exc)
    now = timezone.now()
    recent = PickupCode.objects.visible_to(request.user).select_related("terminal", "report")[:5]
    response = render(request, "kiosk/code.html", {
        "form": form, "version_help": VERSION_HELP, "versions": report_choices.VERSION,
        "selected": form["version"].value() or report_choices.PUBLIC,
        "issued": issued[0] if issued else None,
        "digits": issued[1] if issued else "",
        "qr": qr_svg(issued[1]) if issued else "",
        "live": next((c for c in recent if c.state(now) == "有效"), None),
        "recent": [(c, c.state(now)) for c in recent],
        "code_minutes": settings.KIOSK_CODE_MINUTES})
    _no_store(response)  # a code is shown once; the list too is the subject's own
    return response
