"""Commitments (信用承诺): the rules of signing, approval (告知承诺), post-verification,
withdrawal and campaigns. Views and the API only call these; each change is one
transaction, audited.

Who may do what:
- sign: a subject user, a template of a pack in force, for its own subject (kinds the
  template allows); barred while a breach of one of its commitments is in publicity, for
  the kinds a pack's `commitment_rules.barred_after_breach` names (国办发〔2020〕42号).
- approve (告知承诺 kinds): the accepting unit's department, or the office.
- verify: the office, or the accepting unit; with no accepting unit, the campaign's unit
  or any department whose unit the template's pack governs. A breach becomes a record
  (the usual determination) in the same transaction, linked both ways.
- withdraw: the subject, its own commitment not yet approved; the accepting unit (or
  campaign unit) or the office, any commitment in force, with a reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from xinyong.accounts.models import Role, Unit, User, role_of
from xinyong.audit.models import record as audit
from xinyong.casework.services import MAX_NOTE, clean_text
from xinyong.commitments import choices
from xinyong.commitments.models import Campaign, CampaignTarget, Commitment
from xinyong.lib import workdays
from xinyong.lib.dates import add_months
from xinyong.lib.errors import DomainError
from xinyong.lib.pii import mask_id_numbers
from xinyong.notices.models import notify
from xinyong.policies import jurisdiction, rulebook
from xinyong.policies.choices import SEVERITY
from xinyong.policies.rulebook import Entry
from xinyong.policies.schema import (
    COMMITMENT_BLANKS,
    LEVEL_RANK,
    MATTER_KINDS,
    VERIFICATION_METHODS,
    CommitmentRules,
    CommitmentTemplate,
)
from xinyong.records.models import Record
from xinyong.subjects import codes
from xinyong.subjects.models import Subject

# Notes, reasons and materials: the limit every case's free text has.
MAX_TEXT = MAX_NOTE


# --- templates (pack data) ----------------------------------------------------------------

@dataclass(frozen=True)
class TemplateInForce:
    """A commitment template of a pack in force, with the pack it comes from."""

    entry: Entry
    template: CommitmentTemplate

    @property
    def code(self) -> str:
        return self.template.code

    @property
    def policy(self) -> str:
        return self.entry.pack.id

    @property
    def doc_number(self) -> str:
        return self.entry.pack.doc_number

    @property
    def basis(self) -> str:
        return f"{self.doc_number} {self.template.clause}"

    @property
    def kind_label(self) -> str:
        return choices.KIND.label(self.template.kind)

    @property
    def needs_matter(self) -> bool:
        return self.template.kind in MATTER_KINDS or "承诺事项" in self.template.blanks

    @property
    def needs_unit(self) -> bool:
        return self.template.kind in MATTER_KINDS or "受理单位" in self.template.blanks


def templates_in_force(day: dt.date) -> list[TemplateInForce]:
    """Each code once: should packs in force share a letter's code, the highest level's
    text is the one signed."""
    chosen: dict[str, TemplateInForce] = {}
    for entry in rulebook.current().in_force(day):
        for t in entry.pack.commitment_templates:
            held = chosen.get(t.code)
            if held is None or LEVEL_RANK[entry.pack.level] > LEVEL_RANK[held.entry.pack.level]:
                chosen[t.code] = TemplateInForce(entry, t)
    return list(chosen.values())


def find_template(code: str, day: dt.date) -> TemplateInForce | None:
    return next((t for t in templates_in_force(day) if t.code == code), None)


def repair_letter(day: dt.date) -> TemplateInForce | None:
    """The 信用修复型 letter a repair application is signed with (the highest level's)."""
    letters = [t for t in templates_in_force(day) if t.template.kind == "repair"]
    return max(letters, key=lambda t: LEVEL_RANK[t.entry.pack.level], default=None)


def template_of(commitment: Commitment) -> CommitmentTemplate | None:
    """The template a commitment was signed on, as its pack now stands (in force or not)."""
    entry = rulebook.current().entry(commitment.policy)
    if entry is None:
        return None
    return next((t for t in entry.pack.commitment_templates if t.code == commitment.template), None)


def rules_in_force(day: dt.date) -> list[tuple[Entry, CommitmentRules]]:
    return [(e, e.pack.commitment_rules) for e in rulebook.current().in_force(day)
            if e.pack.commitment_rules is not None]


def breach_in_publicity(subject_id: int, day: dt.date) -> Record | None:
    """A record of a breached commitment of the subject, published on `day`."""
    return (Record.objects.published_on(day)
            .filter(subject_id=subject_id, breached_commitment__isnull=False)
            .order_by("-ends_on", "-id").first())


def bar(subject_id: int, kind: str, day: dt.date) -> str:
    """Why the subject may not sign a commitment of `kind` on `day` ("" if it may)."""
    barring = [(e, r) for e, r in rules_in_force(day) if kind in r.barred_after_breach]
    if not barring:
        return ""
    found = breach_in_publicity(subject_id, day)
    if found is None:
        return ""
    entry, rules = barring[0]
    until = f"公示至 {found.ends_on:%Y-%m-%d}" if found.ends_on else "公示期限未定"
    return (f"本主体因未履行信用承诺被记录失信（决定文书号 {found.decision_no}，{until}），"
            f"在信用修复或公示结束前不适用{choices.KIND.label(kind)}"
            f"（{entry.pack.doc_number or entry.pack.title} {rules.clause}）")


# --- signing -------------------------------------------------------------------------------

def letter_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def fill(template: CommitmentTemplate, subject: Subject, matter: str, unit: Unit | None,
         day: dt.date) -> str:
    """The letter's text with its blanks filled (a person's number masked)."""
    return template.text.format(**{
        "主体名称": subject.name, "统一社会信用代码": subject.code_masked,
        "承诺事项": matter or "—", "受理单位": unit.name if unit else "—",
        "承诺日期": letter_date(day)})


def with_blanks(template: CommitmentTemplate) -> str:
    """The letter as a guide shows it: each blank as 【主体名称】."""
    return template.text.format(**{b: f"【{b}】" for b in COMMITMENT_BLANKS})


def resolve_unit(value: Unit | str | int | None, field: str = "accepting_unit") -> Unit | None:
    """A unit given as itself, its id or its 统一社会信用代码; it must be active."""
    if value is None or value == "":
        return None
    if isinstance(value, Unit):
        unit: Unit | None = value
    elif isinstance(value, int):
        unit = Unit.objects.filter(pk=value).first()
    else:
        unit = Unit.objects.filter(code=codes.normalize(value)).first()
    if unit is None:
        raise DomainError(field, "没有这个成员单位（请填写受理单位的统一社会信用代码）")
    if not unit.is_active:
        raise DomainError(field, f"成员单位“{unit.name}”已停用")
    return unit


def letter_for(document: Any) -> Any:
    """The PDF's content: the facts beside the QR code, the letter as signed, how to verify."""
    from xinyong.reports.content import Part, Section
    from xinyong.reports.pdf import Letter

    c: Commitment = document
    facts = [("主体", c.subject_name), ("代码", c.subject.code_masked), ("承诺类型", c.kind_label)]
    if c.matter:
        facts.append(("承诺事项", c.matter))
    if c.accepting_unit_id:
        facts.append(("受理单位", c.accepting_unit.name if c.accepting_unit else ""))
    facts += [("签署人", c.signer_name), ("签署时间", f"{timezone.localtime(c.signed_at):%Y-%m-%d %H:%M}"),
              ("依据", f"{c.doc_number} {c.clause}".strip())]
    check = reverse("commitments:check_number", args=[c.number])
    how = [f"本承诺书由信用主体在线签署，编号 {c.number}。扫描二维码或在本平台“承诺书核验”页面（{check}）"
           "输入编号，可核验其真伪和当前履约状态。",
           "本文件的摘要经平台密钥签名；被改动的文件不能通过核验。"]
    if c.public:
        how.append("本承诺书按规定向社会公示。")
    return Letter(title=c.name, heading="信用承诺书", number_label="承诺书编号", facts=facts,
                  sections=[Section("承诺内容", [Part("", paragraphs=c.text.splitlines())]),
                            Section("说明", [Part("", paragraphs=how)])],
                  watermark="信用承诺书", keyword="commitment")


def subject_users(subject_id: int | None) -> QuerySet[User]:
    return User.objects.filter(subject_id=subject_id, role=Role.SUBJECT, is_active=True) \
        if subject_id else User.objects.none()


def running_campaign(value: Campaign | int | None, template: str, day: dt.date) -> Campaign | None:
    if value is None or value == "":
        return None
    campaign = value if isinstance(value, Campaign) else Campaign.objects.filter(pk=value).first()
    if campaign is None:
        raise DomainError("campaign", "没有这个承诺活动")
    if campaign.template != template:
        raise DomainError("campaign", f"承诺活动“{campaign.title}”邀请签署的是《{campaign.template_name}》")
    if not campaign.runs_on(day):
        raise DomainError("campaign", f"承诺活动“{campaign.title}”的时间为 "
                                      f"{campaign.starts_on:%Y-%m-%d} 至 {campaign.ends_on:%Y-%m-%d}")
    return campaign


@dataclass(frozen=True)
class Letter:
    """A letter ready to sign: its template in force, the matter and the accepting unit as
    checked, and its text filled in (what the signing page previews)."""

    found: TemplateInForce
    matter: str
    unit: Unit | None
    text: str


def prepare(subject: Subject, template_code: str, matter: str,
            accepting_unit: Unit | str | int | None, today: dt.date) -> Letter:
    """Every rule of signing but the signature itself (DomainError naming the field): the
    template in force and for the subject's kind, the bar, the matter and the unit."""
    found = find_template(template_code or "", today)
    if found is None:
        raise DomainError("template", f"没有施行中的承诺书模板“{template_code}”")
    t = found.template
    if subject.kind not in t.subject_kinds:
        allowed = "、".join(codes.KIND_LABELS[k] for k in t.subject_kinds)
        raise DomainError("template", f"《{t.name}》只适用于{allowed}，"
                                      f"不适用于{codes.KIND_LABELS[subject.kind]}")
    why = bar(subject.pk, t.kind, today)
    if why:
        raise DomainError("template", why)
    matter = clean_text(matter, "matter", limit=500,
                        required="请填写承诺事项（申请办理的事项名称）" if found.needs_matter else "")
    unit = resolve_unit(accepting_unit)
    if found.needs_unit and unit is None:
        raise DomainError("accepting_unit", "请选择受理单位")
    if unit is not None and not jurisdiction.governs(found.entry, unit.region):
        where = jurisdiction.region_label(unit.region)
        raise DomainError("accepting_unit", f"《{t.name}》依据 {found.doc_number}（适用于 "
                                            f"{jurisdiction.areas(found.entry)}），“{unit.name}”"
                                            f"所在地 {where} 不在其适用范围内")
    return Letter(found, matter, unit, fill(t, subject, matter, unit, today))


@transaction.atomic
def sign(user: Any, template_code: str, *, matter: str = "", accepting_unit: Unit | str | None = None,
         campaign: Campaign | int | None = None, request: Any = None,
         today: dt.date | None = None, tell: bool = True) -> Commitment:
    """A subject signs a letter of a template in force: filled in, numbered, signed PDF.
    `tell=False`: no notice of its own (a repair application's letter: the application's
    notice says it all)."""
    from xinyong.reports.documents import issue

    today = today or timezone.localdate()
    if role_of(user) != Role.SUBJECT or user.subject_id is None:
        raise DomainError("", "只有信用主体用户可以签署信用承诺", status=403)
    # Locked: two signatures of one subject at once see the same bar.
    subject = Subject.objects.select_for_update().get(pk=user.subject_id)
    letter = prepare(subject, template_code, matter, accepting_unit, today)
    found, matter, unit = letter.found, letter.matter, letter.unit
    t = found.template
    run = running_campaign(campaign, t.code, today)
    commitment = Commitment(
        subject=subject, subject_name=subject.name, template=t.code, policy=found.policy,
        doc_number=found.doc_number, clause=t.clause, kind=t.kind, name=t.name,
        text=letter.text, matter=matter, accepting_unit=unit,
        public=t.public, signed_by=user, signer_name=user.display_name or user.username,
        signed_at=timezone.now(), campaign=run)
    issue(commitment, letter_for, "commitments:check_number")
    # Every running campaign of this template that targets the subject counts the signature,
    # whether or not it came through the campaign's link.
    (CampaignTarget.objects.filter(
        campaign__template=t.code, campaign__starts_on__lte=today, campaign__ends_on__gte=today,
        code_digest=subject.code_digest, commitment__isnull=True)
     .update(commitment=commitment, subject=subject))
    audit("commitment.sign", actor=user, request=request, obj=commitment,
          summary=f"签署《{t.name}》（{commitment.number}）")
    link = reverse("commitments:detail", args=[commitment.pk])
    if tell:
        notify(user, f"已签署《{t.name}》", f"承诺书编号 {commitment.number}，可在“我的承诺”中下载。", link)
    if unit is not None:
        for staff in User.objects.filter(unit=unit, role=Role.DEPARTMENT, is_active=True):
            notify(staff, f"收到信用承诺：{subject.name}",
                   f"{subject.name} 就“{matter}”签署《{t.name}》（{commitment.number}），"
                   "请登记审批并按期核查。",
                   link)
    return commitment


# --- who may act -----------------------------------------------------------------------------

def may_approve(user: Any, c: Commitment) -> bool:
    role = role_of(user)
    return role == Role.OFFICE or (role == Role.DEPARTMENT and c.accepting_unit_id is not None
                                   and user.unit_id == c.accepting_unit_id)


def may_verify(user: Any, c: Commitment) -> bool:
    role = role_of(user)
    if role == Role.OFFICE:
        return True
    if role != Role.DEPARTMENT or user.unit_id is None:
        return False
    if c.accepting_unit_id is not None:
        return bool(user.unit_id == c.accepting_unit_id)
    if c.campaign_id is not None and c.campaign is not None and c.campaign.unit_id == user.unit_id:
        return True
    entry = rulebook.current().entry(c.policy)
    return entry is not None and jurisdiction.governs(entry, user.unit.region)


def may_revoke(user: Any, c: Commitment) -> bool:
    role = role_of(user)
    if role == Role.OFFICE:
        return True
    return role == Role.DEPARTMENT and user.unit_id is not None and user.unit_id in (
        c.accepting_unit_id, c.campaign.unit_id if c.campaign_id and c.campaign else None)


def may_withdraw_own(user: Any, c: Commitment) -> bool:
    return (role_of(user) == Role.SUBJECT and user.subject_id == c.subject_id
            and c.status == choices.IN_FORCE and c.approved_on is None)


def _locked(user: Any, commitment_id: int) -> Commitment:
    """The commitment, row locked, if the user may see it (404 otherwise, as for none)."""
    c = (Commitment.objects.visible_to(user).select_for_update(of=("self",))
         .filter(pk=commitment_id).first())
    if c is None:
        raise DomainError("id", "没有这份信用承诺，或无权查看", status=404)
    return c


def _in_force(c: Commitment, doing: str) -> None:
    if c.status != choices.IN_FORCE:
        raise DomainError("status", f"该承诺当前为“{c.status_label}”，不能{doing}", status=409)


# --- 告知承诺: approval and verification -------------------------------------------------------

@transaction.atomic
def record_approval(user: Any, commitment_id: int, approval_no: str, approved_on: dt.date,
                    materials_replaced: str, verify_by: dt.date | None = None, *,
                    request: Any = None, today: dt.date | None = None) -> Commitment:
    """The accepting department records the approval granted on the commitment, and when
    it will verify it (default: the template's months after the approval)."""
    today = today or timezone.localdate()
    c = _locked(user, commitment_id)
    if c.kind not in MATTER_KINDS:
        raise DomainError("approval_no", f"{c.kind_label}承诺不涉及审批，无需登记")
    if not may_approve(user, c):
        raise DomainError("", "只有受理单位或信用办可以登记审批结果", status=403)
    _in_force(c, "登记审批")
    if c.approved_on is not None:
        raise DomainError("approval_no", f"已于 {c.approved_on:%Y-%m-%d} 登记审批（{c.approval_no}）",
                          status=409)
    approval_no = clean_text(approval_no, "approval_no", required="请填写审批决定的文号", limit=200)
    if approved_on is None:
        raise DomainError("approved_on", "请填写审批日期")
    if approved_on < timezone.localtime(c.signed_at).date():
        raise DomainError("approved_on", "审批日期不能早于承诺签署日期")
    if approved_on > today:
        raise DomainError("approved_on", "审批日期不能晚于今天")
    materials = clean_text(materials_replaced, "materials_replaced",
                           required="请列明以承诺替代、待核查的材料")
    if verify_by is None:
        template = template_of(c)
        months = template.verify_within_months if template else None
        if not months:
            raise DomainError("verify_by", "承诺书模板未规定核查期限，请填写核查期限")
        verify_by = add_months(approved_on, months)
    if verify_by < approved_on:
        raise DomainError("verify_by", "核查期限不能早于审批日期")
    c.approval_no, c.approved_on, c.approved_by = approval_no, approved_on, user
    c.materials_replaced, c.verify_by = materials, verify_by
    c.save()
    audit("commitment.approve", actor=user, request=request, obj=c,
          summary=f"登记审批 {approval_no}（承诺书 {c.number}），核查期限 {verify_by:%Y-%m-%d}")
    return c


@transaction.atomic
def verify(user: Any, commitment_id: int, result: str, method: str, note: str, *,
           behavior: str | None = None, severity: str | None = None,
           occurred_on: dt.date | None = None, request: Any = None,
           today: dt.date | None = None) -> Commitment:
    """事中事后核查: fulfilled, or breached (a dishonest record under the breach behaviour,
    made by the verifying unit through the usual determination, linked both ways)."""
    from xinyong.records import services as records

    today = today or timezone.localdate()
    c = _locked(user, commitment_id)
    if not may_verify(user, c):
        raise DomainError("", "只有信用办或受理单位（无受理单位的：活动组织单位或辖区成员单位）可以核查",
                          status=403)
    if result not in (choices.FULFILLED, choices.BREACHED):
        raise DomainError("result", "核查结果应为 fulfilled（已履约）或 breached（未履约）")
    if method not in VERIFICATION_METHODS:
        raise DomainError("method", "核查方式应为 " + "、".join(VERIFICATION_METHODS))
    note = clean_text(note, "note", required="请写明核查情况")
    _in_force(c, "核查")
    c.status, c.verified_on, c.verified_by = result, today, user
    c.method, c.verification_note = method, note
    if result == choices.BREACHED:
        unit = _recording_unit(user, c)
        c.verified_unit = unit
        c.breach_record = _breach_record(user, c, unit, note, behavior, severity, occurred_on,
                                         request=request, today=today, submit=records.submit)
    elif role_of(user) == Role.DEPARTMENT:
        c.verified_unit = user.unit
    c.save()
    audit("commitment.verify", actor=user, request=request, obj=c,
          summary=f"核查承诺书 {c.number}：{choices.RESULT.label(result)}（{method}）",
          detail={"record_id": c.breach_record_id} if c.breach_record_id else None)
    link = reverse("commitments:detail", args=[c.pk])
    for someone in subject_users(c.subject_id):
        notify(someone, f"信用承诺核查结果：{choices.RESULT.label(result)}",
               f"《{c.name}》（{c.number}）经{method}，结果为“{choices.RESULT.label(result)}”。"
               + ("已按规定记录为失信行为；对结果有异议的，可对该记录提出异议。"
                  if result == choices.BREACHED else ""),
               link)
    return c


def _recording_unit(user: Any, c: Commitment) -> Unit:
    """The unit the breach is recorded under: the verifying department's; for the office
    (which has no unit), the accepting unit, else the campaign's unit."""
    if role_of(user) == Role.DEPARTMENT:
        return user.unit  # type: ignore[no-any-return]
    if c.accepting_unit_id is not None and c.accepting_unit is not None:
        return c.accepting_unit
    if c.campaign_id is not None and c.campaign is not None:
        return c.campaign.unit
    raise DomainError("result", "该承诺没有受理单位或活动组织单位，信用办不能以本办名义记录失信；"
                                "请由辖区成员单位核查并记录")


def _breach_record(user: Any, c: Commitment, unit: Unit, note: str, behavior: str | None,
                   severity: str | None, occurred_on: dt.date | None, *, request: Any,
                   today: dt.date, submit: Any) -> Record:
    from xinyong.records.services import Submission

    entry = rulebook.current().entry(c.policy)
    template = template_of(c)
    code = behavior or (template.breach_behavior if template else None)
    if not code:
        raise DomainError("behavior", f"《{c.name}》未规定违诺对应的失信行为，请选择失信行为")
    found = next((b for b in (entry.pack.behaviors if entry else []) if b.code == code), None)
    if found is None or found.polarity != "dishonest":
        raise DomainError("behavior", f"“{code}”不是 {c.doc_number} 规定的失信行为")
    if severity and severity not in SEVERITY:
        raise DomainError("severity", "情节应为 minor、general 或 serious")
    occurred = occurred_on or today
    if occurred > today:
        raise DomainError("occurred_on", "违诺行为发生日期不能晚于今天")
    matter = f"，承诺事项“{c.matter}”" if c.matter else ""
    facts = (f"未履行信用承诺《{c.name}》（承诺书编号 {c.number}，"
             f"{timezone.localtime(c.signed_at):%Y-%m-%d} 签署{matter}）。"
             f"经{c.method}，核查情况：{note}")
    subject = c.subject
    sub = Submission(subject_kind=subject.kind, subject_name=subject.name,
                     subject_code=subject.full_code(), behavior=code, occurred_on=occurred,
                     decided_on=today, decision_no=f"承诺核查-{c.number}", facts=facts,
                     severity=severity or found.finding_min_severity)
    record, _created = submit(unit, sub, actor=user, source="api" if request is None or
                              request.path.startswith("/api/") else "form",
                              request=request, today=today)
    return record  # type: ignore[no-any-return]


@transaction.atomic
def withdraw(user: Any, commitment_id: int, reason: str = "", *, request: Any = None,
             today: dt.date | None = None) -> Commitment:
    """已撤销: the subject withdraws its own commitment not yet approved; the accepting or
    campaign unit, or the office, revokes one in force with a reason."""
    today = today or timezone.localdate()
    c = _locked(user, commitment_id)
    own = role_of(user) == Role.SUBJECT and user.subject_id == c.subject_id
    if not own and not may_revoke(user, c):
        raise DomainError("", "只有承诺主体、受理单位或信用办可以撤销承诺", status=403)
    _in_force(c, "撤销")
    reason = clean_text(reason, "reason")
    if own:
        if c.approved_on is not None:
            raise DomainError("id", f"受理单位已于 {c.approved_on:%Y-%m-%d} 据此承诺作出审批，"
                                    "不能自行撤回；请联系受理单位", status=409)
        reason = reason or "信用主体撤回"
    elif not reason:
        raise DomainError("reason", "撤销须说明原因")
    c.status, c.withdrawn_on, c.withdrawn_by, c.withdrawn_reason = (
        choices.WITHDRAWN, today, user, reason)
    c.save()
    CampaignTarget.objects.filter(commitment=c).update(commitment=None)
    audit("commitment.withdraw", actor=user, request=request, obj=c,
          summary=f"撤销承诺书 {c.number}：{reason}")
    if not own:
        for someone in subject_users(c.subject_id):
            notify(someone, "信用承诺已撤销", f"《{c.name}》（{c.number}）已被撤销：{reason}",
                   reverse("commitments:detail", args=[c.pk]))
    return c


def download(user: Any, commitment_id: int, *, request: Any = None) -> Commitment:
    """The commitment whose PDF `user` may download (404 otherwise); the read is audited."""
    c = (Commitment.objects.in_full_for(user).filter(pk=commitment_id, number__isnull=False)
         .select_related("subject").first())
    if c is None or not c.pdf:
        raise DomainError("id", "没有这份承诺书，或无权下载", status=404)
    audit("commitment.download", actor=user, request=request, obj=c,
          summary=f"下载承诺书 {c.number}（{c.subject.code_masked}）")
    return c


# --- the verification queue and statistics ----------------------------------------------------

def queued(user: Any) -> QuerySet[Commitment]:
    """Commitments in force with a verification deadline that `user` verifies: a
    department's those its unit accepted (or campaigned for), the office's all."""
    role = role_of(user)
    rows = Commitment.objects.due_for_verification()
    if role == Role.DEPARTMENT:
        return rows.filter(Q(accepting_unit_id=user.unit_id) | Q(campaign__unit_id=user.unit_id))
    return rows if role == Role.OFFICE else rows.none()


def queue_counts(user: Any, today: dt.date) -> dict[str, int]:
    """For the clerk's home page: verifications waiting, and how many are past their date."""
    rows = queued(user)
    return {"waiting": rows.count(), "overdue": rows.filter(verify_by__lt=today).count()}


def queue(user: Any, today: dt.date, show: str = "") -> QuerySet[Commitment]:
    """Commitments in force with a verification deadline, due soonest first: a department's
    those its unit accepted, the office's all. `show`: "due" (not overdue) or "overdue".
    Pages show them a page at a time with `due_rows`."""
    rows = queued(user).select_related("subject", "accepting_unit")
    if show == "overdue":
        rows = rows.filter(verify_by__lt=today)
    elif show == "due":
        rows = rows.filter(verify_by__gte=today)
    return rows.order_by("verify_by", "id")


def due_rows(commitments: Any, today: dt.date) -> list[dict[str, Any]]:
    """Each commitment with its deadline in working days, counted once per distinct date
    (a queue holds thousands of commitments but few deadlines)."""
    texts: dict[dt.date, tuple[bool, str]] = {}
    found = []
    for c in commitments:
        assert c.verify_by is not None
        if c.verify_by not in texts:
            if c.verify_by < today:
                late = workdays.workdays_between(c.verify_by, today)
                texts[c.verify_by] = (True, f"已逾期 {late} 个工作日")
            else:
                left = workdays.workdays_between(today, c.verify_by)
                texts[c.verify_by] = (False, f"剩余 {left} 个工作日")
        overdue, text = texts[c.verify_by]
        found.append({"c": c, "overdue": overdue, "due_text": text})
    return found


def stats(user: Any, today: dt.date) -> dict[str, Any]:
    """信用承诺统计: by template and by unit; verifications due and overdue; breach rates."""
    rows = Commitment.objects.filter(number__isnull=False)
    if role_of(user) == Role.DEPARTMENT:
        rows = rows.filter(Q(accepting_unit_id=user.unit_id) | Q(campaign__unit_id=user.unit_id))
    elif role_of(user) != Role.OFFICE:
        rows = rows.none()
    by_template = []
    for row in (rows.values("template", "name", "doc_number", "clause").order_by("template")
                .annotate(signed=Count("id"),
                          in_force=Count("id", filter=Q(status=choices.IN_FORCE)),
                          fulfilled=Count("id", filter=Q(status=choices.FULFILLED)),
                          breached=Count("id", filter=Q(status=choices.BREACHED)),
                          withdrawn=Count("id", filter=Q(status=choices.WITHDRAWN)))):
        verified = row["fulfilled"] + row["breached"]
        row["verified"] = verified
        row["breach_rate"] = f"{row['breached'] / verified:.1%}" if verified else "—"
        by_template.append(row)
    by_unit: dict[str, dict[str, int]] = {}
    for row in (rows.values("accepting_unit__name", "campaign__unit__name")
                .annotate(n=Count("id")).order_by()):
        name = row["accepting_unit__name"] or row["campaign__unit__name"] or "（无受理单位，非活动签署）"
        by_unit[name] = by_unit.get(name, 0) + row["n"]  # type: ignore[assignment]
    due = rows.filter(status=choices.IN_FORCE, verify_by__isnull=False)
    return {"by_template": by_template,
            "by_unit": sorted(by_unit.items(), key=lambda kv: (-int(kv[1]), kv[0])),  # type: ignore[arg-type]
            "due": due.filter(verify_by__gte=today).count(),
            "overdue": due.filter(verify_by__lt=today).count(),
            "total": rows.count()}


# --- campaigns (福州 一.1) -------------------------------------------------------------------

def parse_codes(text: str) -> tuple[list[str], list[str]]:
    """(valid USCCs, each once, in order; problems, one per bad line, naming the line)."""
    found: list[str] = []
    problems = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            kind, number = codes.classify(line)
        except codes.CodeError:
            problems.append(f"第 {n} 行“{mask_id_numbers(line)[:30]}”不是有效的统一社会信用代码")
            continue
        if kind == codes.PERSON:
            problems.append(f"第 {n} 行是身份证号码：承诺活动只面向企业和个体工商户")
            continue
        if number not in found:
            found.append(number)
    return found, problems


def remind_every_days(day: dt.date) -> tuple[int, str] | None:
    """(days, basis) between reminders: the most local pack in force that sets it; None
    when no pack does (then nobody is reminded: the interval is a policy's, not ours)."""
    chosen = jurisdiction.most_local(rules_in_force(day))
    if chosen is None:
        return None
    entry, rules = chosen
    return rules.remind_every_days, f"{entry.pack.doc_number or entry.pack.title} {rules.clause}"


@transaction.atomic
def launch(user: Any, template_code: str, title: str, codes_text: str, *, organiser_name: str = "",
           message: str = "", starts_on: dt.date | None = None, ends_on: dt.date | None = None,
           published: bool = True, unit: Unit | str | None = None, request: Any = None,
           today: dt.date | None = None) -> Campaign:
    """A department (or the office, naming the organiser unit) invites a population to sign."""
    today = today or timezone.localdate()
    role = role_of(user)
    if role == Role.DEPARTMENT:
        organiser = user.unit
    elif role == Role.OFFICE:
        organiser = resolve_unit(unit, "unit")
        if organiser is None:
            raise DomainError("unit", "请选择组织单位")
    else:
        raise DomainError("", "只有成员单位或信用办可以发起承诺活动", status=403)
    found = find_template(template_code or "", today)
    if found is None:
        raise DomainError("template", f"没有施行中的承诺书模板“{template_code}”")
    if found.template.kind in MATTER_KINDS:
        raise DomainError("template", f"{found.kind_label}承诺随具体事项签署，不适用承诺活动")
    if not jurisdiction.governs(found.entry, organiser.region):
        raise DomainError("template", f"《{found.template.name}》依据 {found.doc_number}，"
                                      f"“{organiser.name}”不在其适用范围内")
    title = (title or "").strip()
    if not title:
        raise DomainError("title", "请填写活动名称")
    if len(title) > 200:
        raise DomainError("title", "不能超过 200 字")
    starts_on = starts_on or today
    if ends_on is None:
        raise DomainError("ends_on", "请填写结束日期")
    if ends_on < starts_on:
        raise DomainError("ends_on", "结束日期不能早于开始日期")
    numbers, problems = parse_codes(codes_text)
    if problems:
        raise DomainError("codes", "；".join(problems[:10])
                          + (f"（另有 {len(problems) - 10} 行有误）" if len(problems) > 10 else ""))
    if not numbers:
        raise DomainError("codes", "请填写活动对象的统一社会信用代码，每行一个")
    if len(numbers) > 10000:
        raise DomainError("codes", "一次最多 10000 个对象")
    campaign = Campaign.objects.create(
        unit=organiser, organiser_name=(organiser_name or "").strip()[:200] or organiser.name,
        template=found.code, policy=found.policy, template_name=found.template.name, title=title,
        message=mask_id_numbers((message or "").strip())[:MAX_TEXT], starts_on=starts_on,
        ends_on=ends_on, published=published, created_by=user)
    digests = {n: codes.digest(n) for n in numbers}
    subjects = {s.code_digest: s for s in Subject.objects.filter(code_digest__in=digests.values())}
    signed = first_signatures(campaign, list(subjects.values()))
    targets = []
    for n in numbers:
        s = subjects.get(digests[n])
        targets.append(CampaignTarget(campaign=campaign, code=n, code_digest=digests[n],
                                      name=s.name if s else "", subject=s,
                                      commitment_id=signed.get(s.pk) if s else None))
    CampaignTarget.objects.bulk_create(targets)
    audit("commitment.campaign", actor=user, request=request, obj=campaign,
          summary=f"发起承诺活动“{title}”（《{found.template.name}》，{len(numbers)} 个对象）")
    return campaign


def first_signatures(campaign: Campaign, subjects: list[Subject]) -> dict[int, int]:
    """{subject id: its first commitment to the campaign's letter signed while the campaign
    runs and not withdrawn}: what counts as the subject having signed."""
    signed: dict[int, int] = {}
    for subject_id, pk in (Commitment.objects.filter(
            subject__in=subjects, template=campaign.template, number__isnull=False,
            signed_at__date__gte=campaign.starts_on, signed_at__date__lte=campaign.ends_on)
            .exclude(status=choices.WITHDRAWN)
            .order_by("-signed_at", "-id").values_list("subject_id", "pk")):
        signed[subject_id] = pk  # newest first: the earliest is written last and stays
    return signed


def refresh_targets(campaign: Campaign) -> None:
    """Targets that came onto the platform since (their subject created later) get it now:
    a few queries (one UPDATE per thousand newcomers), whatever the campaign's size."""
    missing = list(campaign.targets.filter(subject__isnull=True).values_list("pk", "code_digest"))
    if not missing:
        return
    subjects = {s.code_digest: s for s in Subject.objects.filter(
        code_digest__in=[d for _, d in missing])}
    if not subjects:
        return
    signed = first_signatures(campaign, list(subjects.values()))
    found = [CampaignTarget(pk=pk, subject=subjects[digest], name=subjects[digest].name,
                            commitment_id=signed.get(subjects[digest].pk))
             for pk, digest in missing if digest in subjects]
    CampaignTarget.objects.bulk_update(found, ["subject", "name", "commitment"], batch_size=1000)


@transaction.atomic
def remind(user: Any, campaign_id: int, *, request: Any = None,
           now: dt.datetime | None = None) -> dict[str, int]:
    """A notice to the subject users of every target not yet signed, no more often than
    the rules' `remind_every_days`."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    campaign = (Campaign.objects.managed_by(user).select_for_update().filter(pk=campaign_id).first())
    if campaign is None:
        raise DomainError("id", "没有这个承诺活动，或无权管理", status=404)
    if not campaign.runs_on(today):
        raise DomainError("id", f"活动时间为 {campaign.starts_on:%Y-%m-%d} 至 {campaign.ends_on:%Y-%m-%d}，"
                                "不在活动期内不能提醒", status=409)
    interval = remind_every_days(today)
    if interval is None:
        raise DomainError("id", f"{today.isoformat()} 没有施行中的规则规定承诺活动的提醒间隔，不能提醒",
                          status=409)
    days, basis = interval
    if campaign.last_reminded_at is not None:
        last = timezone.localtime(campaign.last_reminded_at).date()
        next_day = last + dt.timedelta(days=days)
        if today < next_day:
            raise DomainError("id", f"上次提醒为 {last:%Y-%m-%d}，每 {days} 天最多提醒一次（{basis}），"
                                    f"{next_day:%Y-%m-%d} 起可再次提醒", status=409)
    refresh_targets(campaign)
    unsigned = campaign.targets.filter(commitment__isnull=True)
    sent = unreachable = 0
    link = (reverse("commitments:sign") + f"?template={campaign.template}&campaign={campaign.pk}")
    users_of: dict[int, list[User]] = {}
    for someone in User.objects.filter(role=Role.SUBJECT, is_active=True,
                                       subject_id__in=unsigned.values("subject_id")):
        users_of.setdefault(someone.subject_id, []).append(someone)  # type: ignore[arg-type]
    for subject_id in unsigned.values_list("subject_id", flat=True):
        users = users_of.get(subject_id, []) if subject_id else []
        for someone in users:
            notify(someone, f"邀请签署《{campaign.template_name}》",
                   f"{campaign.organiser_name}发起“{campaign.title}”，请于 {campaign.ends_on:%Y-%m-%d} 前"
                   f"在线签署。{campaign.message}".strip(), link)
        if users:
            sent += 1
        else:
            unreachable += 1
    unsigned.update(reminded_at=now, reminders=F("reminders") + 1)
    campaign.last_reminded_at = now
    campaign.save(update_fields=["last_reminded_at"])
    audit("commitment.remind", actor=user, request=request, obj=campaign,
          summary=f"提醒承诺活动“{campaign.title}”的未签署对象：{sent} 个已通知，{unreachable} 个无平台账号")
    return {"sent": sent, "unreachable": unreachable}
