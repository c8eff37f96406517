"""Account actions shared by the web UI and the command line, each one audited."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from xinyong.accounts.models import ApiToken, Role, Unit, User
from xinyong.audit.models import record as audit
from xinyong.lib.errors import DomainError
from xinyong.policies.jurisdiction import region_label, region_problem
from xinyong.subjects import codes
from xinyong.subjects.models import Subject


@transaction.atomic
def create_unit(
    code: str, name: str, *, region: str = "", actor: User | None = None, via: str = "cli",
    request: HttpRequest | None = None,
) -> Unit:
    try:
        number = codes.validate_uscc(code)
    except codes.CodeError as exc:
        raise DomainError("code", f"{exc}") from None
    if not name.strip():  # also stops whitespace-only names
        raise DomainError("name", "单位名称不能为空")
    region = region.strip()
    if region and (problem := region_problem(region)):
        raise DomainError("region", problem)
    if Unit.objects.filter(code=number).exists():
        raise DomainError("code", f"统一社会信用代码为 {number} 的成员单位已存在")
    if Unit.objects.filter(name=name.strip()).exists():
        raise DomainError("name", f"名称为“{name.strip()}”的成员单位已存在")
    unit = Unit.objects.create(code=number, name=name.strip(), region=region)
    audit("unit.create", actor=actor, request=request, obj=unit,
          summary=f"新建成员单位 {unit.name}（{region_label(region)}）", via=via)
    return unit


@transaction.atomic
def set_unit_region(unit: Unit, region: str, *, actor: User | None = None, via: str = "web",
                    request: HttpRequest | None = None) -> Unit:
    """Set a unit's 行政区划代码: which local packs it reports under from now on. Records
    already reported keep the determination made when they were reported."""
    region = region.strip()
    if problem := region_problem(region):
        raise DomainError("region", problem)
    locked = Unit.objects.select_for_update().get(pk=unit.pk)
    before = locked.region
    if before == region:
        return locked
    locked.region = unit.region = region
    locked.save(update_fields=["region"])
    audit("unit.region", actor=actor, request=request, obj=locked, via=via,
          summary=f"设置成员单位 {locked.name} 的行政区划：{region_label(before)} → {region_label(region)}",
          detail={"before": before, "after": region})
    return locked


@transaction.atomic
def set_unit_active(
    unit: Unit, active: bool, reason: str, *, actor: User | None = None, via: str = "web",
    request: HttpRequest | None = None,
) -> bool:
    """Deactivate (or reactivate) a member unit. While it is inactive its users cannot log
    in (open sessions are refused too), their tokens answer 401 (they are not revoked, and
    work again once it is reactivated), and nothing is submitted or imported for it.
    Returns False, and records nothing, if the unit is in that state already."""
    reason = reason.strip()
    if not reason:
        raise DomainError("reason", "请说明原因")
    locked = Unit.objects.select_for_update().get(pk=unit.pk)
    if locked.is_active == active:
        unit.is_active = active
        return False
    locked.is_active = unit.is_active = active
    locked.save(update_fields=["is_active"])
    verb = "启用" if active else "停用"
    audit(f"unit.{'reactivate' if active else 'deactivate'}", actor=actor, request=request,
          obj=locked, summary=f"{verb}成员单位 {locked.name}：{reason}"[:500],
          detail={"reason": reason, **unit_reach(locked)}, via=via)
    return True


def unit_reach(unit: Unit) -> dict[str, int]:
    """What a unit's state governs: its active users, their live tokens, its queued imports."""
    from xinyong.records.models import ImportJob

    users = User.objects.filter(unit=unit, is_active=True)
    return {
        "users": users.count(),
        "tokens": ApiToken.objects.filter(user__in=users, revoked_at__isnull=True).count(),
        "imports": ImportJob.objects.filter(unit=unit, status__in=["queued", "running"]).count(),
    }


@transaction.atomic
def create_user(
    username: str,
    role: str,
    *,
    password: str | None,
    unit_code: str | None = None,
    subject_code: str | None = None,
    display_name: str = "",
    actor: User | None = None,
    via: str = "cli",
    request: HttpRequest | None = None,
) -> User:
    if role not in Role.values:
        raise DomainError("role", f"应为 {'、'.join(Role.values)} 之一，而不是“{role}”")
    if User.objects.filter(username=username).exists():
        raise DomainError("username", f"用户名“{username}”已存在")
    unit = subject = None
    if role == Role.DEPARTMENT:
        if not unit_code:
            raise DomainError("unit", "成员单位用户必须指定所属单位的统一社会信用代码")
        unit = Unit.objects.filter(code=codes.normalize(unit_code)).first()
        if unit is None:
            raise DomainError("unit", f"没有统一社会信用代码为 {unit_code} 的成员单位")
        if not unit.is_active:
            raise DomainError("unit", f"成员单位“{unit.name}”已停用，不能新建其用户")
    elif unit_code:
        raise DomainError("unit", "只有 department 角色可以绑定单位")
    if role == Role.SUBJECT:
        if not subject_code:
            raise DomainError("subject", "信用主体用户必须指定绑定主体的代码")
        try:
            _, number = codes.classify(subject_code)
        except codes.CodeError as exc:
            raise DomainError("subject", f"{exc}") from None
        subject = Subject.objects.by_code(number)
        if subject is None:
            raise DomainError("subject", "平台上没有该代码的信用主体")
    elif subject_code:
        raise DomainError("subject", "只有 subject 角色可以绑定主体")
    user = User(username=username, role=role, unit=unit, subject=subject,
                display_name=display_name)
    if password:
        check_password_rules(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit("user.create", actor=actor, request=request, obj=user,
          summary=f"新建用户 {username}（{user.get_role_display()}）", via=via)
    return user


def check_password_rules(password: str, user: User) -> None:
    """The rules of settings.AUTH_PASSWORD_VALIDATORS, every broken one named."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("password", "".join(exc.messages)) from None


def issue_token(
    user: User, name: str, *, actor: User | None = None, via: str = "cli",
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    token, raw = ApiToken.issue(user, name, created_by=actor)
    audit("token.create", actor=actor, request=request, obj=token,
          summary=f"为 {user.username} 创建接口令牌 {token.prefix}…", via=via)
    return token, raw


def revoke_token(
    token: ApiToken, *, actor: User | None = None, via: str = "web",
    request: HttpRequest | None = None,
) -> None:
    token.revoke()
    audit("token.revoke", actor=actor, request=request, obj=token,
          summary=f"吊销 {token.user.username} 的接口令牌 {token.prefix}…", via=via)
