"""The contract's error format: every 4xx is JSON with `detail`, and invalid input names the
field in `errors: [{loc, msg}]`. Bad input never gives a 500."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import ORG_CODE, PERSON_CODE, ApiClient
from xinyong.accounts.models import Role, User

LOOKUP = "/api/v1/subjects/lookup"


def post_raw(client: ApiClient, body: str | bytes, content_type: str = "application/json"
             ) -> Any:
    return client.post(LOOKUP, data=body, content_type=content_type)


def field_errors(response: Any) -> dict[str, str]:
    """{"code": msg} from the `errors` list, after checking its shape."""
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], list) and body["errors"]
    out = {}
    for item in body["errors"]:
        assert set(item) == {"loc", "msg"}
        assert isinstance(item["loc"], list) and isinstance(item["msg"], str) and item["msg"]
        out[".".join(str(p) for p in item["loc"])] = item["msg"]
    return out


@pytest.fixture
def office_api(users: dict[str, User], api: Callable[..., ApiClient]) -> ApiClient:
    return api(users[Role.OFFICE])


def test_missing_field(office_api: ApiClient) -> None:
    response = office_api.post_json(LOOKUP, {})
    assert response.status_code == 422
    assert field_errors(response) == {"code": "必填"}
    assert "code" in response.json()["detail"]


def test_wrong_type(office_api: ApiClient) -> None:
    for value in (123, None, ["91350100M000100Y43"], {"code": ORG_CODE}):
        response = office_api.post_json(LOOKUP, {"code": value})
        assert response.status_code == 422, value
        assert field_errors(response) == {"code": "应为字符串"}


def test_invalid_json_body_is_400(office_api: ApiClient) -> None:
    for body in ('{"code": ', "{'code': 'x'}", "code=91350100M000100Y43"):
        response = post_raw(office_api, body)
        assert response.status_code == 400, body
        assert response.json() == {"detail": "请求体不是有效的 JSON",
                                   "errors": [{"loc": ["body"], "msg": "不是有效的 JSON"}]}


def test_empty_body_names_the_body(office_api: ApiClient) -> None:
    response = post_raw(office_api, "")
    assert response.status_code == 422
    # Not ninja's internal argument name ("payload").
    assert field_errors(response) == {"body": "必填"}


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("9135010", "应为 18 位，实际为 7 位"),
        ("91350100M000100Y4345", "实际为 20 位"),
        ("91350100M000I00Y43", "不允许的字符“I”"),
        ("91350100M000100Y44", "统一社会信用代码校验位错误"),
        ("110105194912310021", "居民身份证号码校验位错误"),
        ("110105194913310010", "第 7–14 位的出生日期无效"),
        ("not a code at all", "既不是有效的统一社会信用代码，也不是有效的居民身份证号码"),
    ],
)
def test_bad_codes_are_422_naming_code(office_api: ApiClient, code: str, says: str) -> None:
    response = office_api.post_json(LOOKUP, {"code": code})
    assert response.status_code == 422
    errors = field_errors(response)
    assert list(errors) == ["code"]
    assert says in errors["code"]
    assert response.json()["detail"].startswith("code：")


def test_a_bad_id_number_is_not_echoed_whole(office_api: ApiClient) -> None:
    # A typo in an ID number is still nearly an ID number: the answer says what is wrong
    # without repeating it.
    typo = PERSON_CODE[:-1] + "1"
    response = office_api.post_json(LOOKUP, {"code": typo})
    assert response.status_code == 422 and typo not in response.content.decode()


def test_unknown_subject_404(office_api: ApiClient) -> None:
    response = office_api.post_json(LOOKUP, {"code": "91350100M000100Y43"})
    assert response.status_code == 404
    assert response.json() == {"detail": "平台上没有该代码的信用主体"}
    response = office_api.get("/api/v1/subjects/999999")
    assert response.status_code == 404 and response.json()["detail"]


@pytest.mark.parametrize(
    "path", ["/api/v1/subjects/abc", "/api/v1/subjects/99999999999999999999999",
             "/api/v1/subjects/-1", "/api/v1/no-such-endpoint"],
)
def test_unknown_urls_answer_json_404(db: Any, path: str) -> None:
    response = ApiClient().get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_wrong_method_is_json_405(db: Any) -> None:
    response = ApiClient().put(LOOKUP, data="{}", content_type="application/json")
    assert response.status_code == 405
    assert response.json()["detail"] == "此接口不支持 PUT 方法，可用：POST"
    assert response["Allow"] == "POST"


@pytest.mark.parametrize(
    "body",
    [
        "[]", "[1, 2]", '"91350100M000100Y43"', "null", "42", "true",
        '{"code": "' + "9" * 100_000 + '"}',
        '{"code": "\\u0000"}',
        '{"code": "１１０１０５１９４９１２３１００２Ｘ"}',
        '{"code": "91350100M000100Y43", "extra": "ignored"}',
        b"\xff\xfe\x00garbage",
        '{"code": {"$gt": ""}}',
    ],
)
def test_bad_input_never_500(office_api: ApiClient, body: str | bytes) -> None:
    response = post_raw(office_api, body)
    assert 200 <= response.status_code < 500
    if response.status_code >= 400:
        assert response.json()["detail"]


def test_json_is_utf8_chinese_not_escaped(
    office_api: ApiClient, organization: Any
) -> None:
    response = office_api.post_json(LOOKUP, {"code": ORG_CODE})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    raw = response.content
    assert "福州马尾康宁医疗器械有限公司".encode() in raw
    assert b"\\u" not in raw
    error = office_api.post_json(LOOKUP, {"code": "x"})
    assert "统一社会信用代码".encode() in error.content and b"\\u" not in error.content
    assert json.loads(raw.decode("utf-8"))["name"] == "福州马尾康宁医疗器械有限公司"


def test_openapi_document_describes_the_errors(db: Any) -> None:
    schema = ApiClient().get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "公共信用信息平台 API"
    lookup = schema["paths"]["/api/v1/subjects/lookup"]["post"]
    assert {"200", "404", "422"} <= set(lookup["responses"])


def test_a_server_fault_answers_in_the_error_format(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from xinyong.policies import api as policies_api

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(policies_api, "happened_events", broken)
    response = Client(raise_request_exception=False).get("/api/v1/policies")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "服务器内部错误" in response.json()["detail"]


def test_a_database_outage_is_a_503_to_retry(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError

    from xinyong.policies import api as policies_api

    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(policies_api, "happened_events", down)
    response = Client(raise_request_exception=False).get("/api/v1/policies")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json()["detail"] == "数据库暂时不可用，请稍后重试"


def test_a_form_sent_to_a_json_endpoint_is_400_not_a_fault(office_api: ApiClient) -> None:
    """A form body (here: multipart with no fields, as a plain POST from many clients) to an
    endpoint that reads JSON: the form was parsed on the way in, the JSON cannot be read."""
    response = office_api.post("/api/v1/repairs/999999/accept")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"loc": ["body"], "msg": "应为 JSON"}]
