"""Forms of the kiosk pages: the office's terminal registration, the terminal's enrolment,
the code typed at a terminal, and the subject's choice of report version."""

from __future__ import annotations

from django import forms

from xinyong.kiosk.models import CODE_DIGITS
from xinyong.lib.forms import BootstrapForm, ServiceErrorsMixin
from xinyong.reports import choices as report_choices


class TerminalForm(ServiceErrorsMixin, BootstrapForm):
    name = forms.CharField(label="终端名称", max_length=100,
                           help_text="便于识别，如：一楼大厅 1 号机",
                           error_messages={"required": "请填写终端名称"})
    place = forms.CharField(label="放置地点", max_length=200,
                            help_text="打印在报告上，如：太仓市政务服务中心一楼大厅",
                            error_messages={"required": "请填写放置地点"})


class EnrolForm(ServiceErrorsMixin, BootstrapForm):
    token = forms.CharField(label="终端令牌", max_length=100, strip=True,
                            error_messages={"required": "请输入信用办登记终端时显示的令牌"})


class CodeForm(ServiceErrorsMixin, BootstrapForm):
    code = forms.CharField(label="取件码", max_length=40, strip=True,
                           error_messages={"required": f"请输入 {CODE_DIGITS} 位取件码"})


# What each version holds, for the subject choosing one.
VERSION_HELP = {
    report_choices.PUBLIC: "依法公示的信用信息，可用于招投标、评优评先、行政审批、银行贷款等",
    report_choices.FULL: "全部信用记录和名单（含已结束公示的），仅供本人查阅，请勿交给他人",
}


class VersionForm(ServiceErrorsMixin, BootstrapForm):
    version = forms.ChoiceField(label="报告版本", choices=report_choices.VERSION.choices,
                                initial=report_choices.PUBLIC, widget=forms.RadioSelect,
                                error_messages={"required": "请选择报告版本",
                                                "invalid_choice": "请选择报告版本：公开版或完整版"})
