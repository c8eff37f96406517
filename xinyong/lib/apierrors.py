"""The contract's error format: `{"detail": "...", "errors": [{"loc": [...], "msg": "..."}]}`."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Schema


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str


class Error(Schema):
    detail: str
    errors: list[ErrorItem] | None = None


class JsonErrorsForApi:
    """Middleware: 4xx answers under /api/ that Django or ninja made (no such URL, method
    not allowed) become JSON in the contract's format, like every other API error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and 400 <= response.status_code < 500
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            if response.status_code == 404:
                detail = "没有这个接口地址"
            elif response.status_code == 405:
                detail = f"此接口不支持 {request.method} 方法，可用：{response.get('Allow', '')}"
            else:
                detail = response.reason_phrase
            replacement = JsonResponse({"detail": detail}, status=response.status_code,
                                       json_dumps_params={"ensure_ascii": False})
            if response.has_header("Allow"):
                replacement["Allow"] = response["Allow"]
            return replacement
        return response
