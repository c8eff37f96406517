"""The API root (/api/v1): routers of every app, the contract's error format, health."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from ninja import NinjaAPI, Schema, Status
from ninja.errors import (
    AuthenticationError,
    AuthorizationError,
    HttpError,
    ValidationError,
)
from ninja.renderers import JSONRenderer

from xinyong.accounts.auth import optional_auth
from xinyong.articles.api import router as articles_router
from xinyong.certificates.api import router as certificates_router
from xinyong.checks.api import router as checks_router
from xinyong.commitments.api import router as commitments_router
from xinyong.dashboard.api import router as dashboard_router
from xinyong.disclosure.api import router as publicity_router
from xinyong.exchange.api import router as exchange_router
from xinyong.financing.api import needs_router as financing_needs_router
from xinyong.financing.api import router as financing_router
from xinyong.grants.api import institutions_router
from xinyong.grants.api import router as grants_router
from xinyong.inspections.api import router as inspections_router
from xinyong.lib.errors import DomainError
from xinyong.licences.api import router as licences_router
from xinyong.lists.api import router as lists_router
from xinyong.objections.api import router as objections_router
from xinyong.policies.api import router as policies_router
from xinyong.portal.api import router as portal_router
from xinyong.records.api import imports_router
from xinyong.records.api import router as records_router
from xinyong.repairs.api import router as repairs_router
from xinyong.reports.api import router as reports_router
from xinyong.reports.api import subject_router as subject_report_router
from xinyong.scores.api import router as scores_router
from xinyong.subjects.api import router as subjects_router

log = logging.getLogger("xinyong.api")


class ChineseJSONRenderer(JSONRenderer):
    """Names and texts are Chinese: send them as UTF-8, not as \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


def reject_bad_token(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """openapi.json and docs are public, but a wrong token is 401 there too, as everywhere."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            optional_auth(request)
        except HttpError as exc:
            return error_response(request, exc.status_code, str(exc.message))
        return view(request, *args, **kwargs)

    return wrapped


class PlatformAPI(NinjaAPI):
    """NinjaAPI whose document also lists the answers every operation can give: 401 for a
    missing, wrong or revoked token (public operations too, when a bad one is sent), 400
    for a body that is not JSON, and 422 for input that does not validate, all in the
    contract's error format.

    Public operations (`optional_auth`: anonymous callers welcome) declare no security
    requirement; only the operations that need a token name the bearer scheme."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        public = type(optional_auth).__name__
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation["responses"]
                codes = {str(code) for code in responses}
                security = operation.get("security")
                if security and "401" not in codes:
                    responses[401] = {"description": "Unauthorized", **error}
                if security == [{public: []}]:
                    del operation["security"]
                takes_input = operation.get("parameters") or operation.get("requestBody")
                if takes_input and "422" not in codes:
                    responses[422] = {"description": "Unprocessable Content", **error}
                if operation.get("requestBody") and "400" not in codes:
                    responses[400] = {"description": "Bad Request", **error}
        schemes = schema["components"].get("securitySchemes", {})
        schemes.pop(public, None)
        if not schemes:
            schema["components"].pop("securitySchemes", None)
        return schema


api = PlatformAPI(
    renderer=ChineseJSONRenderer(),
    # Public endpoints still check a token when one is sent: wrong or revoked is 401.
    auth=optional_auth,
    docs_decorator=reject_bad_token,
    title="公共信用信息平台 API",
    version="1",
    description="信用主体、政策、信用记录、名单、联合奖惩核查、信用修复与异议处理的集成接口。"
                "未标注安全要求的接口对公众开放，无需令牌；携带令牌时按令牌所属角色作答，"
                "令牌无效、已吊销或已过期时返回 401。",
    urls_namespace="api",
)


def error_response(
    request: HttpRequest, status: int, detail: str, errors: list[dict[str, Any]] | None = None
) -> HttpResponse:
    body: dict[str, Any] = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


def _loc(loc: Any) -> list[str | int]:
    # Ninja prefixes the location with the parameter source and the argument name
    # ("body", "payload"); the caller only knows the field path inside the body.
    parts = [p for p in loc]
    if parts and parts[0] in ("body", "query", "path", "form", "file", "header", "cookie"):
        source = parts.pop(0)
        if parts and source == "body":
            # A field inside the body, or (only the argument name left) the body itself.
            parts = parts[1:] if len(parts) > 1 else ["body"]
    return parts


VALIDATION_MESSAGES = {
    "missing": "必填",
    "string_type": "应为字符串",
    "int_parsing": "应为整数",
    "bool_parsing": "应为 true 或 false",
    "date_from_datetime_parsing": "应为 YYYY-MM-DD 格式的日期",
    "date_parsing": "应为 YYYY-MM-DD 格式的日期",
    "literal_error": "取值无效",
    "enum": "取值无效",
    "json_invalid": "不是有效的 JSON",
    "extra_forbidden": "不允许的字段",
}


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for err in exc.errors:
        kind = err.get("type", "")
        msg = err.get("msg", "")
        friendly = VALIDATION_MESSAGES.get(kind)
        if friendly and kind in ("literal_error", "enum"):
            msg = f"{friendly}：{msg}"
        elif friendly:
            msg = friendly
        elif msg.startswith("Value error, "):
            msg = msg.removeprefix("Value error, ")
        errors.append({"loc": _loc(err.get("loc", [])), "msg": msg})
    fields = "、".join(".".join(str(p) for p in e["loc"]) or "请求体" for e in errors)
    return error_response(request, 422, f"输入有误：{fields}", errors)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "需要有效的接口令牌（Authorization: Bearer <令牌>）")


