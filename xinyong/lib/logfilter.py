"""Logging filter that masks anything shaped like a resident ID number (居民身份证号码)."""

from __future__ import annotations

import logging

from xinyong.lib.pii import mask_id_numbers as redact  # one recogniser for logs and data


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
