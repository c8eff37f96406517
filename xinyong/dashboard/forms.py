"""The dashboard's filters (unit, period), read the same way by the page and the API."""

from __future__ import annotations

from typing import Any

from django import forms

from xinyong.accounts.models import Unit
from xinyong.dashboard.queries import Scope, scope_for
from xinyong.lib.errors import DomainError
from xinyong.lib.forms import BootstrapForm, DateInput

DATE_ERRORS = {"invalid": "应为 YYYY-MM-DD 格式的日期"}


class FilterForm(BootstrapForm):
    # A department's page has no unit choice (it sees its own unit); the field stays so
    # that asking for another unit is answered (403), not silently ignored.
    unit = forms.ModelChoiceField(label="成员单位", queryset=Unit.objects.order_by("name"),
                                  required=False, empty_label="全部成员单位",
                                  error_messages={"invalid_choice": "没有这个成员单位"})
    date_from = forms.DateField(label="统计期间自", required=False, widget=DateInput(),
                                input_formats=["%Y-%m-%d"], error_messages=DATE_ERRORS)
    date_to = forms.DateField(label="至", required=False, widget=DateInput(),
                              input_formats=["%Y-%m-%d"], error_messages=DATE_ERRORS)

    def first_error(self) -> DomainError:
        name, errors = next(iter(self.errors.items()))
        return DomainError("" if name == "__all__" else name, str(errors[0]))


def read_scope(user: Any, data: Any) -> Scope:
    """The scope asked for in a query string; DomainError naming the field when it is wrong
    (422), or when the user may not see the unit asked for (403)."""
    form = FilterForm(data)
    if not form.is_valid():
        raise form.first_error()
    return scope_for(user, **form.cleaned_data)
