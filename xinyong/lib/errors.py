"""The one domain error every service raises (业务规则不允许的输入或操作).

`field` names the input at fault (dotted for nested input, e.g. `corrections.behavior`),
`msg` says what is wrong in the user's language, `status` is the HTTP answer it becomes:
422 bad input, 404 nothing there (or not for this user), 403 not this role, 409 the
thing changed under the caller. The API turns it into the contract's `{detail, errors}`
body in one handler (`xinyong.api`); forms show it beside the field through
`xinyong.lib.forms.ServiceErrorsMixin`.
"""

from __future__ import annotations


class DomainError(ValueError):
    def __init__(self, field: str, msg: str, status: int = 422) -> None:
        super().__init__(f"{field}：{msg}" if field else msg)
        self.field, self.msg, self.status = field, msg, status

    @property
    def loc(self) -> list[str | int]:
        return list(self.field.split(".")) if self.field else []
