"""The office's article forms: the article itself (Markdown body, the records a case is
about, the policy a reading explains), the publish date and the reason for withdrawing.
The rules are the services'; their messages land on the field they name."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone

from xinyong.articles import services
from xinyong.articles.models import Article
from xinyong.lib.forms import BootstrapForm, DateInput, ServiceErrorsMixin
from xinyong.policies.models import PolicyPack


def split_refs(text: str) -> list[str]:
    """Record ids or decision numbers, one a line (commas and 、 separate too)."""
    return [part.strip() for part in re.split(r"[\n,，、;；]+", text or "") if part.strip()]


def pack_choices() -> list[tuple[str, str]]:
    packs = PolicyPack.objects.select_related("current").order_by("pack_id")
    return [("", "（不关联）")] + [
        (p.pack_id, f"{p.current.title}（{p.current.doc_number}）" if p.current else p.pack_id)
        for p in packs]


class ArticleForm(ServiceErrorsMixin, BootstrapForm):
    kind = forms.ChoiceField(label="类别", choices=Article.Kind.choices,
                             error_messages={"required": "请选择文章类别",
                                             "invalid_choice": "请选择文章类别"})
    title = forms.CharField(label="标题", max_length=services.MAX_TITLE,
                            error_messages={"required": "请填写标题"})
    summary = forms.CharField(label="摘要", max_length=services.MAX_SUMMARY, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text="列表中显示；最多 500 字")
    body = forms.CharField(
        label="正文", required=False,
        widget=forms.Textarea(attrs={"rows": 16, "class": "font-monospace"}),
        help_text=f"排版标记：# 标题，**加粗**，- 列表，[链接文字](网址)，表格各列用 | 分隔；"
                  f"不支持网页代码；最多 {services.MAX_BODY:,} 字")
    polarity = forms.ChoiceField(label="案例类型", required=False,
                                 choices=[("", "—"), *Article.Polarity.choices],
                                 help_text="仅典型案例：失信案例或守信案例")
    records = forms.CharField(
        label="关联信用记录", required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "如：128\n榕马市监罚〔2026〕3号"}),
        help_text="仅典型案例：填记录编号或决定文书号，每行一条；记录须正在公示，"
                  "与案例类型一致，且不是自然人的记录")
    pack_id = forms.ChoiceField(label="解读的政策", required=False, choices=(),
                                help_text="仅政策解读：所解读的政策文件")

    def __init__(self, *args: Any, editing: Article | None = None, preview_url: str = "",
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pack: Any = self.fields["pack_id"]
        pack.choices = pack_choices()
        if preview_url:  # the preview beside the editor follows the typing (HTMX)
            self.fields["body"].widget.attrs.update({
                "hx-post": preview_url, "hx-trigger": "input changed delay:500ms, load",
                "hx-target": "#preview", "hx-swap": "innerHTML"})
        if editing is not None:
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = "类别不能修改"

    def to_input(self) -> services.ArticleInput:
        data = self.cleaned_data
        kind = data["kind"]
        case = kind == Article.Kind.CASE
        return services.ArticleInput(
            kind=kind, title=data["title"], summary=data.get("summary", ""),
            body=data.get("body", ""),
            # The form shows every field; what does not belong to the kind is left out.
            polarity=data.get("polarity", "") if case else "",
            records=split_refs(data.get("records", "")) if case else [],
            pack_id=data.get("pack_id", "") if kind == Article.Kind.POLICY_READING else "")

    @staticmethod
    def initial_for(article: Article) -> dict[str, Any]:
        return {"kind": article.kind, "title": article.title, "summary": article.summary,
                "body": article.body, "polarity": article.polarity, "pack_id": article.pack_id,
                "records": "\n".join(str(pk) for pk in
                                     article.records.order_by("pk").values_list("pk", flat=True))}


class PublishForm(ServiceErrorsMixin, BootstrapForm):
    published_on = forms.DateField(label="发布日期", widget=DateInput(),
                                   help_text="今天：立即发布；以后的日期：到期自动发布",
                                   error_messages={"required": "请填写发布日期",
                                                   "invalid": "请按 年-月-日 填写发布日期"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"published_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class WithdrawForm(ServiceErrorsMixin, BootstrapForm):
    reason = forms.CharField(label="撤回原因", max_length=services.MAX_REASON,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "请填写撤回原因"})
