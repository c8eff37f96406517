"""Text the platform cannot store: NUL characters and lone surrogates.

PostgreSQL refuses NUL in text, and a lone surrogate (a half of a UTF-16 pair, which JSON
can spell as "\\ud800") cannot be encoded as UTF-8 at all; either would turn input into a
server error or a job that never ends. They are refused where input enters (API bodies,
query strings, forms, bulk file cells), with a message naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

NUL = "含有空字符（NUL），请删除后重新提交"
SURROGATE = "含有无效的字符（孤立的 UTF-16 代理项），请检查编码后重新提交"


def bad_characters(text: str) -> str | None:
    """What is wrong with `text`, or None when it can be stored."""
    if "\x00" in text:
        return NUL
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE
    return None


def find_bad(value: Any, loc: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(location, problem) of every string in a JSON-like value that cannot be stored;
    keys are checked as well as values."""
    if isinstance(value, str):
        problem = bad_characters(value)
        if problem:
            yield loc, problem
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and (problem := bad_characters(key)):
                yield (*loc, key), f"字段名{problem}"
            yield from find_bad(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from find_bad(item, (*loc, index))


class RefuseUnstorableText:
    """Middleware: a request whose path, query string, form fields or JSON body carries NUL
    or a lone surrogate is answered 422 naming each field, before any view sees it (the API
    in the contract's error format, web pages with a page that says the same)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problems = list(self.problems(request))
        if not problems:
            return self.get_response(request)
        errors = [{"loc": list(loc), "msg": msg} for loc, msg in problems]
        names = "、".join(".".join(str(p) for p in e["loc"]) for e in errors)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": f"输入有误：{names}", "errors": errors}, status=422,
                                json_dumps_params={"ensure_ascii": False})
        return render(request, "front/bad_input.html", {"errors": errors}, status=422)

    def problems(self, request: HttpRequest) -> Iterator[tuple[tuple[str | int, ...], str]]:
        if problem := bad_characters(request.path):
            yield ("path",), problem
        yield from find_bad(_fields(request.GET))
        if request.method not in ("POST", "PUT", "PATCH"):
            return
        if request.content_type == "application/json":
            try:
                body = json.loads(request.body)
            except ValueError:
                return  # not JSON: the API says so itself
            yield from find_bad(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            yield from find_bad(_fields(request.POST))
            for name, uploads in request.FILES.lists():
                for upload in uploads:
                    if problem := bad_characters(upload.name or ""):
                        yield (name,), f"文件名{problem}"


def _fields(data: Any) -> dict[str, Any]:
    """A query string's or form's fields: one value as itself, repeated ones as a list."""
    return {key: values[0] if len(values) == 1 else values for key, values in data.lists()}
