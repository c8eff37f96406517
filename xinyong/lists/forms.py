"""The search box of a public list: a subject's name or an enterprise's USCC, never an ID number."""

from __future__ import annotations

from typing import Any

from django import forms

from xinyong.lib.pii import looks_like_id_number
from xinyong.subjects import codes


class ListSearchForm(forms.Form):
    q = forms.CharField(label="主体名称或统一社会信用代码", required=False, max_length=100,
                        strip=True)

    refused = False

    def clean_q(self) -> str:
        text = " ".join(self.cleaned_data["q"].split())
        number = codes.normalize(text)
        try:
            return codes.validate_uscc(number)  # an enterprise's code: searched exactly
        except codes.CodeError:
            pass
        if looks_like_id_number(number):
            # Never search (or echo back, see `shown`) a person's ID number on a public page.
            self.refused = True
            raise forms.ValidationError(
                "名单公示不支持按身份证号码查询；请输入主体名称或正确的统一社会信用代码。")
        return text

    @property
    def shown(self) -> str:
        """What the search box shows again: what was typed, unless it was an ID number."""
        self.is_valid()
        return "" if self.refused else str(self.data.get("q", ""))[:100]

    @property
    def query(self) -> str:
        return self.cleaned_data.get("q", "") if self.is_valid() else ""


def page_number(value: Any) -> int:
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1
