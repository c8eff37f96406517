from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.functional import lazy

from xinyong.accounts import validators
from xinyong.accounts.models import Role, Unit, User


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


class UserForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    display_name = forms.CharField(label="姓名或机构名称", max_length=200, required=False)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    unit = forms.ModelChoiceField(
        label="所属单位", queryset=Unit.objects.filter(is_active=True), required=False,
        help_text="角色为成员单位时必选",
    )
    subject_code = forms.CharField(
        label="绑定主体代码", required=False, max_length=40,
        help_text="角色为信用主体时填写其统一社会信用代码或身份证号码",
    )
    # Checked against the password rules by accounts.services.create_user, which knows the
    # user name and display name the rules compare it with.
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, strip=False,
                               help_text=lazy(validators.help_text, str)())


class TokenForm(forms.Form):
    user = forms.ModelChoiceField(
        label="用户",  # no tokens for deactivated users or users of a deactivated unit
        queryset=User.objects.filter(is_active=True).exclude(unit__is_active=False))
    name = forms.CharField(label="用途", max_length=100)
