"""The logging filter masks anything shaped like a resident ID number, wherever it sits in a
log line: message, arguments, tracebacks, Django's own request log."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from xinyong.lib.logfilter import RedactIdNumbers, redact

ID = "11010519491231002X"
MASKED = "110105********002X"


def test_filter_uses_the_one_recogniser() -> None:
    """Every written form is covered in test_pii; the log filter is the same function."""
    assert redact(f"身份证 {ID[:6]} {ID[6:14]} {ID[14:]}") == f"身份证 {MASKED}"


def make_record(msg: str, args: Any = None, exc_info: Any = None) -> logging.LogRecord:
    return logging.LogRecord("xinyong", logging.WARNING, __file__, 1, msg, args, exc_info)


def test_filter_redacts_message_and_arguments() -> None:
    record = make_record("查找 %s（%s）", (ID, "张三"))
    assert RedactIdNumbers().filter(record) is True
    assert record.getMessage() == f"查找 {MASKED}（张三）"


def test_filter_leaves_clean_records_untouched() -> None:
    args = ("91350100M000100Y43",)
    record = make_record("查找 %s", args)
    assert RedactIdNumbers().filter(record) is True
    assert record.msg == "查找 %s" and record.args == args


def test_filter_never_drops_a_record() -> None:
    assert RedactIdNumbers().filter(make_record(f"{ID} {ID}")) is True


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the platform's console handler (settings.LOGGING) writes."""
    handlers = [h for h in logging.getLogger().handlers
                if any(isinstance(f, RedactIdNumbers) for f in h.filters)]
    assert handlers, "settings.LOGGING has no handler with the ID number filter"
    out = io.StringIO()
    old = [h.setStream(out) for h in handlers]  # type: ignore[attr-defined]
    yield out
    for handler, stream in zip(handlers, old, strict=True):
        handler.setStream(stream)  # type: ignore[attr-defined]


def test_configured_handler_masks_messages(console: io.StringIO) -> None:
    logging.getLogger("xinyong.test").warning("查找 %s", ID)
    assert MASKED in console.getvalue() and ID not in console.getvalue()


def test_configured_handler_masks_tracebacks(console: io.StringIO) -> None:
    try:
        raise ValueError(f"无效的代码 {ID}")
    except ValueError:
        logging.getLogger("xinyong.test").exception("处理 %s 失败", ID)
    text = console.getvalue()
    assert "Traceback" in text and "ValueError" in text
    assert ID not in text and MASKED in text


def test_djangos_request_log_is_masked(db: Any, console: io.StringIO) -> None:
    Client().get(f"/api/v1/subjects/{ID}")
    Client().get(f"/subjects/{ID}/")
    text = console.getvalue()
    assert "Not Found" in text and MASKED in text and ID not in text
