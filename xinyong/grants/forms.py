"""Forms of the grant pages (授权查询); the rules are in services, DomainErrors shown by field."""

from __future__ import annotations

from typing import Any

from django import forms

from xinyong.accounts.models import Institution
from xinyong.grants import choices, services
from xinyong.lib.forms import BootstrapForm, DateInput, ServiceErrorsMixin

# One line under each part of a grant: what the institution then sees.
SCOPE_HELP = {
    choices.PROFILE: "完整的证件号码、全部名单记录（含已移出的）、行政许可和信用承诺",
    choices.RECORDS: "各种状态的信用记录（含已修复、豁免、暂缓、已过公示期的），而不只是公示中的",
    choices.SCORE: "自然人的信用积分及每一项加减分明细；企业的信用风险分类本来就公开",
    choices.REPORT: "由平台出具、编号并签名的完整版信用报告（PDF），每次出具都记入查询记录",
}


class InstitutionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return obj.name  # type: ignore[no-any-return]


class GrantForm(ServiceErrorsMixin, BootstrapForm):
    """授权: which institution, which parts of the credit file, for what, until when."""

    institution = InstitutionChoiceField(
        label="被授权的金融机构", queryset=Institution.objects.filter(is_active=True).order_by("name"),
        empty_label="请选择金融机构",
        error_messages={"required": "请选择被授权的金融机构",
                        "invalid_choice": "请从列表中选择平台上启用的金融机构"})
    scope = forms.MultipleChoiceField(
        label="授权范围", choices=choices.SCOPES.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一项授权范围"})
    purpose = forms.CharField(
        label="用途", max_length=services.MAX_PURPOSE,
        widget=forms.TextInput(attrs={"placeholder": "如：申请流动资金贷款"}),
        error_messages={"required": "请写明授权用途"})
    expires_on = forms.DateField(label="有效期至", required=False, widget=DateInput(),
                                 error_messages={"invalid": "请输入有效的日期"})

    def __init__(self, *args: Any, latest: Any = None, months: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["expires_on"]
        if latest is not None:
            field.initial = latest
            field.widget.attrs["max"] = latest.isoformat()
            field.help_text = (f"最长 {months} 个月，即最晚 {latest:%Y-%m-%d}；不填按最长期限。"
                               "到期后自动失效，也可随时撤销。")

    def scope_options(self) -> list[dict[str, Any]]:
        """Each part with its one-line explanation, and whether it is ticked."""
        chosen = set(self["scope"].value() or [])
        return [{"value": value, "label": label, "help": SCOPE_HELP.get(value, ""),
                 "checked": value in chosen, "id": f"id_scope_{i}"}
                for i, (value, label) in enumerate(choices.SCOPES.choices)]


class RevokeForm(BootstrapForm):
    reason = forms.CharField(label="撤销原因", max_length=200, required=False,
                             help_text="可不填；金融机构和信用办可以看到")


class ReceivedFilterForm(forms.Form):
    SHOW = [("", "全部授权"), ("live", "有效的"), ("ended", "已结束的")]

    q = forms.CharField(label="主体名称", required=False, max_length=200)
    state = forms.ChoiceField(label="状态", choices=SHOW, required=False)
