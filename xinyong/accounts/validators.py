"""Password rules with messages in Chinese, used through settings.AUTH_PASSWORD_VALIDATORS.

The rules are configured there and nowhere else; `user create` (accounts.services.
create_user), the office's user form and Django's `changepassword` all apply them through
`validate_password`.
"""

from __future__ import annotations

from django.contrib.auth import password_validation


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    # Django's zh_Hans catalogue lacks this message.
    def get_error_message(self) -> str:
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    # The catalogue's help text says 你; the platform says 您 or neither.
    def get_help_text(self) -> str:
        return "密码不能是常见密码。"


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    """Not the user name or display name, nor too like them. The catalogue's message reads
    "密码跟 用户名 太相似了"; this one names the field without the odd spacing."""

    def get_error_message(self) -> str:
        return "密码与%(verbose_name)s太相似。"

    def get_help_text(self) -> str:
        return "密码不能与用户名、姓名或机构名称相同或太相似。"


def help_text() -> str:
    """The rules in force, in one line (for forms that set a password)."""
    return "".join(password_validation.password_validators_help_texts())
