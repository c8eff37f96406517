"""Forms every kind of case shares: the handler's steps (accept or refuse, ask for
material, take over, decide), the applicant's (supply material, withdraw), evidence files,
the queue's filters and the query-code form."""

from __future__ import annotations

from typing import Any

from django import forms

from xinyong.accounts.models import Unit
from xinyong.casework import evidence
from xinyong.casework.pending import PendingFiles
from xinyong.casework.services import MAX_NOTE
from xinyong.casework.timeline import normalize_code
from xinyong.lib.errors import DomainError
from xinyong.lib.forms import BootstrapForm, ServiceErrorsMixin


class CaseForm(ServiceErrorsMixin, BootstrapForm):
    # Services name the case and its state; those errors go to the top of the form.
    error_fields: dict[str, str | None] = {"id": None, "status": None, "record_id": None,
                                           "files": "evidence"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def evidence_field(what: str = "证明材料", help_what: str = "能证明申请理由的材料") -> MultipleFileField:
    # Empty files pass here: the evidence check refuses them naming the file.
    field = MultipleFileField(label=what, required=False, help_text=evidence.help_text(help_what),
                              allow_empty_file=True)
    field.widget.attrs["accept"] = ",".join(evidence.TYPES)
    return field


class EvidenceMixin:
    """Checks the chosen files as the service will (number, size, type) on `evidence`,
    each on its own: a refused file is named, the others are `accepted_uploads`, which the
    view keeps (`casework.pending.PendingFiles`) when the form comes back. With `pending`,
    the files kept from earlier tries count and go to the service too."""

    def __init__(self, *args: Any, pending: PendingFiles | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pending = pending
        self.accepted_uploads: list[Any] = []

    def clean_evidence(self) -> list[Any]:
        files: list[Any] = self.cleaned_data.get("evidence") or []  # type: ignore[attr-defined]
        refused = []
        for upload in files:
            try:
                evidence.check([upload])
            except DomainError as exc:
                refused.append(exc.msg)
            else:
                self.accepted_uploads.append(upload)
        if refused:
            raise forms.ValidationError(refused)
        kept = self.pending.kept if self.pending else []
        total = len(kept) + len(self.accepted_uploads)
        if total > evidence.MAX_FILES:
            raise forms.ValidationError(f"最多上传 {evidence.MAX_FILES} 个文件，已选 {total} 个，"
                                        "请删除多余的文件")
        return [*(self.pending.files() if self.pending else []), *self.accepted_uploads]


def reason_field(label: str = "理由", required: bool = True, rows: int = 3) -> forms.CharField:
    return forms.CharField(label=label, max_length=MAX_NOTE, required=required,
                           widget=forms.Textarea(attrs={"rows": rows}),
                           error_messages={"required": "请写明理由"})


class AcceptForm(CaseForm):
    """受理 or 不予受理 (the latter with a reason)."""

    # A plain 受理 button posts no choice: that is acceptance.
    decision = forms.ChoiceField(
        label="是否受理", widget=forms.RadioSelect, required=False, initial="accept",
        choices=[("accept", "受理"), ("refuse", "不予受理")])
    reason = reason_field("说明（不予受理时必填）", required=False)

    def __init__(self, *args: Any, accept_label: str = "受理", **kwargs: Any) -> None:
        super().__init__(*args, prefix="accept", **kwargs)
        field: Any = self.fields["decision"]
        field.choices = [("accept", accept_label), ("refuse", "不予受理")]
        field.widget.attrs["class"] = "form-check-input"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["decision"] = data.get("decision") or "accept"
        if data.get("decision") == "refuse" and not (data.get("reason") or "").strip():
            self.add_error("reason", "不予受理须写明理由")
        return data


class DecideForm(CaseForm):
    """The decision: a subclass sets the choices (the kind's outcomes)."""

    outcome_choices: list[tuple[str, str]] = []

    decision = forms.ChoiceField(label="决定", widget=forms.RadioSelect,
                                 error_messages={"required": "请选择决定"})
    reason = reason_field("决定理由")

    field_order = ["decision", "reason"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="decide", **kwargs)
        field: Any = self.fields["decision"]
        field.choices = self.outcome_choices
        field.widget.attrs["class"] = "form-check-input"


class MaterialRequestForm(CaseForm):
    reason = reason_field("需补正的材料")

    def __init__(self, *args: Any, example: str = "", **kwargs: Any) -> None:
        super().__init__(*args, prefix="material", **kwargs)
        if example:
            self.fields["reason"].widget.attrs["placeholder"] = example


class TakeOverForm(CaseForm):
    reason = reason_field("接办原因", rows=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="take_over", **kwargs)
        self.fields["reason"].widget.attrs["placeholder"] = "如：逾期未办结"


class SupplyForm(EvidenceMixin, CaseForm):
    """The applicant's 补正: a note and files."""

    note = forms.CharField(label="补正说明", max_length=MAX_NOTE, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    evidence = evidence_field("补正材料", "按要求补正的材料")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="supply", **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("note") or "").strip() and not data.get("evidence") \
                and "evidence" not in self.errors:
            self.add_error("note", "请说明补正情况或上传补正材料")
        return data


class WithdrawForm(CaseForm):
    reason = reason_field("撤回原因（可不填）", required=False, rows=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="withdraw", **kwargs)


class QueueFilterForm(BootstrapForm):
    """The filters above a case queue: status, overdue only, unit (office only), search."""

    status = forms.ChoiceField(label="状态", required=False)
    overdue = forms.BooleanField(label="只看已超期", required=False)
    unit = forms.ModelChoiceField(label="单位", queryset=Unit.objects.none(), required=False,
                                  empty_label="全部单位")
    q = forms.CharField(label="查询码或主体名称", max_length=100, required=False,
                        widget=forms.TextInput(attrs={"placeholder": "查询码或主体名称"}))

    def __init__(self, *args: Any, office: bool, statuses: list[tuple[str, str]],
                 unit_label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("open", "办理中"), ("all", "全部"), *statuses]  # type: ignore[attr-defined]
        if office:
            self.fields["unit"].queryset = Unit.objects.order_by("name")  # type: ignore[attr-defined]
            self.fields["unit"].label = unit_label
        else:
            del self.fields["unit"]
        for field in self.fields.values():
            css = field.widget.attrs.get("class", "")
            if "form-control" in css:
                field.widget.attrs["class"] = f"{css} form-control-sm"
            elif "form-select" in css:
                field.widget.attrs["class"] = f"{css} form-select-sm"


class TrackForm(BootstrapForm):
    """查询码 for following a case without logging in; `example` is shown as the placeholder."""

    code = forms.CharField(
        label="查询码", max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false"}),
        error_messages={"required": "请输入查询码"},
    )

    def __init__(self, *args: Any, example: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if example:
            self.fields["code"].widget.attrs["placeholder"] = f"如 {example}"

    def clean_code(self) -> str:
        return normalize_code(self.cleaned_data["code"])


