"""Account actions shared by the web UI and the command line, each one audited."""

from __future__ import annotations

import secrets
from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from xinyong.accounts.models import ApiToken, Institution, Role, Unit, User
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


def _set_active(model: type[Unit] | type[Institution], obj: Unit | Institution, active: bool,
                reason: str) -> tuple[Any, str] | None:
    """Deactivate (or reactivate) a unit or an institution, locked: the row and the reason
    to record, or None if it is in that state already (nothing to record)."""
    reason = reason.strip()
    if not reason:
        raise DomainError("reason", "请说明原因")
    locked = model.objects.select_for_update().get(pk=obj.pk)
    obj.is_active = active
    if locked.is_active == active:
        return None
    locked.is_active = active
    locked.save(update_fields=["is_active"])
    return locked, reason


@transaction.atomic
def set_unit_active(
    unit: Unit, active: bool, reason: str, *, actor: User | None = None, via: str = "web",
    request: HttpRequest | None = None,
) -> bool:
    """Deactivate (or reactivate) a member unit. While it is inactive its users cannot log
    in (open sessions are refused too), their tokens answer 401 (they are not revoked, and
    work again once it is reactivated), and nothing is submitted or imported for it.
    Returns False, and records nothing, if the unit is in that state already."""
    changed = _set_active(Unit, unit, active, reason)
    if changed is None:
        return False
    locked, reason = changed
    audit("unit.reactivate" if active else "unit.deactivate", actor=actor, request=request,
          obj=locked, summary=f"{'启用' if active else '停用'}成员单位 {locked.name}：{reason}"[:500],
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
def create_institution(
    code: str, name: str, *, region: str = "", actor: User | None = None, via: str = "cli",
    request: HttpRequest | None = None,
) -> Institution:
    """A bank or other lender (金融机构), by its USCC: its users read credit files under
    subjects' grants and take financing needs (信易贷)."""
    try:
        number = codes.validate_uscc(code)
    except codes.CodeError as exc:
        raise DomainError("code", f"{exc}") from None
    name = name.strip()
    if not name:
        raise DomainError("name", "机构名称不能为空")
    region = region.strip()
    if region and (problem := region_problem(region)):
        raise DomainError("region", problem)
    if Institution.objects.filter(code=number).exists():
        raise DomainError("code", f"统一社会信用代码为 {number} 的金融机构已存在")
    if Institution.objects.filter(name=name).exists():
        raise DomainError("name", f"名称为“{name}”的金融机构已存在")
    institution = Institution.objects.create(code=number, name=name, region=region)
    audit("institution.create", actor=actor, request=request, obj=institution, via=via,
          summary=f"新建金融机构 {institution.name}（{region_label(region)}）")
    return institution


@transaction.atomic
def set_institution_active(
    institution: Institution, active: bool, reason: str, *, actor: User | None = None,
    via: str = "web", request: HttpRequest | None = None,
) -> bool:
    """Deactivate (or reactivate) an institution: as for a unit, its users cannot log in
    and their tokens answer 401 while it is inactive. False if nothing changed."""
    changed = _set_active(Institution, institution, active, reason)
    if changed is None:
        return False
    locked, reason = changed
    audit("institution.reactivate" if active else "institution.deactivate", actor=actor,
          request=request, obj=locked, via=via, detail={"reason": reason},
          summary=f"{'启用' if active else '停用'}金融机构 {locked.name}：{reason}"[:500])
    return True


def find_institution(code: str) -> Institution:
    institution = Institution.objects.filter(code=codes.normalize(code)).first()
    if institution is None:
        raise DomainError("institution", f"没有统一社会信用代码为 {code} 的金融机构")
    return institution


def _institution_binding(role: str, institution: Institution | None,
                         current: User | None = None) -> Institution | None:
    """An institution's user needs an active institution (an edited user keeps theirs when
    none is given); no other role has one."""
    if role != Role.INSTITUTION:
        if institution is not None:
            raise DomainError("institution", "只有金融机构角色的用户可以指定所属金融机构")
        return None
    if institution is None and current is not None and current.institution_id is not None:
        return current.institution
    if institution is None:
        raise DomainError("institution", "金融机构用户必须指定所属金融机构")
    if not institution.is_active and (current is None or current.institution_id != institution.pk):
        raise DomainError("institution", f"金融机构“{institution.name}”已停用，不能为其添加用户")
    return institution


def _binding(role: str, unit: Unit | None, subject_code: str | None,
             current: User | None = None) -> tuple[Unit | None, Subject | None]:
    """The unit and subject a user of `role` is bound to: a department user needs an active
    unit (a user keeps the inactive unit they have), a subject user a subject on the
    platform (an edited one keeps theirs when no code is given); no other role has either."""
    subject = None
    if role == Role.DEPARTMENT:
        if unit is None:
            raise DomainError("unit", "成员单位用户必须指定所属单位")
        if not unit.is_active and (current is None or current.unit_id != unit.pk):
            raise DomainError("unit", f"成员单位“{unit.name}”已停用，不能为其添加用户")
    elif unit is not None:
        raise DomainError("unit", "只有成员单位角色的用户可以指定所属单位")
    if role == Role.SUBJECT:
        if subject_code:
            try:
                _, number = codes.classify(subject_code)
            except codes.CodeError as exc:
                raise DomainError("subject", f"{exc}") from None
            subject = Subject.objects.by_code(number)
            if subject is None:
                raise DomainError("subject", "平台上没有该代码的信用主体")
        elif current is not None and current.subject_id is not None:
            subject = current.subject
        else:
            raise DomainError("subject", "信用主体用户必须指定绑定主体的代码")
    elif subject_code:
        raise DomainError("subject", "只有信用主体角色的用户可以绑定主体")
    return unit, subject


@transaction.atomic
def create_user(
    username: str,
    role: str,
    *,
    password: str | None,
    unit_code: str | None = None,
    subject_code: str | None = None,
    institution_code: str | None = None,
    display_name: str = "",
    actor: User | None = None,
    via: str = "cli",
    request: HttpRequest | None = None,
) -> User:
    if role not in Role.values:
        raise DomainError("role", f"应为 {'、'.join(Role.values)} 之一，而不是“{role}”")
    if User.objects.filter(username=username).exists():
        raise DomainError("username", f"用户名“{username}”已存在")
    unit = None
    if unit_code:
        unit = Unit.objects.filter(code=codes.normalize(unit_code)).first()
        if unit is None:
            raise DomainError("unit", f"没有统一社会信用代码为 {unit_code} 的成员单位")
    unit, subject = _binding(role, unit, subject_code)
    institution = _institution_binding(
        role, find_institution(institution_code) if institution_code else None)
    user = User(username=username, role=role, unit=unit, subject=subject,
                institution=institution, display_name=display_name)
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


# --- the office's administration of units and users --------------------------------------


@transaction.atomic
def update_unit(unit: Unit, *, name: str, region: str, actor: User | None = None,
                via: str = "web", request: HttpRequest | None = None) -> bool:
    """Rename a unit or change its 行政区划代码. The 统一社会信用代码 is the unit's identity
    and is not changed here. Returns False, and records nothing, when nothing changed."""
    name, region = name.strip(), region.strip()
    if not name:
        raise DomainError("name", "单位名称不能为空")
    if region and (problem := region_problem(region)):
        raise DomainError("region", problem)
    locked = Unit.objects.select_for_update().get(pk=unit.pk)
    if Unit.objects.filter(name=name).exclude(pk=locked.pk).exists():
        raise DomainError("name", f"名称为“{name}”的成员单位已存在")
    changes = []
    if locked.name != name:
        changes.append(f"名称：{locked.name} → {name}")
    if locked.region != region:
        changes.append(f"行政区划：{region_label(locked.region)} → {region_label(region)}")
    if not changes:
        return False
    before = {"name": locked.name, "region": locked.region}
    locked.name, locked.region = unit.name, unit.region = name, region
    locked.save(update_fields=["name", "region"])
    audit("unit.update", actor=actor, request=request, obj=locked, via=via,
          summary=f"修改成员单位 {before['name']}：{'；'.join(changes)}"[:500],
          detail={"before": before, "after": {"name": name, "region": region}})
    return True


def _keep_an_office_user(user: User, actor: User | None, doing: str) -> None:
    """The office keeps at least one active user, and nobody locks themself out."""
    if actor is not None and actor.pk == user.pk:
        raise DomainError("", f"这是您自己的账号，不能{doing}；请由其他信用办用户操作")
    if user.role == Role.OFFICE and user.is_active:
        # Locked, so two office users deactivating each other at once cannot both succeed.
        others = (User.objects.select_for_update()
                  .filter(role=Role.OFFICE, is_active=True).exclude(pk=user.pk))
        if not list(others.values_list("pk", flat=True)):
            raise DomainError("", f"“{user.username}”是最后一个启用的信用办用户，不能{doing}")


@transaction.atomic
def update_user(
    user: User, *, display_name: str, role: str, unit: Unit | None, subject_code: str | None,
    email: str = "", institution: Institution | None = None, actor: User | None = None,
    via: str = "web", request: HttpRequest | None = None,
) -> bool:
    """Change a user's display name, e-mail, role and binding (unit or subject). A user
    name never changes. Returns False, and records nothing, when nothing changed.

    A new role or binding revokes the user's live API tokens: a token was handed to one
    unit's (or subject's) system for what the user could do then, and must not start
    reporting for another unit or acting in another role."""
    if role not in Role.values:
        raise DomainError("role", f"应为 {'、'.join(Role.labels)} 之一")
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.role == Role.OFFICE and role != Role.OFFICE:
        _keep_an_office_user(locked, actor, "取消其信用办角色")
    unit, subject = _binding(role, unit, subject_code, current=locked)
    institution = _institution_binding(role, institution, current=locked)
    display_name, email = display_name.strip(), email.strip()
    changes, before, after = [], {}, {}
    fields = {
        "display_name": ("姓名或机构名称", locked.display_name, display_name,
                         lambda v: v or "（空）"),
        "email": ("电子邮箱", locked.email, email, lambda v: v or "（空）"),
        "role": ("角色", locked.role, role, lambda v: Role(v).label),
        "unit": ("所属单位", locked.unit, unit, lambda v: v.name if v else "（无）"),
        "subject": ("绑定主体", locked.subject, subject, lambda v: str(v) if v else "（无）"),
        "institution": ("所属金融机构", locked.institution, institution,
                        lambda v: v.name if v else "（无）"),
    }
    for name, (label, old, new, shown) in fields.items():
        if old != new:
            changes.append(f"{label}：{shown(old)} → {shown(new)}")
            before[name] = getattr(old, "pk", old)
            after[name] = getattr(new, "pk", new)
    if not changes:
        return False
    locked.display_name, locked.email, locked.role = display_name, email, role
    locked.unit, locked.subject, locked.institution = unit, subject, institution
    locked.save(update_fields=["display_name", "email", "role", "unit", "subject", "institution"])
    user.refresh_from_db()
    if {"role", "unit", "subject", "institution"} & after.keys():
        live = ApiToken.objects.filter(user=locked, revoked_at__isnull=True)
        if revoked := live.update(revoked_at=timezone.now()):
            changes.append(f"吊销其接口令牌 {revoked} 个")
            after["tokens_revoked"] = revoked
    audit("user.update", actor=actor, request=request, obj=locked, via=via,
          summary=f"修改用户 {locked.username}：{'；'.join(changes)}"[:500],
          detail={"before": before, "after": after})
    return True


@transaction.atomic
def set_user_active(
    user: User, active: bool, reason: str, *, actor: User | None = None, via: str = "web",
    request: HttpRequest | None = None,
) -> bool:
    """Deactivate (or reactivate) a user. A deactivated user cannot log in, an open session
    ends at its next request (the backend reloads the user) and their API tokens answer 401
    (not revoked: they work again once the user is reactivated). Returns False, and records
    nothing, when the user is in that state already."""
    reason = reason.strip()
    if not reason:
        raise DomainError("reason", "请说明原因")
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.is_active == active:
        user.is_active = active
        return False
    if not active:
        _keep_an_office_user(locked, actor, "停用")
    locked.is_active = user.is_active = active
    locked.save(update_fields=["is_active"])
    verb = "启用" if active else "停用"
    audit("user.reactivate" if active else "user.deactivate", actor=actor, request=request,
          obj=locked, summary=f"{verb}用户 {locked.username}：{reason}"[:500],
          detail={"reason": reason}, via=via)
    return True


# A temporary password: 12 characters from an alphabet without look-alikes (0/O, 1/l/I),
# in groups of four, so it can be read out over the telephone.
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def temporary_password() -> str:
    return "-".join("".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(4))
                    for _ in range(3))


