"""Every API route × every role → the status the contract says.

A new endpoint must get a line in ROUTES: `test_every_route_is_in_the_table` reads the routes
from the ninja API object itself and fails for any route missing here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import ORG2_CODE, ORG_CODE, PERSON_CODE, ApiClient
from xinyong.accounts.models import ApiToken, Role, User
from xinyong.api import api as ninja_api
from xinyong.subjects.models import Subject

ANON = "anonymous"
ROLES = [ANON, Role.OFFICE, Role.DEPARTMENT, Role.SUBJECT, Role.INSTITUTION]
PREFIX = "/api/v1"


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def staff_only(allowed: int, others: int) -> dict[str, int]:
    return {ANON: others, Role.OFFICE: allowed, Role.DEPARTMENT: allowed,
            Role.SUBJECT: others, Role.INSTITUTION: others}


@dataclass(frozen=True)
class Upload:
    """A multipart body with one file, in the form field `field`."""

    name: str
    content: bytes
    field: str = "file"


def department_only(allowed: int) -> dict[str, int]:
    return {ANON: 401, Role.OFFICE: 403, Role.DEPARTMENT: allowed, Role.SUBJECT: 403,
            Role.INSTITUTION: 403}


def subject_only(allowed: int) -> dict[str, int]:
    return {ANON: 401, Role.OFFICE: 403, Role.DEPARTMENT: 403, Role.SUBJECT: allowed,
            Role.INSTITUTION: 403}


def office_only(allowed: int) -> dict[str, int]:
    return {ANON: 401, Role.OFFICE: allowed, Role.DEPARTMENT: 403, Role.SUBJECT: 403,
            Role.INSTITUTION: 403}


def institution_only(allowed: int) -> dict[str, int]:
    return {ANON: 401, Role.OFFICE: 403, Role.DEPARTMENT: 403, Role.SUBJECT: 403,
            Role.INSTITUTION: allowed}


def grant_parties(allowed: int) -> dict[str, int]:
    """Grants: the subject, the institution granted, the office."""
    return {ANON: 401, Role.OFFICE: allowed, Role.DEPARTMENT: 403, Role.SUBJECT: allowed,
            Role.INSTITUTION: allowed}


def deciders(allowed: int) -> dict[str, int]:
    return {ANON: 401, Role.OFFICE: allowed, Role.DEPARTMENT: allowed, Role.SUBJECT: 403,
            Role.INSTITUTION: 403}


def parties(allowed: int) -> dict[str, int]:
    return {ANON: 401, Role.OFFICE: allowed, Role.DEPARTMENT: allowed, Role.SUBJECT: allowed,
            Role.INSTITUTION: 403}


RECORD = {
    "subject": {"kind": "organization", "name": "福州示例信用科技有限公司", "code": ORG2_CODE},
    "behavior": "no_such_behavior", "occurred_on": "2020-02-10", "decided_on": "2020-02-20",
    "decision_no": "榕市监罚〔2020〕1号", "facts": "示例", "severity": "general",
}

# (method, route as ninja declares it, URL to call, JSON body, role → status).
# In URLs, {organization} and {person} are the ids of the fixtures' subjects. The subject
# user is bound to the organization, so for the person 张三 it is "others".
ROUTES: list[tuple[str, str, str, Any, dict[str, int]]] = [
    ("GET", "/health", "/health", None, everyone(200)),
    ("GET", "/openapi.json", "/openapi.json", None, everyone(200)),
    ("GET", "/docs", "/docs", None, everyone(200)),
    ("GET", "/policies", "/policies", None, everyone(200)),
    ("GET", "/policies/events", "/policies/events", None, everyone(200)),
    # No packs are loaded here, so the event code is unknown: the office gets past the role
    # check to the 422 that names the field; everyone else stops at 401/403.
    ("POST", "/policies/events", "/policies/events",
     {"code": "no_such_event", "occurred_on": "2023-01-08"},
     {ANON: 401, Role.OFFICE: 422, Role.DEPARTMENT: 403, Role.SUBJECT: 403,
      Role.INSTITUTION: 403}),
    ("GET", "/policies/{pack_id}", "/policies/no-such-pack", None, everyone(404)),
    # What-if of a draft pack: the office only; this text is no pack, so the office gets 422.
    ("POST", "/policies/whatif", "/policies/whatif", {"text": "id: 草案", "name": "draft.yaml"},
     office_only(422)),
    ("POST", "/subjects/lookup", "/subjects/lookup", {"code": ORG_CODE}, everyone(200)),
    # Looking a person up tells that they are on file: staff only.
    ("POST", "/subjects/lookup", "/subjects/lookup", {"code": PERSON_CODE},
     staff_only(200, 403)),
    ("GET", "/subjects/{subject_id}", "/subjects/{organization}", None, everyone(200)),
    # A person's profile answers 404 to those who may not see it (no enumeration).
    ("GET", "/subjects/{subject_id}", "/subjects/{person}", None, staff_only(200, 404)),
    # Records: only departments submit and handle their own unit's records. No packs are
    # loaded and record 999999 does not exist, so a department gets past the role check to
    # 422 (unknown behaviour) or 404; the other roles stop at 401/403.
    ("POST", "/records", "/records", RECORD, department_only(422)),
    ("GET", "/records/{record_id}", "/records/999999", None, everyone(404)),
    ("POST", "/records/{record_id}/rectified", "/records/999999/rectified", None,
     department_only(404)),
    ("POST", "/records/{record_id}/correct", "/records/999999/correct", {"reason": "更正"},
     department_only(404)),
    ("POST", "/records/{record_id}/withdraw", "/records/999999/withdraw", {"reason": "撤销"},
     department_only(404)),
    # Imports: a department uploads (a .txt is refused with 422 before anything is stored);
    # departments and the office follow jobs (999999 does not exist: 404).
    ("POST", "/imports", "/imports", Upload("records.txt", b"not a table"),
     department_only(422)),
    ("GET", "/imports/{job_id}", "/imports/999999", None, staff_only(404, 403) | {ANON: 401}),
    ("GET", "/imports/{job_id}/errors.csv", "/imports/999999/errors.csv", None,
     staff_only(404, 403) | {ANON: 401}),
    ("GET", "/imports/template.csv", "/imports/template.csv", None, everyone(200)),
    # Lists are public; with no packs loaded no list exists.
    ("GET", "/lists/{code}", "/lists/key_supervision", None, everyone(404)),
    # Checks: office and departments; banks in credit_loans only (bidding: 403, from the
    # service); the public cannot check.
    ("POST", "/checks", "/checks", {"scenario": "bidding", "subjects": [ORG_CODE]},
     staff_only(200, 403) | {ANON: 401}),
    ("GET", "/checks/{check_id}", "/checks/999999", None,
     staff_only(404, 403) | {ANON: 401, Role.INSTITUTION: 404}),
    ("POST", "/checks/{check_id}/feedback", "/checks/999999/feedback",
     {"subject_id": 1, "measure": "x", "applied": True},
     staff_only(404, 403) | {ANON: 401, Role.INSTITUTION: 404}),
    # Licences (双公示): departments submit (a bad authority code is 422 once past the role
    # check) and handle their own.
    ("POST", "/licences", "/licences", {
        "subject": RECORD["subject"], "decision_no": "榕市监许〔2020〕1号", "kind": "普通",
        "decided_on": "2020-02-20", "authority": {"name": "市场监督管理局", "code": "123"}},
     department_only(422)),
    ("GET", "/licences/{licence_id}", "/licences/999999", None, everyone(404)),
    ("POST", "/licences/{licence_id}/correct", "/licences/999999/correct", {"reason": "更正"},
     department_only(404)),
    ("POST", "/licences/{licence_id}/withdraw", "/licences/999999/withdraw", {"reason": "撤销"},
     department_only(404)),
    # The public 双公示 pages' data.
    ("GET", "/publicity/penalties", "/publicity/penalties", None, everyone(200)),
    ("GET", "/publicity/penalties/{record_id}", "/publicity/penalties/999999", None, everyone(404)),
    ("GET", "/publicity/licences", "/publicity/licences", None, everyone(200)),
    ("GET", "/publicity/licences/{licence_id}", "/publicity/licences/999999", None, everyone(404)),
    # The public search (portal): enterprises by name or code; a person's ID number is 422.
    ("GET", "/search", "/search?q=康宁", None, everyone(200)),
    ("GET", "/search", f"/search?q={PERSON_CODE}", None, everyone(422)),
    # The upward exchange: the office only.
    ("POST", "/exchange/batches", "/exchange/batches", None, office_only(201)),
    ("GET", "/exchange/batches", "/exchange/batches", None, office_only(200)),
    ("GET", "/exchange/batches/{batch_id}", "/exchange/batches/999999", None, office_only(404)),
    ("GET", "/exchange/batches/{batch_id}/file", "/exchange/batches/999999/file", None,
     office_only(404)),
    ("POST", "/exchange/batches/{batch_id}/ack", "/exchange/batches/999999/ack", {"accepted": 0},
     office_only(404)),
    # Credit reports: the subject itself and the office (with a purpose); institutions only
    # under a grant with scope report (none here: 403); a person's report is hidden (404)
    # from those who may not see the person. Verification is public.
    ("GET", "/subjects/{subject_id}/report", "/subjects/{organization}/report?purpose=评优评先审核",
     None, {ANON: 401, Role.OFFICE: 200, Role.DEPARTMENT: 403, Role.SUBJECT: 200,
            Role.INSTITUTION: 403}),
    ("GET", "/subjects/{subject_id}/report", "/subjects/{organization}/report", None,
     {ANON: 401, Role.OFFICE: 422, Role.DEPARTMENT: 403, Role.SUBJECT: 200,
      Role.INSTITUTION: 403}),
    ("GET", "/subjects/{subject_id}/report", "/subjects/{person}/report?purpose=评优评先审核", None,
     {ANON: 401, Role.OFFICE: 200, Role.DEPARTMENT: 403, Role.SUBJECT: 404,
      Role.INSTITUTION: 404}),
    ("GET", "/reports", "/reports", None,
     {ANON: 401, Role.OFFICE: 200, Role.DEPARTMENT: 403, Role.SUBJECT: 200,
      Role.INSTITUTION: 403}),
    ("GET", "/reports/{number}", "/reports/20260101ABCDEFGHJKMNPQ", None, everyone(404)),
    ("POST", "/reports/verify", "/reports/verify", Upload("报告.pdf", b"%PDF-1.4\n"), everyone(200)),
    ("POST", "/reports/{number}/revoke", "/reports/20260101ABCDEFGHJKMNPQ/revoke",
     {"reason": "出具有误"}, office_only(404)),
    # Points: the person and the office; grades: public for enterprises. No pack is loaded
    # here, so the office hears there is no scheme (404): scores/tests/test_api.py has them.
    ("GET", "/subjects/{subject_id}/score", "/subjects/{person}/score", None,
     {ANON: 401, Role.OFFICE: 404, Role.DEPARTMENT: 403, Role.SUBJECT: 404,
      Role.INSTITUTION: 403}),
    ("GET", "/subjects/{subject_id}/grade", "/subjects/{person}/grade", None,
     staff_only(404, 404)),
    ("GET", "/subjects/{subject_id}/grade", "/subjects/{organization}/grade", None, everyone(404)),
    # Inspection draws (双随机抽查): the office draws (unit 999999 does not exist: 422 once
    # past the role check); every draw is public.
    ("POST", "/inspections/draws", "/inspections/draws",
     {"name": "权限测试", "population": {"unit": 999999}}, office_only(422)),
    ("GET", "/inspections/draws", "/inspections/draws", None, everyone(200)),
    ("GET", "/inspections/draws/{draw_id}", "/inspections/draws/999999", None, everyone(404)),
    # Repairs and objections: see CASE_ROUTES below (the same endpoints for every kind).
]

def office_only_takes_over() -> dict[str, int]:
    return {ANON: 401, Role.OFFICE: 404, Role.DEPARTMENT: 403, Role.SUBJECT: 403,
            Role.INSTITUTION: 403}


def case_routes(path: str, create: dict[str, Any], decision: dict[str, Any]) -> list[Any]:
    """Every kind of case has the same endpoints (casework.api.case_router): the subject
    applies, supplies material, adds files and withdraws; the handling unit or the office
    accepts, asks for material and decides; only the office takes a case over; progress by
    query code needs no login. Case 999999 does not exist: 404 once past the role check."""
    case = f"{path}/999999"
    pdf = Upload("回单.pdf", b"%PDF-1.4\n", "files")
    return [
        ("POST", path, path, create, subject_only(404)),
        ("GET", path, path, None, parties(200)),
        ("GET", f"{path}/by-code/{{query_code}}", f"{path}/by-code/NOSUCHCODE", None, everyone(404)),
        ("GET", f"{path}/{{case_id}}", case, None, parties(404)),
        ("POST", f"{path}/{{case_id}}/accept", f"{case}/accept", None, deciders(404)),
        ("POST", f"{path}/{{case_id}}/material-request", f"{case}/material-request",
         {"reason": "请补充缴款凭证"}, deciders(404)),
        ("POST", f"{path}/{{case_id}}/material", f"{case}/material", pdf, subject_only(404)),
        ("POST", f"{path}/{{case_id}}/evidence", f"{case}/evidence", pdf, subject_only(404)),
        ("POST", f"{path}/{{case_id}}/withdraw", f"{case}/withdraw", None, subject_only(404)),
        ("POST", f"{path}/{{case_id}}/take-over", f"{case}/take-over", {"reason": "超期未办"},
         office_only_takes_over()),
        ("POST", f"{path}/{{case_id}}/decision", f"{case}/decision", decision, deciders(404)),
    ]


ROUTES += [
    *case_routes("/repairs", {"record_id": 999999, "statement": "已整改", "commitment": True},
                 {"decision": "approve", "reason": "已履行"}),
    ("POST", "/repairs/{case_id}/channel", "/repairs/999999/channel",
     {"decision": "standard", "reason": "不属于医疗保障企业"}, deciders(404)),
    *case_routes("/objections", {"record_id": 999999, "reason": "记录有误"},
                 {"decision": "upheld", "reason": "核实有误"}),
    # commitments: their routes here. No packs are loaded, so no template is in force: a
    # subject gets past the role check to 422 (unknown template); commitment 999999 does
    # not exist, so those who pass the role check get 404.
    ("GET", "/commitments/templates", "/commitments/templates", None, everyone(200)),
    ("POST", "/commitments", "/commitments", {"template": "fz_work_resumption"}, subject_only(422)),
    ("GET", "/commitments", "/commitments", None, everyone(200)),
    ("GET", "/commitments", "/commitments?subject_id={organization}", None, everyone(200)),
    # A person's commitments answer 404 to those who may not see the person's profile.
    ("GET", "/commitments", "/commitments?subject_id={person}", None, staff_only(200, 404)),
    ("GET", "/commitments/by-number/{number}", "/commitments/by-number/20260101ABCDEFGHJKMNPQ",
     None, everyone(404)),
    ("GET", "/commitments/{commitment_id}", "/commitments/999999", None, everyone(404)),
    ("GET", "/commitments/{commitment_id}/pdf", "/commitments/999999/pdf", None, parties(404)),
    ("POST", "/commitments/{commitment_id}/approval", "/commitments/999999/approval",
     {"approval_no": "榕马复工〔2026〕1号", "approved_on": "2026-03-02", "materials_replaced": "方案"},
     deciders(404)),
    ("POST", "/commitments/{commitment_id}/verify", "/commitments/999999/verify",
     {"result": "fulfilled", "method": "书面核查", "note": "材料齐全"}, deciders(404)),
    ("POST", "/commitments/{commitment_id}/withdraw", "/commitments/999999/withdraw",
     {"reason": "审批撤销"}, parties(404)),
    # force-majeure certificates: their routes here
    # No pack is loaded here, so no pack offers the service: the subject's application is
    # refused with 422 naming the field (`service`) instead of the other kinds' 404.
    *[(method, route, url, body, subject_only(422) if (method, route) == ("POST", "/force-majeure")
       else expected) for method, route, url, body, expected in case_routes(
        "/force-majeure", {"contract_no": "EX-2020-001", "counterparty": "Müller GmbH",
                           "event": "新冠肺炎疫情", "facts": "复工延迟，船期取消"},
        {"decision": "issue", "reason": "材料属实"})],
    ("GET", "/force-majeure/certificates/{number}", "/force-majeure/certificates/20200301ABCDEFGHJKMNPQ",
     None, everyone(404)),
    # 信易贷: grants (the subject grants and revokes; it and the institution see them; the
    # office sees all). No pack is loaded here, so there are no 信易贷 rules in force: the
    # subject's grant and need are refused with 422 naming the field.
    ("POST", "/grants", "/grants", {"institution": "1", "scope": ["profile"], "purpose": "贷款"},
     subject_only(422)),
    ("GET", "/grants", "/grants", None, {ANON: 401, Role.OFFICE: 200, Role.DEPARTMENT: 403,
                                         Role.SUBJECT: 200, Role.INSTITUTION: 200}),
    ("GET", "/grants/{grant_id}", "/grants/999999", None, grant_parties(404)),
    ("DELETE", "/grants/{grant_id}", "/grants/999999", None, subject_only(404)),
    ("GET", "/institutions", "/institutions", None, everyone(200)),
    # Financing needs: the case endpoints with institutions as handlers, the contract's
    # outcome instead of decision, and no take-over (the office does not lend).
    ("POST", "/financing/needs", "/financing/needs",
     {"amount_wan": "100", "term_months": 12, "purpose": "流动资金"}, subject_only(422)),
    ("GET", "/financing/needs", "/financing/needs", None,
     {ANON: 401, Role.OFFICE: 403, Role.DEPARTMENT: 403, Role.SUBJECT: 200, Role.INSTITUTION: 200}),
    ("GET", "/financing/needs/by-code/{query_code}", "/financing/needs/by-code/NOSUCHCODE", None,
     everyone(404)),
    ("GET", "/financing/needs/{case_id}", "/financing/needs/999999", None,
     {ANON: 401, Role.OFFICE: 403, Role.DEPARTMENT: 403, Role.SUBJECT: 404, Role.INSTITUTION: 404}),
    ("POST", "/financing/needs/{case_id}/accept", "/financing/needs/999999/accept", None,
     institution_only(404)),
    ("POST", "/financing/needs/{case_id}/material-request", "/financing/needs/999999/material-request",
     {"reason": "请提供财务报表"}, institution_only(404)),
    ("POST", "/financing/needs/{case_id}/material", "/financing/needs/999999/material",
     Upload("报表.pdf", b"%PDF-1.4\n", "files"), subject_only(404)),
    ("POST", "/financing/needs/{case_id}/evidence", "/financing/needs/999999/evidence",
     Upload("报表.pdf", b"%PDF-1.4\n", "files"), subject_only(404)),
    ("POST", "/financing/needs/{case_id}/withdraw", "/financing/needs/999999/withdraw", None,
     subject_only(404)),
    ("POST", "/financing/needs/{case_id}/outcome", "/financing/needs/999999/outcome",
     {"status": "declined", "reason": "流水不足"}, institution_only(404)),
    # Products: public on sale; institutions publish (a body whose ranges are reversed:
    # 422 once past the role check) and withdraw their own.
    ("GET", "/financing/products", "/financing/products", None, everyone(200)),
    ("POST", "/financing/products", "/financing/products",
     {"name": "诚信贷", "amount_min_wan": "500", "amount_max_wan": "10", "term_min_months": 3,
      "term_max_months": 12, "rate_min": "3.5", "rate_max": "4.5"}, institution_only(422)),
    ("POST", "/financing/products/{product_id}/withdraw", "/financing/products/999999/withdraw",
     None, institution_only(404)),
    # The honest-SME list: institutions and the office read it; a subject joins and leaves.
    ("GET", "/financing/honest-smes", "/financing/honest-smes", None,
     {ANON: 401, Role.OFFICE: 200, Role.DEPARTMENT: 403, Role.SUBJECT: 403, Role.INSTITUTION: 200}),
    ("POST", "/financing/honest-smes/me", "/financing/honest-smes/me", {}, subject_only(200)),
    ("DELETE", "/financing/honest-smes/me", "/financing/honest-smes/me", None, subject_only(409)),
    ("GET", "/financing/stats", "/financing/stats", None, office_only(200)),
    # The dashboard: the office and departments (its own unit); a bad date is 422 naming it.
    ("GET", "/dashboard", "/dashboard", None, deciders(200)),
    ("GET", "/dashboard", "/dashboard?date_from=2026-02-30", None, deciders(422)),
    # Articles: public; an unknown kind is 422 naming it, a hidden or missing article 404.
    ("GET", "/articles", "/articles", None, everyone(200)),
    ("GET", "/articles", "/articles?kind=story", None, everyone(422)),
    ("GET", "/articles/{article_id}", "/articles/999999", None, everyone(404)),
]

CASES = [
    pytest.param(method, url, body, role, expected[role], id=f"{method} {url} {role}")
    for method, _, url, body, expected in ROUTES
    for role in ROLES
]


def declared_routes() -> set[tuple[str, str]]:
    """(method, route) of every operation the API serves, path converters stripped."""
    found = set()
    for prefix, router in ninja_api._routers:
        for path, view in router.path_operations.items():
            route = re.sub(r"\{(?:\w+:)?(\w+)\}", r"{\1}", "/" + (prefix + path).strip("/"))
            for operation in view.operations:
                found.update((method, route) for method in operation.methods)
    for extra in (ninja_api.openapi_url, ninja_api.docs_url):
        if extra:
            found.add(("GET", "/" + extra.strip("/")))
    return found


def test_every_route_is_in_the_table() -> None:
    table = {(method, route) for method, route, *_ in ROUTES}
    missing = declared_routes() - table
    assert not missing, f"add these routes to ROUTES in {__file__}: {sorted(missing)}"
    stale = table - declared_routes()
    assert not stale, f"ROUTES lists routes the API no longer has: {sorted(stale)}"


def test_table_covers_every_role() -> None:
    for method, route, _, _, expected in ROUTES:
        assert set(expected) == set(ROLES), (method, route)


@pytest.fixture
def call(
    users: dict[str, User], person: Subject, organization: Subject,
    token_for: Callable[[User], str],
) -> Callable[..., Any]:
    ids = {"organization": organization.pk, "person": person.pk}

    def send(method: str, url: str, body: Any, client: ApiClient) -> Any:
        path = PREFIX + url.format(**ids)
        if method == "GET":
            return client.get(path)
        if isinstance(body, Upload):
            return client.post(path, {body.field: SimpleUploadedFile(body.name, body.content)})
        data = b"" if body is None else json.dumps(body, ensure_ascii=False)
        return client.generic(method, path, data=data, content_type="application/json")

    return send


@pytest.mark.parametrize(("method", "url", "body", "role", "expected"), CASES)
def test_status_by_role(
    call: Callable[..., Any], users: dict[str, User], token_for: Callable[[User], str],
    method: str, url: str, body: Any, role: str, expected: int,
) -> None:
    client = ApiClient(None if role == ANON else token_for(users[role]))
    response = call(method, url, body, client)
    assert response.status_code == expected, response.content.decode()[:300]
    if expected >= 400:
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["detail"]


ROUTE_CASES = [pytest.param(method, url, body, id=f"{method} {url}")
               for method, _, url, body, _ in ROUTES]


@pytest.mark.parametrize(("method", "url", "body"), ROUTE_CASES)
def test_invalid_token_is_401_everywhere(
    call: Callable[..., Any], method: str, url: str, body: Any
) -> None:
    for header in ("Bearer xy_not-a-real-token", "Bearer ", "Basic YWxpY2U6cGFzcw=="):
        client = ApiClient()
        client.defaults["HTTP_AUTHORIZATION"] = header
        response = call(method, url, body, client)
        assert response.status_code == 401, (header, response.content.decode()[:300])
        assert response.json()["detail"]


@pytest.mark.parametrize(("method", "url", "body"), ROUTE_CASES)
def test_revoked_token_is_401_everywhere(
    call: Callable[..., Any], users: dict[str, User], method: str, url: str, body: Any
) -> None:
    token, raw = ApiToken.issue(users[Role.OFFICE], "吊销测试")
    token.revoke()
    response = call(method, url, body, ApiClient(raw))
    assert response.status_code == 401, response.content.decode()[:300]


@pytest.mark.parametrize(("method", "url", "body"), ROUTE_CASES)
def test_token_of_a_deactivated_user_is_401(
    call: Callable[..., Any], users: dict[str, User], token_for: Callable[[User], str],
    method: str, url: str, body: Any,
) -> None:
    raw = token_for(users[Role.OFFICE])
    User.objects.filter(pk=users[Role.OFFICE].pk).update(is_active=False)
    response = call(method, url, body, ApiClient(raw))
    assert response.status_code == 401, response.content.decode()[:300]


# Web pages × roles → status (302: to the login page). Pages of one object use ids and
# codes that do not exist, so a role that passes the role check gets 404. Each app adds
# its pages here.
def pages_of(allowed: int, roles: tuple[str, ...]) -> dict[str, int]:
    return {role: (302 if role == ANON else allowed if role in roles else 403) for role in ROLES}


PAGES: list[tuple[str, dict[str, int]]] = [
    ("/objections/", pages_of(200, (Role.OFFICE, Role.DEPARTMENT))),
    ("/objections/mine/", pages_of(200, (Role.SUBJECT,))),
    ("/objections/new/", pages_of(200, (Role.SUBJECT,))),
    ("/objections/999999/", pages_of(404, (Role.OFFICE, Role.DEPARTMENT, Role.SUBJECT))),
    ("/objections/track/", everyone(200)),
    ("/objections/track/YYNOSUCHCODE/", everyone(404)),
    ("/repairs/", pages_of(200, (Role.OFFICE, Role.DEPARTMENT))),
    ("/repairs/mine/", pages_of(200, (Role.SUBJECT,))),
    ("/repairs/apply/999999/", pages_of(404, (Role.SUBJECT,))),
    ("/repairs/999999/", pages_of(404, (Role.OFFICE, Role.DEPARTMENT, Role.SUBJECT))),
    ("/repairs/999999/evidence/999999/", pages_of(404, (Role.OFFICE, Role.DEPARTMENT, Role.SUBJECT))),
    ("/repairs/track/", everyone(200)),
    ("/repairs/track/XFNOSUCHCODE2/", everyone(404)),
    ("/repairs/guide/", everyone(200)),
    # the portal's search page (public; a person's ID number is refused)
    ("/search/", everyone(200)),
    ("/search/?q=康宁", everyone(200)),
    (f"/search/?q={PERSON_CODE}", everyone(422)),
    ("/notices/", pages_of(200, tuple(Role.values))),
    ("/inspections/", everyone(200)),
    ("/inspections/new/", pages_of(200, (Role.OFFICE,))),
    ("/inspections/999999/", everyone(404)),
    ("/subjects/999999/score/", pages_of(404, (Role.OFFICE, Role.SUBJECT))),
    ("/subjects/999999/grade/", everyone(404)),
    # commitments: their pages here
    ("/commitments/", everyone(200)),
    ("/commitments/mine/", pages_of(200, (Role.SUBJECT,))),
    ("/commitments/sign/", pages_of(200, (Role.SUBJECT,))),
    ("/commitments/queue/", pages_of(200, (Role.OFFICE, Role.DEPARTMENT))),
    ("/commitments/stats/", pages_of(200, (Role.OFFICE, Role.DEPARTMENT))),
    ("/commitments/check/", everyone(200)),
    ("/commitments/check/20260101ABCDEFGHJKMNPQ/", everyone(404)),
    ("/commitments/999999/", everyone(404)),
    ("/commitments/999999/pdf/", pages_of(404, (Role.OFFICE, Role.DEPARTMENT, Role.SUBJECT))),
    ("/commitments/campaigns/", everyone(200)),
    ("/commitments/campaigns/new/", pages_of(200, (Role.OFFICE, Role.DEPARTMENT))),
    ("/commitments/campaigns/999999/", everyone(404)),
    # force-majeure certificates: their pages here
    ("/force-majeure/", pages_of(200, (Role.OFFICE, Role.DEPARTMENT))),
    ("/force-majeure/stats/", pages_of(200, (Role.OFFICE, Role.DEPARTMENT))),
    ("/force-majeure/mine/", pages_of(200, (Role.SUBJECT,))),
    ("/force-majeure/apply/", pages_of(200, (Role.SUBJECT,))),
    ("/force-majeure/999999/", pages_of(404, (Role.OFFICE, Role.DEPARTMENT, Role.SUBJECT))),
    ("/force-majeure/999999/pdf/", pages_of(404, (Role.OFFICE, Role.DEPARTMENT, Role.SUBJECT))),
    ("/force-majeure/999999/receipt/", pages_of(404, (Role.OFFICE, Role.DEPARTMENT, Role.SUBJECT))),
    ("/force-majeure/999999/evidence/999999/",
     pages_of(404, (Role.OFFICE, Role.DEPARTMENT, Role.SUBJECT))),
    ("/force-majeure/track/", everyone(200)),
    ("/force-majeure/track/BKNOSUCHCODE2/", everyone(404)),
    ("/force-majeure/certificates/", everyone(200)),
    ("/force-majeure/certificates/20200301ABCDEFGHJKMNPQ/", everyone(404)),
    # the display mode switch (长者模式) takes a POST from anyone, nothing else
    ("/display-mode/", everyone(405)),
    # a pack's what-if (the office's, kept in its session): none under this sha256
    ("/policies/upload/whatif/" + "0" * 64 + "/", pages_of(404, (Role.OFFICE,))),
    ("/policies/upload/whatif/" + "0" * 64 + "/adopted/", pages_of(404, (Role.OFFICE,))),
    # the dashboard (工作概览): the office and departments
    ("/dashboard/", pages_of(200, (Role.OFFICE, Role.DEPARTMENT))),
    # articles: the public list and page, the office's list and editor
    ("/articles/", everyone(200)),
    ("/articles/?kind=case", everyone(200)),
    ("/articles/999999/", everyone(404)),
    ("/office/articles/", pages_of(200, (Role.OFFICE,))),
    ("/office/articles/new/", pages_of(200, (Role.OFFICE,))),
    ("/office/articles/999999/", pages_of(404, (Role.OFFICE,))),
]


@pytest.mark.parametrize(("url", "role", "expected"), [
    pytest.param(url, role, expected[role], id=f"{url} {role}")
    for url, expected in PAGES for role in ROLES
])
def test_page_status_by_role(web: Callable[..., Any], users: dict[str, User], url: str, role: str,
                             expected: int) -> None:
    response = web(None if role == ANON else users[role]).get(url)
    assert response.status_code == expected, response.content.decode()[:300]
    if expected == 302:
        assert response["Location"].startswith("/login/")


# --- the access rules themselves -----------------------------------------------------------
# Pages and the API both ask the model who may see a row (`Model.objects.visible_to(user)`);
# here each rule is called for every role, with real rows of two units and two subjects.

@pytest.fixture
def world(users: dict[str, User], unit: Any, other_unit: Any, organization: Subject,
          person: Subject, make_user: Callable[..., User]) -> dict[str, Any]:
    import datetime as dt

    from django.contrib.auth.models import AnonymousUser

    from xinyong.audit.models import record as audit
    from xinyong.checks.models import Check, CheckFile
    from xinyong.lists.models import Membership
    from xinyong.notices.models import notify
    from xinyong.objections import services as objections
    from xinyong.policies import loader
    from xinyong.records import services as records
    from xinyong.records.models import ImportJob
    from xinyong.repairs import services as repairs

    loader.load(loader.shipped())
    other_dept = make_user("other-dept", Role.DEPARTMENT, unit=other_unit)
    person_user = make_user("person", Role.SUBJECT, subject=person)

    def record(by: Any, subject: Subject, n: int) -> Any:
        return records.submit(by, records.Submission(
            subject_kind=subject.kind, subject_name=subject.name, subject_code=subject.full_code(),
            behavior="administrative_penalty", occurred_on=dt.date(2026, 3, 20),
            decided_on=dt.date(2026, 4, 1), decision_no=f"访问规则〔2026〕{n}号", facts="",
            severity="general"), today=dt.date(2026, 4, 1))[0]

    own, persons = record(unit, organization, 1), record(other_unit, person, 2)
    day = dt.date(2026, 8, 3)
    rows = {
        "own record": own, "person's record": persons,
        "own repair": repairs.apply(users[Role.SUBJECT], own.pk, "已整改", True, today=day),
        "person's objection": objections.submit(person_user, persons.pk, "有误", today=day),
        "own import": ImportJob.objects.create(unit=unit, file_name="a.csv", file_path="",
                                               sha256=""),
        "other import": ImportJob.objects.create(unit=other_unit, file_name="b.csv",
                                                 file_path="", sha256=""),
        "own check": Check.objects.create(unit=unit, user=users[Role.DEPARTMENT],
                                          scenario="bidding", as_of=day),
        "office check": Check.objects.create(unit=None, user=users[Role.OFFICE],
                                             scenario="bidding", as_of=day),
        "other file": CheckFile.objects.create(unit=other_unit, user=other_dept, scenario="bidding",
                                               as_of=day),
    }
    rows["notice to the enterprise"] = notify(users[Role.SUBJECT], "通知", "内容")
    rows["enterprise"], rows["person"] = organization, person

    def membership(of: Any, public: bool, **dates: Any) -> Membership:
        return Membership.objects.create(
            record=of, subject=of.subject, list_code="watch", list_name="重点关注名单",
            public=public, policy="test", clause="第一条", since=dt.date(2026, 4, 1), **dates)

    rows["own public membership"] = membership(own, True)
    rows["own watch-list membership"] = membership(own, False)
    rows["person's watch-list membership"] = membership(persons, False)
    rows["person's ended public membership"] = membership(persons, True, ended_on=dt.date(2026, 5, 1),
                                                          exit_reason="rectified")
    rows["audit event"] = audit("test.event", actor=users[Role.OFFICE], obj=own, summary="访问规则")
    rows["department's token"] = ApiToken.issue(users[Role.DEPARTMENT], "测试")[0]
    viewers = {**users, "other department": other_dept, "person": person_user,
               ANON: AnonymousUser()}
    return {"rows": rows, "viewers": viewers}


# Who sees which row (the rows of a model that the viewer's visible_to returns).
# "own" rows are the department's unit's (`unit`) and the enterprise's (`organization`, the
# subject user's); "person's" rows are the other department's unit's, of the person 张三.
# Public memberships are seen by all (the record they belong to has its own rule).
PUBLIC_MEMBERSHIPS = {"own public membership", "person's ended public membership"}
SEES: dict[str, set[str]] = {
    Role.OFFICE: {"own record", "person's record", "own repair", "person's objection",
                  "own import", "other import", "own check", "office check", "other file",
                  "notice to the enterprise", "enterprise", "person", *PUBLIC_MEMBERSHIPS,
                  "own watch-list membership", "person's watch-list membership",
                  "audit event", "department's token"},
    Role.DEPARTMENT: {"own record", "person's record", "own repair", "own import", "own check",
                      "enterprise", "person", *PUBLIC_MEMBERSHIPS, "own watch-list membership"},
    "other department": {"own record", "person's record", "person's objection",
                         "other import", "other file", "enterprise", "person", *PUBLIC_MEMBERSHIPS,
                         "person's watch-list membership"},
    Role.SUBJECT: {"own record", "own repair", "notice to the enterprise", "enterprise",
                   *PUBLIC_MEMBERSHIPS, "own watch-list membership"},
    "person": {"own record", "person's record", "person's objection", "enterprise", "person",
               *PUBLIC_MEMBERSHIPS, "person's watch-list membership"},
    Role.INSTITUTION: {"own record", "enterprise", *PUBLIC_MEMBERSHIPS},
    ANON: {"own record", "enterprise", *PUBLIC_MEMBERSHIPS},
}


@pytest.mark.parametrize("viewer", list(SEES))
def test_visible_to_of_every_model(world: dict[str, Any], viewer: str) -> None:
    user = world["viewers"][viewer]
    seen = set()
    for name, row in world["rows"].items():
        if type(row).objects.visible_to(user).filter(pk=row.pk).exists():
            seen.add(name)
    assert seen == SEES[viewer]


# The credit file shows, of the memberships outside the viewer's own, only those in force
# (`public_on`): the person's ended membership stays for the office, the other department
# (its unit's record) and the person, and goes for everybody else.
ENDED_IN_FILE = {Role.OFFICE, "other department", "person"}


@pytest.mark.parametrize("viewer", list(SEES))
def test_memberships_in_force_for_the_credit_file(world: dict[str, Any], viewer: str) -> None:
    import datetime as dt

    from xinyong.lists.models import Membership

    user, rows = world["viewers"][viewer], world["rows"]
    in_file = Membership.objects.visible_to(user, public_on=dt.date(2026, 8, 3))
    assert in_file.filter(pk=rows["own public membership"].pk).exists()
    ended = in_file.filter(pk=rows["person's ended public membership"].pk).exists()
    assert ended == (viewer in ENDED_IN_FILE)
