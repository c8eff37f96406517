"""Form pieces every app's pages share: Bootstrap styling with errors marked on the field,
a real date picker, and a service's DomainError shown beside the field it names."""

from __future__ import annotations

from typing import Any

from django import forms

from xinyong.lib.errors import DomainError


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
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
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


class ServiceErrorsMixin:
    """Show a service's DomainError on the form: beside the field it names, or at the top.

    Services name fields as the API does (`record_id`, `corrections.behavior`); a form maps
    the names that differ in `error_fields` (None: at the top). A dotted name falls back to
    its last part (`corrections.behavior` → `behavior`).
    """

    error_fields: dict[str, str | None] = {}

    def service_error(self, exc: DomainError) -> None:
        form: Any = self
        name: str | None = exc.field
        if name in self.error_fields:
            name = self.error_fields[name]
        elif name and name not in form.fields and "." in name:
            name = name.rsplit(".", 1)[-1]
        form.add_error(name if name in form.fields else None, exc.msg)
