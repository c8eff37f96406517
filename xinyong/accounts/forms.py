from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.functional import lazy

from xinyong.accounts import validators
from xinyong.accounts.models import Institution, Role, Unit, User
from xinyong.lib.forms import ServiceErrorsMixin


class LoginForm(AuthenticationForm):
    """Django's login form. The backend refuses users of a deactivated member unit like a
    wrong password; someone who typed the right password is told why instead."""

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError as exc:
            user = self._deactivated_unit() if exc.code == "invalid_login" else None
            if user is None:
                raise
            if user.unit_id and not user.unit.is_active:  # type: ignore[union-attr]
                where = f"成员单位“{user.unit.name}”"  # type: ignore[union-attr]
            else:
                where = f"金融机构“{user.institution.name}”"  # type: ignore[union-attr]
            raise ValidationError(f"您所属的{where}已停用，不能登录。如有疑问，请联系信用办。",
                                  code="unit_inactive") from None

    def _deactivated_unit(self) -> User | None:
        """The user whose right password was refused because their member unit (or
        financial institution) is deactivated, else None."""
        if getattr(self.request, "axes_locked_out", False):
            return None  # the lock-out page answers; nothing is checked
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        user = (User.objects.select_related("unit", "institution")
                .filter(Q(unit__is_active=False) | Q(institution__is_active=False),
                        username=username, is_active=True).first())
        if user is None or not password or not user.check_password(password):
            return None
        return user


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


class InstitutionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Institutions by name and code: names of branches look alike."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.code}）" + ("（已停用）" if not obj.is_active else "")


def institution_field(queryset: Any) -> forms.ModelChoiceField:  # type: ignore[type-arg]
    return InstitutionChoiceField(
        label="所属金融机构", queryset=queryset, required=False,
        empty_label="（无）不属于任何金融机构",
        help_text="角色为金融机构时必选，其他角色不选",
    )


class UserForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    display_name = forms.CharField(label="姓名或机构名称", max_length=200, required=False)
    role = forms.ChoiceField(label="角色", choices=ROLES_BY_POWER, initial=Role.SUBJECT)
    unit = unit_field(Unit.objects.filter(is_active=True))
    institution = institution_field(Institution.objects.filter(is_active=True))
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
    institution = institution_field(Institution.objects.none())
    subject_code = forms.CharField(
        label="绑定主体代码", required=False, max_length=40,
        help_text="角色为信用主体时填写其统一社会信用代码或身份证号码；留空则保持当前绑定",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"display_name": user.display_name, "email": user.email,
                                      "role": user.role, "unit": user.unit_id,
                                      "institution": user.institution_id})
        super().__init__(*args, **kwargs)
        # Active units (institutions), and the user's own even when deactivated since.
        self.fields["unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            Q(is_active=True) | Q(pk=user.unit_id))
        self.fields["institution"].queryset = Institution.objects.filter(  # type: ignore[attr-defined]
            Q(is_active=True) | Q(pk=user.institution_id))


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


class InstitutionForm(forms.Form):
    name = forms.CharField(label="机构名称", max_length=200,
                           help_text="如：某某农村商业银行马尾支行")
    code = forms.CharField(label="统一社会信用代码", max_length=40)
    region = forms.CharField(label="行政区划代码", max_length=6, required=False,
                             help_text="如马尾区 350105、太仓市 320585；决定其信用核查适用哪些地方政策")


class InstitutionStateForm(forms.Form):
    """Deactivating or reactivating an institution: the reason goes to the audit log."""

    reason = forms.CharField(label="原因", max_length=200,
                             help_text="写入审计日志，例如退出合作、机构撤并或误操作")


class InstitutionFilterForm(UnitFilterForm):
    pass


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