@transaction.atomic
def reset_password(
    user: User, password: str = "", *, actor: User | None = None, via: str = "web",
    request: HttpRequest | None = None,
) -> str:
    """Give a user a temporary password (the one typed, or a generated one) that they must
    change at their next login; their lock-out, if any, ends too. Their open sessions end
    (the session hash changes with the password). Returns the password, which is stored
    nowhere in plain text: the caller shows it once."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if actor is not None and actor.pk == locked.pk:
        raise DomainError("password", "不能重置自己的密码，请在“修改密码”页面修改")
    generated = not password
    if generated:
        password = temporary_password()
    check_password_rules(password, locked)
    locked.set_password(password)
    locked.must_change_password = True
    locked.save(update_fields=["password", "must_change_password"])
    user.password, user.must_change_password = locked.password, True
    unlocked = clear_lockout(locked)
    how = "系统生成" if generated else "信用办设定"
    audit("user.password_reset", actor=actor, request=request, obj=locked, via=via,
          summary=f"重置用户 {locked.username} 的密码（{how}的临时密码，下次登录须修改）"
                  + ("，并解除登录锁定" if unlocked else ""),
          detail={"generated": generated, "unlocked": unlocked})
    return password


@transaction.atomic
def change_password(user: User, old: str, new: str, *, request: HttpRequest | None = None
                    ) -> None:
    """A user changes their own password: the current one first, then the rules; a
    temporary password given by the office must not be kept."""
    if not user.check_password(old):
        raise DomainError("old_password", "当前密码不正确")
    if new == old:
        raise DomainError("new_password1", "新密码不能与当前密码相同")
    check_password_rules(new, user)
    forced = user.must_change_password
    user.set_password(new)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit("user.password_change", actor=user, request=request, obj=user,
          summary=f"用户 {user.username} 修改了自己的密码" + ("（按要求修改临时密码）" if forced else ""))


# --- lock-out (django-axes: failures counted per user name and address) ------------------


def _attempts(usernames: list[str]) -> QuerySet[AccessAttempt]:
    from xinyong.accounts.auth import axes_username

    keys = [axes_username(None, {"username": name}) for name in usernames]  # type: ignore[arg-type]
    return AccessAttempt.objects.filter(username__in=keys)


def _live(attempts: QuerySet[AccessAttempt]) -> QuerySet[AccessAttempt]:
    """Attempts that lock the name out now: enough failures within the cool-off time."""
    cooloff = get_cool_off()
    if cooloff is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cooloff)
    return attempts.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)


def locked_out(users: list[User]) -> set[int]:
    """Which of `users` are locked out now (from any address), in one query."""
    from xinyong.accounts.auth import axes_username

    by_key = {axes_username(None, {"username": u.username}): u.pk for u in users}  # type: ignore[arg-type]
    keys = _live(AccessAttempt.objects.filter(username__in=list(by_key)))
    return {by_key[k] for k in keys.values_list("username", flat=True)}


def clear_lockout(user: User) -> bool:
    """Forget the user name's failed logins from every address. True if it was locked out."""
    attempts = _attempts([user.username])
    was_locked = _live(attempts).exists()
    attempts.delete()
    return was_locked


@transaction.atomic
def unlock_user(user: User, *, actor: User | None = None, via: str = "web",
                request: HttpRequest | None = None) -> bool:
    """End a user's lock-out (the count of failed logins starts again). Returns False, and
    records nothing, when the user was not locked out."""
    if not clear_lockout(user):
        return False
    audit("user.unlock", actor=actor, request=request, obj=user, via=via,
          summary=f"解除用户 {user.username} 的登录锁定")
    return True
