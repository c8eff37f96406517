"""Form pieces every app's pages share: Bootstrap styling with errors marked on the field,
a real date picker, and the filters and query-code form of the case queues (repairs and
objections)."""

from __future__ import annotations

from typing import Any

from django import forms

from xinyong.accounts.models import Unit
from xinyong.lib.casework import normalize_code


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class BootstrapForm(forms.Form):
    """Bootstrap classes on every widget, and `is-invalid` on fields with errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            self._invalid(name)

    def add_error(self, field: str | None, error: Any) -> None:
        if field is not None and field not in self.fields:
            field = None
        super().add_error(field, error)
        if field is not None:
            self._invalid(field)

    def _invalid(self, name: str) -> None:
        if name not in self.fields:
            return
        widget = self.fields[name].widget
        if "is-invalid" not in widget.attrs.get("class", ""):
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class CaseQueueForm(BootstrapForm):
    """The filters above a case queue: status, overdue only, unit (office only), search.

    Subclasses set `statuses` (the model's status choices) and `unit_label`.
    """

    statuses: Any = ()
    unit_label = "单位"

    status = forms.ChoiceField(label="状态", required=False)
    overdue = forms.BooleanField(label="只看已超期", required=False)
    unit = forms.ModelChoiceField(label="单位", queryset=Unit.objects.none(), required=False,
                                  empty_label="全部单位")
    q = forms.CharField(label="查询码或主体名称", max_length=100, required=False,
                        widget=forms.TextInput(attrs={"placeholder": "查询码或主体名称"}))

    def __init__(self, *args: Any, office: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("open", "办理中"), ("all", "全部"), *self.statuses]  # type: ignore[attr-defined]
        if office:
            self.fields["unit"].queryset = Unit.objects.order_by("name")  # type: ignore[attr-defined]
            self.fields["unit"].label = self.unit_label
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
