"""Logging filter that masks anything shaped like a resident ID number (居民身份证号码)."""

from __future__ import annotations

import logging
import re

# 18 characters: 17 digits and a digit or X, not inside a longer run of letters or digits.
# (\d also matches full-width digits, as typed with Chinese input methods; so does Ｘ.)
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXxＸｘ])(?![0-9A-Za-z])")


def redact(text: str) -> str:
    return ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)


class RedactIdNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        # Tracebacks too: an exception's message may quote the input. Formatters use a
        # record's exc_text when it is set, so format it here, masked.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
