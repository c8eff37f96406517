"""Granting, revoking and using grants (授权查询, 信易贷).

A subject grants one institution a scope (profile, records, score, report) for a purpose,
for at most the months the 信易贷 rules in force allow (`credit_loans.grant_max_months`).
At most one grant per subject and institution is in force: a new one supersedes the
earlier one. An institution's user reads within the scope of the live grant: each part
granted is read as the subject itself would see it (`OnBehalf`); each part not granted as
the public sees it (a person not at all). Every read is a GrantRead the subject sees, and
an audit event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinyong.accounts.models import Institution, Role
from xinyong.audit.models import record as audit
from xinyong.grants import choices
from xinyong.grants.models import Grant, GrantRead
from xinyong.lib.dates import add_months
from xinyong.lib.errors import DomainError
from xinyong.lib.pii import mask_id_numbers
from xinyong.policies import rulebook
from xinyong.policies.rulebook import Entry
from xinyong.policies.schema import CreditLoanRules
from xinyong.subjects.models import Subject

MAX_PURPOSE = 200


def rules_for(day: dt.date) -> tuple[Entry, CreditLoanRules]:
    """The 信易贷 rules of the highest-level pack in force on `day`, or a DomainError."""
    found = rulebook.current().highest("credit_loans", day)
    if found is None:
        raise DomainError("service", f"{day.isoformat()} 没有施行中的信易贷规则，暂不能授权或发布融资需求")
    return found


def latest_expiry(today: dt.date) -> dt.date:
    return add_months(today, rules_for(today)[1].grant_max_months)


def clean_scope(scope: list[str] | None, field: str = "scope") -> list[str]:
    """The scope as stored: known parts, each once, in the platform's order."""
    scope = list(scope or [])
    unknown = [s for s in scope if s not in choices.SCOPES]
    if unknown:
        raise DomainError(field, f"未知的授权范围“{'、'.join(map(str, unknown))}”；"
                                 f"可选：{'、'.join(choices.SCOPES.values)}")
    if not scope:
        raise DomainError(field, "请至少选择一项授权范围")
    return [s for s in choices.SCOPES.values if s in scope]


def clean_expiry(expires_on: dt.date | None, today: dt.date, field: str = "expires_on") -> dt.date:
    latest = latest_expiry(today)
    if expires_on is None:
        return latest
    if expires_on < today:
        raise DomainError(field, "有效期不能早于今天")
    if expires_on > latest:
        months = rules_for(today)[1].grant_max_months
        raise DomainError(field, f"授权期限最长 {months} 个月，有效期最晚为 {latest.isoformat()}")
    return expires_on


def find_institution(value: Any, field: str = "institution") -> Institution:
    """An active institution by id or USCC."""
    text = str(value or "").strip().upper()
    if not text:
        raise DomainError(field, "请选择被授权的金融机构")
    found = Institution.objects.filter(pk=int(text)) if text.isdigit() and len(text) < 18 \
        else Institution.objects.filter(code=text)
    institution = found.first()
    if institution is None:
        raise DomainError(field, "平台上没有这个金融机构（请填写其 id 或统一社会信用代码）")
    if not institution.is_active:
        raise DomainError(field, f"金融机构“{institution.name}”已停用，不能向其授权")
    return institution


def _subject_of(user: Any) -> Subject:
    if getattr(user, "role", None) != Role.SUBJECT or user.subject_id is None:
        raise DomainError("subject", "只有信用主体本人可以授权金融机构查询", status=403)
    return user.subject  # type: ignore[no-any-return]


@transaction.atomic
def grant(user: Any, institution: Any, scope: list[str], purpose: str,
          expires_on: dt.date | None = None, *, need: Any = None, request: Any = None,
          today: dt.date | None = None) -> Grant:
    """The subject user's grant to `institution` (an Institution, id or USCC); an earlier
    grant in force to the same institution is superseded (revoked, naming this one)."""
    today = today or timezone.localdate()
    subject = _subject_of(user)
    if isinstance(institution, Institution) and not institution.is_active:
        raise DomainError("institution", f"金融机构“{institution.name}”已停用，不能向其授权")
    if not isinstance(institution, Institution):
        institution = find_institution(institution)
    scope = clean_scope(scope)
    purpose = mask_id_numbers((purpose or "").strip())
    if not purpose:
        raise DomainError("purpose", "请写明授权用途（如：申请流动资金贷款）")
    if len(purpose) > MAX_PURPOSE:
        raise DomainError("purpose", f"用途不超过 {MAX_PURPOSE} 字")
    expires_on = clean_expiry(expires_on, today)
    # A general grant replaces the general one in force; a need's grants stand beside them
    # (they end with the need: `end_for_need`).
    earlier = [] if need is not None else list(
        Grant.objects.select_for_update().live_on(today)
        .filter(subject=subject, institution=institution, need__isnull=True))
    made = Grant.objects.create(subject=subject, institution=institution, scope=scope,
                                purpose=purpose, granted_on=today, expires_on=expires_on,
                                granted_by=user, need=need)
    for old in earlier:
        _end(old, user, f"已由新的授权 #{made.pk} 取代", request=request)
    made.superseded = [g.pk for g in earlier]  # type: ignore[attr-defined]
    audit("grant.create", actor=user, request=request, obj=made,
          summary=f"授权 {institution.name} 查询（{'、'.join(made.scope_labels)}）至 {expires_on}",
          detail={"institution": institution.pk, "scope": scope, "need": getattr(need, "pk", None),
                  "superseded": [g.pk for g in earlier]})
    return made