@api.exception_handler(AuthorizationError)
def on_authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return error_response(request, 403, "无权执行此操作")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    errors = getattr(exc, "errors", None)
    if exc.status_code == 400 and str(exc.message).startswith("Cannot parse request body"):
        # Ninja's own message for a body that is not JSON.
        return error_response(request, 400, "请求体不是有效的 JSON",
                              [{"loc": ["body"], "msg": "不是有效的 JSON"}])
    return error_response(request, exc.status_code, str(exc.message), errors)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """Every service's refusal, in one place: 422 names the field, the rest say why."""
    if exc.status == 422:
        return error_response(request, 422, str(exc), [{"loc": exc.loc, "msg": exc.msg}])
    return error_response(request, exc.status, exc.msg)


@api.exception_handler(Exception)
def on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A fault of ours is still an answer in the contract's format; the log has the rest.
    A database that is restarting is a 503 the caller may retry."""
    if isinstance(exc, RawPostDataException):
        # A form (multipart or urlencoded) sent to an endpoint that reads a JSON body: the
        # form was parsed on the way in, so the body cannot be read as JSON any more.
        return error_response(request, 400, "此接口的请求体应为 JSON（Content-Type: application/json）",
                              [{"loc": ["body"], "msg": "应为 JSON"}])
    if isinstance(exc, (OperationalError, InterfaceError)):
        log.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
        response = error_response(request, 503, "数据库暂时不可用，请稍后重试")
        response["Retry-After"] = "5"
        return response
    log.error("API error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(request, 500, "服务器内部错误，已记录，请稍后重试或联系信用办")


class Health(Schema):
    status: str
    database: str


@api.get("/health", response={200: Health, 503: Health}, tags=["system"], summary="健康检查")
def health(request: HttpRequest) -> Status[dict[str, str]]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return Status(503, {"status": "error", "database": "error"})
    return Status(200, {"status": "ok", "database": "ok"})


api.add_router("/policies", policies_router)
api.add_router("/subjects", subjects_router)
api.add_router("/subjects", subject_report_router)
api.add_router("/subjects", scores_router)
api.add_router("/inspections", inspections_router)
api.add_router("/reports", reports_router)
api.add_router("/records", records_router)
api.add_router("/imports", imports_router)
api.add_router("/licences", licences_router)
api.add_router("/publicity", publicity_router)
api.add_router("/exchange", exchange_router)
api.add_router("/lists", lists_router)
api.add_router("/checks", checks_router)
api.add_router("/repairs", repairs_router)
api.add_router("/objections", objections_router)
api.add_router("/commitments", commitments_router)
api.add_router("/force-majeure", certificates_router)
api.add_router("/grants", grants_router)
api.add_router("/institutions", institutions_router)
api.add_router("/financing/needs", financing_needs_router)
api.add_router("/financing", financing_router)
api.add_router("/search", portal_router)
api.add_router("/articles", articles_router)
api.add_router("/dashboard", dashboard_router)
