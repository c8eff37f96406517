"""API: grants (/api/v1/grants): a subject grants an institution access to its credit file
and revokes it; the subject and the institution list grants and the reads made under them.
The credit file itself is read at /api/v1/subjects/{id} (and /report) as usual: the grant
decides what it shows. Institutions: /api/v1/institutions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from xinyong.accounts.auth import optional_auth, require_role, token_auth
from xinyong.accounts.models import Institution, Role
from xinyong.grants import choices, services
from xinyong.grants.models import Grant, live_q
from xinyong.lib.apierrors import Error
from xinyong.lib.errors import DomainError
from xinyong.lib.paging import clamp

router = Router(tags=["grants"])
institutions_router = Router(tags=["grants"])


class GrantIn(Schema):
    model_config = ConfigDict(extra="forbid")

    institution: int | Annotated[str, Field(min_length=1, max_length=18)] = Field(
        description="金融机构的 id（/api/v1/institutions）或统一社会信用代码")
    scope: list[str] = Field(min_length=1, max_length=4,
                             description="profile（基本信息与名单）、records（全部信用记录）、"
                                         "score（信用评价）、report（信用报告）")
    purpose: str = Field(min_length=1, max_length=services.MAX_PURPOSE)
    expires_on: dt.date | None = Field(default=None, description="不填：规则允许的最长期限")


class GrantCreated(Schema):
    id: int
    expires_on: dt.date
    # Earlier grants in force to the same institution that this one replaced.
    superseded: list[int]


class ReadOut(Schema):
    at: dt.datetime
    user: str
    parts: list[str]
    channel: str
    detail: str


class GrantOut(Schema):
    id: int
    subject_id: int
    subject_name: str
    code_masked: str
    institution: str
    institution_code: str
    scope: list[str]
    purpose: str
    granted_on: dt.date
    expires_on: dt.date
    # live, pending, expired, revoked
    state: str
    state_label: str
    revoked_at: dt.datetime | None
    revoke_reason: str
    need_id: int | None
    reads: int
    last_read_at: dt.datetime | None


class GrantDetailOut(GrantOut):
    recent_reads: list[ReadOut]


class GrantPage(Schema):
    items: list[GrantOut]
    total: int
    page: int
    page_size: int


class GrantFilters(Schema):
    state: str | None = Field(default=None, max_length=10, description="live 或 ended")
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=50, ge=1, le=200)


class GrantRevokeIn(Schema):
    reason: str = Field(default="", max_length=200)


class InstitutionOut(Schema):
    id: int
    name: str
    code: str
    region: str


def out(grant: Any, today: dt.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    state = grant.state(today)
    subject = grant.subject
    return {
        "id": grant.pk, "subject_id": grant.subject_id,
        "subject_name": subject.name, "code_masked": subject.code_masked,
        "institution": grant.institution.name, "institution_code": grant.institution.code,
        "scope": grant.scope, "purpose": grant.purpose, "granted_on": grant.granted_on,
        "expires_on": grant.expires_on, "state": state, "state_label": choices.STATES.label(state),
        "revoked_at": grant.revoked_at, "revoke_reason": grant.revoke_reason,
        "need_id": grant.need_id, "reads": getattr(grant, "read_count", None) or grant.reads.count(),
        "last_read_at": getattr(grant, "last_read", None),
    }


GRANTERS = (Role.SUBJECT, Role.INSTITUTION, Role.OFFICE)


@router.post("", auth=token_auth, response={201: GrantCreated, 403: Error, 422: Error},
             summary="授权金融机构查询本主体的信用信息（主体本人）")
def create(request: HttpRequest, payload: GrantIn) -> Status[dict[str, Any]]:
    user = require_role(request, Role.SUBJECT)
    made = services.grant(user, payload.institution, payload.scope, payload.purpose,
                          payload.expires_on, request=request)
    return Status(201, {"id": made.pk, "expires_on": made.expires_on,
                        "superseded": made.superseded})  # type: ignore[attr-defined]


@router.get("", auth=token_auth, response={200: GrantPage, 403: Error, 422: Error},
            summary="授权列表：主体本人的授权；金融机构获得的授权；信用办：全部")
def list_grants(request: HttpRequest, filters: Query[GrantFilters]) -> dict[str, Any]:
    from django.db.models import Count, Max

    user = require_role(request, *GRANTERS)
    today = timezone.localdate()
    rows = Grant.objects.visible_to(user).select_related("subject", "institution")
    if filters.state == "live":
        rows = rows.live_on(today)
    elif filters.state == "ended":
        rows = rows.exclude(live_q(today))
    elif filters.state:
        raise DomainError("state", "应为 live 或 ended")
    total = rows.count()
    page = clamp(filters.page, total, filters.page_size)
    start = (page - 1) * filters.page_size
    rows = rows.annotate(read_count=Count("reads"), last_read=Max("reads__at"))
    return {"items": [out(g, today) for g in rows[start:start + filters.page_size]],
            "total": total, "page": page, "page_size": filters.page_size}


@router.get("/{int:grant_id}", auth=token_auth, response={200: GrantDetailOut, 403: Error, 404: Error},
            summary="授权详情与最近的查询记录")
def detail(request: HttpRequest, grant_id: int) -> dict[str, Any]:
    user = require_role(request, *GRANTERS)
    grant = (Grant.objects.visible_to(user).select_related("subject", "institution")
             .filter(pk=grant_id).first())
    if grant is None:
        raise DomainError("id", "没有这个授权，或无权查看", status=404)
    reads = grant.reads.select_related("user")[:100]
    return out(grant) | {"recent_reads": [
        {"at": r.at, "user": r.user.display_name or r.user.username, "parts": r.parts,
         "channel": r.channel, "detail": r.detail} for r in reads]}


@router.delete("/{int:grant_id}", auth=token_auth,
               response={200: GrantOut, 403: Error, 404: Error, 409: Error, 422: Error},
               summary="撤销授权（主体本人；立即生效）")
def revoke(request: HttpRequest, grant_id: int, payload: GrantRevokeIn | None = None) -> dict[str, Any]:
    user = require_role(request, Role.SUBJECT)
    grant = services.revoke(user, grant_id, payload.reason if payload else "", request=request)
    return out(grant)


@institutions_router.get("", auth=optional_auth, response={200: list[InstitutionOut]},
                         summary="平台上的金融机构（可授权、可对接融资需求）")
def institutions(request: HttpRequest) -> list[Institution]:
    return list(Institution.objects.filter(is_active=True).order_by("name"))
