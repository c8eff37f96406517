from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.functional import lazy

from xinyong.accounts import validators
from xinyong.accounts.models import Role, Unit, User
from xinyong.lib.forms import ServiceErrorsMixin


class LoginForm(AuthenticationForm):
    """Django's login form. The backend refuses users of a deactivated member unit like a
    wrong password; someone who typed the right password is told why instead."""

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError as exc:
            unit = self._deactivated_unit() if exc.code == "invalid_login" else None
            if unit is None:
                raise
            raise ValidationError(
                f"您所属的成员单位“{unit.name}”已停用，不能登录。如有疑问，请联系信用办。",
                code="unit_inactive") from None

    def _deactivated_unit(self) -> Unit | None:
        if getattr(self.request, "axes_locked_out", False):
            return None  # the lock-out page answers; nothing is checked
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        user = (User.objects.select_related("unit")
                .filter(username=username, is_active=True, unit__is_active=False).first())
        if user is None or not password or not user.check_password(password):
            return None
        return user.unit


class UnitForm(forms.Form):
    name = forms.CharField(label="单位名称", max_length=200)
    code = forms.CharField(label="统一社会信用代码", max_length=40)
    region = forms.CharField(label="行政区划代码", max_length=6, required=False,
                             help_text="如马尾区 350105、太仓市 320585；决定本单位可按哪些地方政策报送")


class UnitRegionForm(forms.Form):
    region = forms.CharField(label="行政区划代码", max_length=6)


class UnitStateForm(forms.Form):
    """Deactivating or reactivating a unit: the reason goes to the audit log."""

    reason = forms.CharField(label="原因", max_length=200,
                             help_text="写入审计日志，例如机构改革、撤并或误操作")


# Roles from the least powerful to the most: a new user starts with the least.
ROLES_BY_POWER = [(r.value, r.label) for r in (Role.SUBJECT, Role.INSTITUTION, Role.DEPARTMENT,
                                                Role.OFFICE)]
NO_UNIT = "（无）不属于任何成员单位"


def unit_field(queryset: Any) -> forms.ModelChoiceField:  # type: ignore[type-arg]
    return forms.ModelChoiceField(
        label="所属成员单位", queryset=queryset, required=False, empty_label=NO_UNIT,
        help_text="角色为成员单位时必选，其他角色不选",
    )


class UserForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    display_name = forms.CharField(label="姓名或机构名称", max_length=200, required=False)
    role = forms.ChoiceField(label="角色", choices=ROLES_BY_POWER, initial=Role.SUBJECT)
    unit = unit_field(Unit.objects.filter(is_active=True))
    subject_code = forms.CharField(
        label="绑定主体代码", required=False, max_length=40,
        help_text="角色为信用主体时填写其统一社会信用代码或身份证号码",
    )
    # Checked against the password rules by accounts.services.create_user, which knows the
    # user name and display name the rules compare it with.
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, strip=False,
                               help_text=lazy(validators.help_text, str)())


class UserEditForm(ServiceErrorsMixin, forms.Form):
    """What the office may change about a user: everything but the user name."""

    error_fields = {"subject": "subject_code", "": None}

    display_name = forms.CharField(label="姓名或机构名称", max_length=200, required=False)
    email = forms.EmailField(label="电子邮箱", required=False,
                             error_messages={"invalid": "请输入有效的电子邮箱地址"})
    role = forms.ChoiceField(label="角色", choices=ROLES_BY_POWER)
    unit = unit_field(Unit.objects.none())
    subject_code = forms.CharField(
        label="绑定主体代码", required=False, max_length=40,
        help_text="角色为信用主体时填写其统一社会信用代码或身份证号码；留空则保持当前绑定",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"display_name": user.display_name, "email": user.email,
                                      "role": user.role, "unit": user.unit_id})
        super().__init__(*args, **kwargs)
        # Active units, and the user's own even when it has been deactivated since.
        self.fields["unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            Q(is_active=True) | Q(pk=user.unit_id))


class UserStateForm(forms.Form):
    """Deactivating or reactivating a user: the reason goes to the audit log."""

    reason = forms.CharField(label="原因", max_length=200,
                             help_text="写入审计日志，例如调离岗位、离职或误操作")


class PasswordResetForm(ServiceErrorsMixin, forms.Form):
    password = forms.CharField(
        label="临时密码", required=False, strip=False, widget=forms.PasswordInput,
        help_text=lazy(lambda: "留空则由系统生成并只显示一次；用户用它登录后必须立即设置新密码。"
                       + validators.help_text(), str)())


class PasswordChangeForm(ServiceErrorsMixin, forms.Form):
    error_fields = {"password": "new_password1", "": None}

    old_password = forms.CharField(label="当前密码", strip=False, widget=forms.PasswordInput)
    new_password1 = forms.CharField(label="新密码", strip=False, widget=forms.PasswordInput,
                                    help_text=lazy(validators.help_text, str)())
    new_password2 = forms.CharField(label="再次输入新密码", strip=False,
                                    widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "两次输入的新密码不一致")
        return data


class UnitEditForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label="单位名称", max_length=200)
    region = forms.CharField(label="行政区划代码", max_length=6, required=False,
                             help_text="如马尾区 350105、太仓市 320585；决定本单位可按哪些地方政策报送")


ACTIVE_CHOICES = [("", "全部状态"), ("1", "启用"), ("0", "已停用")]


class UnitFilterForm(forms.Form):
    q = forms.CharField(label="名称或统一社会信用代码", required=False, max_length=200)
    active = forms.ChoiceField(label="状态", choices=ACTIVE_CHOICES, required=False)


class UserFilterForm(forms.Form):
    q = forms.CharField(label="用户名、姓名或单位", required=False, max_length=200)
    role = forms.ChoiceField(label="角色", choices=[("", "全部角色"), *ROLES_BY_POWER],
                             required=False)
    active = forms.ChoiceField(label="状态", choices=ACTIVE_CHOICES, required=False)


class TokenForm(forms.Form):
    user = forms.ModelChoiceField(
        label="用户",  # no tokens for deactivated users or users of a deactivated unit
        queryset=User.objects.filter(is_active=True).exclude(unit__is_active=False))
    name = forms.CharField(label="用途", max_length=100)
