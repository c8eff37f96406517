from __future__ import annotations

from django import forms
from django.utils.functional import lazy

from xinyong.accounts import validators
from xinyong.accounts.models import Role, Unit, User


class UnitForm(forms.Form):
    name = forms.CharField(label="单位名称", max_length=200)
    code = forms.CharField(label="统一社会信用代码", max_length=40)


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
    user = forms.ModelChoiceField(label="用户", queryset=User.objects.filter(is_active=True))
    name = forms.CharField(label="用途", max_length=100)
