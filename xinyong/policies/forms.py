from __future__ import annotations

from django import forms


class PackUploadForm(forms.Form):
    file = forms.FileField(label="规则包文件（YAML，UTF-8）")

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("文件过大（上限 2 MB）")
        if not upload.name.lower().endswith((".yaml", ".yml")):
            raise forms.ValidationError("应为 .yaml 或 .yml 文件")
        return upload


class EventForm(forms.Form):
    code = forms.ChoiceField(label="事件")
    occurred_on = forms.DateField(label="发生日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="依据或说明", max_length=500, required=False)

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["code"].choices = choices  # type: ignore[attr-defined]


class EventCorrectionForm(forms.Form):
    """更正已记录的事件: a new date, or withdrawal when it did not happen; a reason always."""

    code = forms.ChoiceField(label="事件")
    occurred_on = forms.DateField(label="更正后的发生日期", required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}),
                                  help_text="留空并勾选“撤回”表示该事件并未发生")
    withdraw = forms.BooleanField(label="撤回该事件（并未发生）", required=False)
    reason = forms.CharField(label="更正原因", max_length=500)

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["code"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("withdraw") and not data.get("occurred_on"):
            self.add_error("occurred_on", "请填写更正后的日期，或勾选撤回")
        if data.get("withdraw") and data.get("occurred_on"):
            self.add_error("occurred_on", "撤回事件时不填日期")
        return data
