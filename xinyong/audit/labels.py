"""What the audit log's codes mean, in Chinese: the action (`record.export` → 导出信用记录)
and the object (`records.importjob` #6 → 批量导入 · 文件名, with a link to its page).

Every action code the platform writes has a label here (`tests/test_labels.py` reads the
code base for the codes and fails on one without); an unknown code is shown as it is, so
nothing is hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import NoReverseMatch, reverse

from xinyong.lib.pii import mask_id_numbers

# The steps every kind of case records (casework.Workflow: `<audit_prefix>.<step>`).
CASE_STEPS = {
    "accept": "受理或不予受理",
    "material_request": "要求补正材料",
    "material": "补正材料",
    "withdraw": "撤回申请",
    "take_over": "信用办接办",
    "decide": "作出决定",
    "evidence": "上传证明材料",
    "evidence_download": "下载证明材料",
    "evidence_purge": "删除到期证明材料",
}


def _case_actions(prefix: str, noun: str, submit: tuple[str, str], **extra: str
                  ) -> dict[str, str]:
    """A kind's actions: `submit` is its first step's (code, label), then the shared steps."""
    steps = {step: f"{noun}：{label}" for step, label in {**CASE_STEPS, **extra}.items()}
    return {f"{prefix}.{step}": label for step, label in {submit[0]: submit[1], **steps}.items()}


# (group, its actions): the filter's select shows them in these groups.
GROUPS: list[tuple[str, dict[str, str]]] = [
    ("信用记录", {
        "record.create": "报送信用记录",
        "record.correct": "更正信用记录",
        "record.withdraw": "撤回信用记录",
        "record.rectified": "登记整改完成",
        "record.export": "导出信用记录",
    }),
    ("行政许可", {
        "licence.create": "报送行政许可",
        "licence.correct": "更正行政许可",
        "licence.withdraw": "撤销行政许可",
    }),
    ("数据上报", {
        "exchange.cut": "生成上报批次",
        "exchange.download": "下载上报文件",
        "exchange.ack": "登记上报回执",
        "exchange.push": "推送上报批次",
        "exchange.push_failed": "上报批次推送失败",
    }),
    ("批量导入", {
        "import.create": "上传批量导入文件",
        "import.done": "批量导入完成",
        "import.failed": "批量导入失败",
        "import.errors_download": "下载导入错误行",
    }),
    ("信用主体", {
        "subject.lookup": "按身份证号码查找主体",
        "subject.read_full": "查看自然人完整信息",
        "subject.scale": "设置企业规模",
    }),
    ("信用评价", {
        "evaluation.refresh": "重新计算信用积分和评级",
        "inspection.draw": "双随机抽查摇号",
    }),
    ("信用核查", {
        "check.file": "上传核查文件",
        "check.export": "导出核查结果",
        "check.feedback": "提交核查反馈",
        "check.feedback_correct": "更正核查反馈",
    }),
    ("信用修复", _case_actions("repair", "信用修复", ("apply", "申请信用修复"),
                               channel="核实自报情形")),
    ("异议处理", _case_actions("objection", "异议", ("submit", "提出异议"))),
    # commitments (信用承诺): their actions here
    ("信用承诺", {
        "commitment.sign": "签署信用承诺",
        "commitment.download": "下载信用承诺书",
        "commitment.approve": "登记告知承诺审批",
        "commitment.verify": "核查信用承诺",
        "commitment.withdraw": "撤销信用承诺",
        "commitment.campaign": "发起承诺活动",
        "commitment.remind": "提醒承诺活动未签署对象",
    }),
    # certificates (不可抗力事实性证明): their actions here
    ("不可抗力证明", _case_actions("certificate", "不可抗力证明", ("submit", "申请不可抗力事实性证明"),
                                 pdf_download="下载证明文件")),
    ("授权查询", {
        "grant.create": "授权金融机构查询",
        "grant.revoke": "撤销授权",
        "grant.read": "金融机构依授权查询",
    }),
    ("信易贷", {
        **_case_actions("financing", "融资需求", ("submit", "发布融资需求")),
        "financing.product_publish": "发布信易贷产品",
        "financing.product_withdraw": "下架信易贷产品",
        "financing.list_join": "加入诚信中小企业名单",
        "financing.list_leave": "退出诚信中小企业名单",
    }),
    ("信用报告", {
        "report.issue": "出具信用报告",
        "report.revoke": "撤销信用报告",
    }),
    ("文章", {
        "article.create": "新建文章",
        "article.update": "修改文章",
        "article.publish": "发布文章",
        "article.withdraw": "撤回文章",
    }),
    ("政策规则", {
        "policy.load": "加载政策规则包",
        "policy.event": "登记政策事件",
        "policy.event_correct": "更正政策事件",
    }),
    ("成员单位", {
        "unit.create": "新建成员单位",
        "unit.update": "修改成员单位",
        "unit.region": "设置行政区划代码",
        "unit.deactivate": "停用成员单位",
        "unit.reactivate": "启用成员单位",
    }),
    ("金融机构", {
        "institution.create": "新建金融机构",
        "institution.deactivate": "停用金融机构",
        "institution.reactivate": "启用金融机构",
    }),
    ("用户", {
        "user.create": "新建用户",
        "user.update": "修改用户",
        "user.deactivate": "停用用户",
        "user.reactivate": "启用用户",
        "user.password_reset": "重置密码",
        "user.password_change": "修改密码",
        "user.unlock": "解除登录锁定",
    }),
    ("接口令牌", {
        "token.create": "创建接口令牌",
        "token.revoke": "吊销接口令牌",
    }),
    ("审计日志", {
        "audit.export": "导出审计日志",
    }),
    ("工作概览", {
        "dashboard.export": "导出工作概览",
    }),
    ("自助终端", {
        "kiosk.register": "登记自助服务终端",
        "kiosk.revoke": "停用自助服务终端",
        "kiosk.enrol": "在浏览器中启用自助服务终端",
        "kiosk.code": "获取自助终端取件码",
        "kiosk.redeem": "在自助服务终端使用取件码",
        "kiosk.lock": "自助服务终端取件码错误过多，暂停受理",
    }),
]

ACTIONS: dict[str, str] = {code: label for _, group in GROUPS for code, label in group.items()}


def action_label(code: str) -> str:
    """The action in Chinese; an unknown code as it is."""
    return ACTIONS.get(code, code)


def action_choices() -> list[tuple[str, Any]]:
    """The filter's options: every action, grouped, each group led by "all of the group"
    (the code's prefix, e.g. `token`)."""
    choices: list[tuple[str, Any]] = [("", "全部操作")]
    for group, actions in GROUPS:
        prefix = next(iter(actions)).split(".")[0]
        choices.append((group, [(prefix, f"全部{group}操作"), *actions.items()]))
    return choices


def actions_matching(text: str) -> list[str]:
    """The codes whose label contains `text` (the keyword filter finds 吊销 in 吊销接口令牌)."""
    return [code for code, label in ACTIONS.items() if text in label] if text else []


# --- objects -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """How the log shows one type of object: its noun, its name, its page (if any)."""

    noun: str = ""  # empty: the model's verbose_name
    name: Callable[[Any], str] = str
    url: Callable[[Any], str] | None = None
    related: tuple[str, ...] = ()  # select_related, for names that need them


def _url(name: str, *args: Any) -> str:
    return reverse(name, args=args)


KINDS: dict[str, Kind] = {
    "accounts.unit": Kind(url=lambda o: _url("accounts:unit_edit", o.pk)),
    "accounts.user": Kind(
        name=lambda o: o.username + (f"（{o.display_name}）" if o.display_name else ""),
        url=lambda o: _url("accounts:user_edit", o.pk)),
    "accounts.apitoken": Kind(url=lambda o: _url("accounts:tokens")),
    "records.record": Kind(url=lambda o: _url("records:detail", o.pk)),
    "licences.licence": Kind(url=lambda o: _url("licences:detail", o.pk)),
    "exchange.batch": Kind(noun="上报批次", name=lambda o: f"第 {o.pk} 批",
                           url=lambda o: _url("exchange:batch", o.pk)),
    "records.importjob": Kind(noun="批量导入", name=lambda o: o.file_name,
                              url=lambda o: _url("records:import", o.pk)),
    "checks.check": Kind(name=lambda o: f"#{o.pk}", url=lambda o: _url("checks:detail", o.pk)),
    "checks.checkfile": Kind(name=lambda o: o.file_name, url=lambda o: _url("checks:file", o.pk)),
    "checks.feedback": Kind(name=lambda o: f"核查 #{o.check_request_id} 的反馈",
                            url=lambda o: _url("checks:detail", o.check_request_id)),
    "policies.policyversion": Kind(name=lambda o: f"{o.doc_number}（第 {o.number} 版）",
                                   url=lambda o: _url("policies:detail", o.pack.pack_id),
                                   related=("pack",)),
    "policies.policyevent": Kind(url=lambda o: _url("policies:list")),
    "repairs.repair": Kind(name=lambda o: o.query_code, url=lambda o: _url("repairs:detail", o.pk)),
    "objections.objection": Kind(name=lambda o: o.query_code,
                                 url=lambda o: _url("objections:detail", o.pk)),
    "subjects.subject": Kind(url=lambda o: _url("subjects:detail", o.pk)),
    "reports.report": Kind(name=lambda o: o.number, url=lambda o: _url("reports:detail", o.number)),
    "inspections.draw": Kind(name=lambda o: o.name, url=lambda o: _url("inspections:detail", o.pk)),
    # commitments: their object kinds here
    "commitments.commitment": Kind(name=lambda o: f"{o.name}（{o.number}）",
                                   url=lambda o: _url("commitments:detail", o.pk)),
    "commitments.campaign": Kind(name=lambda o: o.title,
                                 url=lambda o: _url("commitments:campaign", o.pk)),
    "accounts.institution": Kind(url=lambda o: _url("accounts:institutions")),
    "grants.grant": Kind(name=lambda o: f"#{o.pk}", url=lambda o: _url("grants:detail", o.pk)),
    "financing.financingneed": Kind(name=lambda o: o.query_code,
                                    url=lambda o: _url("financing:detail", o.pk)),
    "financing.product": Kind(name=lambda o: o.name, url=lambda o: _url("financing:product", o.pk)),
    "financing.honestlisting": Kind(noun="诚信中小企业名单", name=lambda o: f"#{o.pk}",
                                    url=lambda o: _url("financing:honest")),
    "articles.article": Kind(name=lambda o: o.title, url=lambda o: _url("articles:edit", o.pk)),
    # certificates: their object kinds here
    "certificates.certificate": Kind(noun="不可抗力事实性证明申请", name=lambda o: o.query_code,
                                     url=lambda o: _url("certificates:detail", o.pk)),
}


@dataclass(frozen=True)
class ObjectRef:
    """One event's object as the page shows it."""

    noun: str  # 信用记录, 批量导入 … (the type itself when it is unknown)
    name: str  # readable; "已不存在" when the row is gone
    url: str = ""
    found: bool = True


def _noun(object_type: str, model: type[models.Model] | None) -> str:
    kind = KINDS.get(object_type)
    if kind and kind.noun:
        return kind.noun
    return str(model._meta.verbose_name) if model is not None else object_type


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def describe(events: Iterable[Any]) -> dict[int, ObjectRef]:
    """The objects of `events` (by event id), in one query per type of object."""
    wanted: dict[str, set[str]] = {}
    events = list(events)
    for event in events:
        if event.object_type and event.object_id:
            wanted.setdefault(event.object_type, set()).add(event.object_id)
    found: dict[tuple[str, str], Any] = {}
    for object_type, ids in wanted.items():
        model = _model(object_type)
        if model is None:
            continue
        kind = KINDS.get(object_type, Kind())
        try:
            rows = list(model._base_manager.select_related(*kind.related).filter(pk__in=ids))
        except (ValueError, TypeError, ValidationError):  # an id that is not this model's key
            continue
        found.update({(object_type, str(row.pk)): row for row in rows})
    refs = {}
    for event in events:
        if not event.object_type:
            continue
        model = _model(event.object_type)
        noun = _noun(event.object_type, model)
        obj = found.get((event.object_type, event.object_id))
        if obj is None:
            refs[event.pk] = ObjectRef(noun, f"#{event.object_id}（已不存在）"
                                       if model is not None else f"#{event.object_id}",
                                       found=False)
            continue
        kind = KINDS.get(event.object_type, Kind())
        url = ""
        if kind.url is not None:
            try:
                url = kind.url(obj)
            except NoReverseMatch:
                url = ""
        refs[event.pk] = ObjectRef(noun, mask_id_numbers(kind.name(obj)), url)
    return refs
