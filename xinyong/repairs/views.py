"""Web pages of credit repair (信用修复): a subject's applications and the apply form, the
training page written from the packs, and (from casework) the queue, the case page and the
public progress query by 查询码. The rules are in services; these views only call them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role, User
from xinyong.casework import evidence as case_evidence
from xinyong.casework.models import Case
from xinyong.casework.pending import PendingFiles
from xinyong.casework.views import CaseViews, mark
from xinyong.commitments import services as commitments
from xinyong.lib.errors import DomainError
from xinyong.policies import rulebook
from xinyong.policies.choices import SEVERITY
from xinyong.policies.rulebook import Entry, Rulebook
from xinyong.policies.schema import SUBJECT_FLAGS
from xinyong.records.models import Record
from xinyong.repairs import choices, services
from xinyong.repairs.forms import ApplyForm, ChannelForm, DecisionForm
from xinyong.repairs.models import Repair

# Services of the packs that the training page cites (by code, as the packs name them).
REPAIR_SERVICES = ("repair_training", "online_repair", "repair_progress_query", "green_repair_channel",
                   "easy_repair", "repair_notice")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _subject_id(user: User) -> int:
    assert user.subject_id is not None  # a subject user is bound to a subject (a constraint)
    return user.subject_id


class RepairViews(CaseViews):
    workflow = services.workflow
    templates = "repairs"
    title = "信用修复办理"
    decide_form = DecisionForm
    track_example = "XF7K2M9QH3PW4T"
    mine_title = "我的信用修复"
    extra_actions = ("channel",)

    def extra_forms(self, case: Case, user: User) -> dict[str, Any]:
        return {"channel": ChannelForm()}

    def extra_action(self, request: HttpRequest, case: Case, action: str,
                     forms: dict[str, Any]) -> bool | None:
        if action != "channel":
            return None
        form = forms["channel"] = ChannelForm(request.POST)
        if not form.is_valid():
            return False
        data = form.cleaned_data
        try:
            done = services.review_claim(case.pk, _user(request), data["decision"], data["reason"],
                                         request=request)
        except DomainError as exc:
            if exc.status != 422:
                raise
            form.service_error(exc)
            return False
        messages.success(request, "已核实：按绿色通道办理" if done.channel == choices.GREEN
                         else f"已转入标准渠道，办结期限为 {done.due_by}")
        return True

    def receipt_rows(self, case: Case) -> list[tuple[str, str]]:
        repair: Any = case
        channel = repair.get_channel_display()
        if repair.claim_status == choices.PENDING:
            channel += "（自报情形待核实）"
        return [("失信记录", f"{repair.record.decision_no}（{repair.record.unit.name}）"),
                ("办理渠道", channel)]

    def detail_context(self, case: Case, user: User, today: dt.date, book: Rulebook) -> dict[str, Any]:
        repair: Any = case
        from xinyong.exchange.sharing import repair_sharing

        return {"flag_labels": [SUBJECT_FLAGS.get(f, f) for f in repair.green_flags],
                "channels": choices.CHANNEL, "claims": choices.CLAIM_STATUS,
                "sharing": repair_sharing(repair, today) if user.role != Role.SUBJECT else None}


case_views = RepairViews()


# --- the subject's pages --------------------------------------------------------------------

@role_required(Role.SUBJECT)
def mine(request: HttpRequest) -> HttpResponse:
    """我的信用修复: the applications, and the published dishonest records with the date
    from which each may be repaired."""
    user = _user(request)
    today = timezone.localdate()
    repairs = list(Repair.objects.visible_to(user)
                   .select_related("record", "unit").order_by("-submitted_on", "-id"))
    rows = services.repair_options(user, today)
    return render(request, "repairs/mine.html", {
        "cases": [mark(r, today) for r in repairs], "rows": rows, "today": today,
    })


def _channels(today: dt.date) -> list[tuple[Entry, Any]]:
    """The standard channel and the green one in force today, as an applicant will meet them."""
    found: list[tuple[Entry, Any]] = []
    try:
        found.append(services.standard_channel(today))
    except DomainError:
        pass
    found.extend(services.green_channels(today)[:1])
    return found


@role_required(Role.SUBJECT)
def apply(request: HttpRequest, record_id: int) -> HttpResponse:
    user = _user(request)
    record = (Record.objects.select_related("unit", "policy_version__pack")
              .filter(pk=record_id, subject_id=_subject_id(user)).first())
    if record is None:
        raise Http404("没有这条记录，或不是本主体的记录")
    today = timezone.localdate()
    book = rulebook.current()
    posted = request.method == "POST"
    pending = PendingFiles(request)
    form = ApplyForm(request.POST if posted else None, request.FILES if posted else None,
                     book=book, today=today, pending=pending)
    refusal = ""
    if posted:
        if form.is_valid():
            data = form.cleaned_data
            try:
                repair = services.apply(user, record.pk, data["statement"], data["commitment"],
                                        green_flags=data["green_flags"], files=data["evidence"],
                                        force_majeure_certificate=data["force_majeure_certificate"],
                                        request=request)
            except DomainError as exc:
                if exc.status == 404:
                    pending.close()
                    raise Http404(exc.msg) from None
                form.service_error(exc)
                if exc.field == "record_id":
                    # The record cannot be repaired now (too early, a case open ...): no
                    # change to this form helps, so no file is kept for it.
                    pending.done()
                    form.accepted_uploads = []
            else:
                pending.done()
                messages.success(request, (
                    f"修复申请已提交，查询码 {repair.query_code}（请记下，可凭此查询进度）。"
                    f"{repair.unit.name} 将于 {repair.accept_by} 前受理，{repair.due_by} 前办结。"))
                return redirect("repairs:receipt", case_id=repair.pk)
        pending.keep(form.accepted_uploads)  # sent back: the files need not be chosen again
    else:
        try:
            services.check_repairable(record, today)
        except DomainError as exc:
            refusal = exc.msg
    return render(request, "repairs/apply.html", {
        "form": form, "pending": pending, "record": record, "refusal": refusal,
        "commitment_text": _letter_text(record, user, today),
        "behavior_text": book.behavior_text(record.behavior),
        "severity_label": SEVERITY.label(record.severity),
        "channels": _channels(today),
        "record_green": _record_green(record, today),
    }, status=422 if form.errors else 200)


def _record_green(record: Record, today: dt.date) -> str:
    """Why the record itself opens the green channel ('' if it does not)."""
    try:
        choice = services.channel_for(record, [], today)
    except DomainError:
        return ""
    return choice.note if choice.basis == "record" else ""


def months_text(months: int) -> str:
    if months % 12 == 0:
        return f"{months // 12} 年"
    return f"{months} 个月"


def _guide(book: Rulebook, today: dt.date) -> dict[str, Any]:
    """What the training page says, all of it read from the packs loaded now."""
    regimes: list[dict[str, Any]] = []
    for entry in sorted(book.entries, key=lambda e: e.pack.effective_from):
        if not entry.pack.periods:
            continue
        periods = {p.severity: p for p in entry.pack.periods}
        rows = []
        for severity in ("minor", "general", "serious"):
            p = periods.get(severity)
            if p is None:
                continue
            if p.repairable_when_duty_performed:
                earliest = "法定责任义务履行完毕即可申请"
            elif p.min_months:
                earliest = f"决定之日起满 {months_text(p.min_months)}"
            else:
                earliest = "随时可申请"
            rows.append({"label": SEVERITY.label(severity), "publish": p.publish,
                         "min": months_text(p.min_months) if p.min_months else "—",
                         "max": months_text(p.max_months), "earliest": earliest, "clause": p.clause})
        # The periods of the highest level in force apply (as the determination picks them).
        applies = any((book.period(sev, today) or (None,))[0] is entry for sev in periods)
        if applies:
            state = "现行"
        elif entry.in_force(today):
            state = "施行中，上级规定优先"
        elif entry.pack.effective_from > today:
            state = "尚未施行"
        else:
            state = "适用于此前作出的决定"
        regimes.append({"entry": entry, "pack": entry.pack, "dates": entry.dates(),
                        "applies": applies, "state": state, "rows": rows})
    channels: list[dict[str, Any]] = []
    for entry in book.entries:
        for channel in entry.pack.repair_channels:
            channels.append({"entry": entry, "pack": entry.pack, "channel": channel,
                             "dates": entry.dates(), "in_force": entry.in_force(today),
                             "flags": [SUBJECT_FLAGS.get(f, f) for f in channel.eligible_flags]})
    channels.sort(key=lambda c: (not c["in_force"], c["channel"].code != "green", c["pack"].id))
    cited: list[dict[str, Any]] = [{"entry": e, "service": s} for e in book.entries for s in e.pack.services
             if s.code in REPAIR_SERVICES]
    cited.sort(key=lambda c: REPAIR_SERVICES.index(c["service"].code))
    clauses = [{"entry": e, "clause": c} for e in book.entries for c in e.pack.clauses
               if any(i.kind in ("period", "repair_channel") for i in c.implemented_by)]
    regimes.sort(key=lambda r: not r["applies"])  # the rules applied today first
    return {
        "regimes": regimes, "channels": channels, "services": cited, "clauses": clauses,
        "training": next((c for c in cited if c["service"].code == "repair_training"), None),
        "in_force_channels": [c for c in channels if c["in_force"]],
        "evidence_types": case_evidence.types_label(),
        "evidence_mb": case_evidence.MAX_BYTES // (1024 * 1024),
        "evidence_files": case_evidence.MAX_FILES,
        "commitment_text": _guide_letter(today), "today": today,
    }


def _letter_text(record: Record, user: User, today: dt.date) -> str:
    """The repair letter as it will be signed with this application ("" if none in force:
    the application is then refused and says why)."""
    letter = commitments.repair_letter(today)
    if letter is None or user.subject is None:
        return ""
    return commitments.fill(letter.template, user.subject, services.repair_matter(record), None, today)


def _guide_letter(today: dt.date) -> str:
    letter = commitments.repair_letter(today)
    return commitments.with_blanks(letter.template) if letter else ""


def guide(request: HttpRequest) -> HttpResponse:
    """信用修复培训 (太仓 11): how repair works, from the rules in the packs."""
    return render(request, "repairs/guide.html", _guide(rulebook.current(), timezone.localdate()))