def _end(grant: Grant, user: Any, reason: str, *, request: Any = None) -> None:
    grant.revoked_at, grant.revoked_by, grant.revoke_reason = timezone.now(), user, reason[:200]
    grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit("grant.revoke", actor=user, request=request, obj=grant,
          summary=f"撤销对 {grant.institution.name} 的授权 #{grant.pk}：{reason}"[:500])


@transaction.atomic
def revoke(user: Any, grant_id: int, reason: str = "", *, request: Any = None) -> Grant:
    """The subject ends a grant at once; reads after this answer as without it."""
    _subject_of(user)
    found = (Grant.objects.visible_to(user).select_for_update(of=("self",))
             .select_related("institution").filter(pk=grant_id).first())
    if found is None:
        raise DomainError("id", "没有这个授权，或不是本主体的授权", status=404)
    if found.revoked_at is not None:
        raise DomainError("id", f"该授权已于 {timezone.localtime(found.revoked_at):%Y-%m-%d %H:%M} 撤销",
                          status=409)
    reason = mask_id_numbers((reason or "").strip()) or "主体撤销授权"
    _end(found, user, reason, request=request)
    return found


def end_for_need(need: Any, keep_institution_id: int | None, reason: str, *, user: Any,
                 request: Any = None) -> int:
    """A financing need closed or was taken: its grants to the other institutions end."""
    ended = 0
    rows = Grant.objects.select_for_update().select_related("institution").filter(
        need=need, revoked_at__isnull=True)
    if keep_institution_id is not None:
        rows = rows.exclude(institution_id=keep_institution_id)
    for item in rows:
        _end(item, user, reason, request=request)
        ended += 1
    return ended


# --- reading under a grant ---------------------------------------------------------------------

@dataclass(frozen=True)
class OnBehalf:
    """A viewer standing for the subject itself, for one granted part: the records',
    lists' and commitments' own access rules then show what the subject would see. Only
    ever handed to those rules, never to audit or to a service that acts."""

    subject_id: int
    role: str = Role.SUBJECT
    is_authenticated: bool = True


def live_grant(viewer: Any, subject: Subject | int, today: dt.date | None = None) -> Grant | None:
    """The latest grant in force today from `subject` to the viewer's institution, or None
    (also for every viewer that is not an institution's user). Its `effective_scope` is
    what all grants in force together allow (a general one and a need's may both be)."""
    if getattr(viewer, "role", None) != Role.INSTITUTION or not getattr(viewer, "institution_id", None):
        return None
    today = today or timezone.localdate()
    subject_id = subject.pk if isinstance(subject, Subject) else subject
    found = list(Grant.objects.live_on(today).select_related("institution", "subject")
                 .filter(subject_id=subject_id, institution_id=viewer.institution_id)
                 .order_by("-created_at", "-id"))
    if not found:
        return None
    latest = found[0]
    latest.effective_scope = [p for p in choices.SCOPES.values  # type: ignore[attr-defined]
                              if any(p in g.scope for g in found)]
    return latest


def scope_of(grant: Grant | None) -> list[str]:
    return list(getattr(grant, "effective_scope", None) or (grant.scope if grant else []))


def viewer_for(viewer: Any, subject: Subject, part: str, grant: Grant | None) -> Any:
    """Whom to show `part` of the file to: the subject itself if the grant covers it."""
    return OnBehalf(subject.pk) if part in scope_of(grant) else viewer


def log_read(grant: Grant, user: Any, parts: list[str], channel: str, *, detail: str = "",
             request: Any = None) -> GrantRead:
    """Keep one read under `grant` (shown to the subject) and audit it."""
    parts = [p for p in choices.SCOPES.values if p in parts]
    read = GrantRead.objects.create(grant=grant, user=user, parts=parts, channel=channel,
                                    detail=detail[:200])
    labels = "、".join(choices.SCOPES.label(p) for p in parts) or "公开信息"
    audit("grant.read", actor=user, request=request, obj=grant,
          summary=f"{grant.institution.name} 依授权 #{grant.pk} 查询 {grant.subject.name}：{labels}"
                  + (f"（{detail}）" if detail else ""),
          detail={"subject": grant.subject_id, "parts": parts, "channel": channel})
    return read
