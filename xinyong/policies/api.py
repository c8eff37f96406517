"""API: policy packs (/api/v1/policies) and the events that end them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from xinyong.accounts.auth import require_role, token_auth
from xinyong.accounts.models import Role
from xinyong.lib.apierrors import Error
from xinyong.lib.errors import DomainError
from xinyong.policies import events as policy_events
from xinyong.policies import loader, whatif
from xinyong.policies.models import PolicyEvent, PolicyPack, PolicyVersion, status_on
from xinyong.policies.rulebook import events as happened_events

router = Router(tags=["policies"])
MAX_PACK_BYTES = 2 * 1024 * 1024  # as the upload form


class PolicyOut(Schema):
    id: str
    doc_number: str
    title: str
    issuer: str
    jurisdiction: str
    # 行政区划代码 of the areas it governs; empty: everywhere (national and platform packs).
    regions: list[str]
    effective_from: dt.date
    effective_until: dt.date | None
    status: str
    version: int


class BehaviorOut(Schema):
    code: str
    polarity: str
    clause: str
    text: str
    subject_kinds: list[str]
    finding_min_severity: str
    finding_condition: str


class PolicyMeasureOut(Schema):
    code: str
    kind: str
    scenarios: list[str]
    clause: str
    text: str
    subject_kinds: list[str]
    triggers: dict[str, Any]


class VersionOut(Schema):
    number: int
    sha256: str
    loaded_at: dt.datetime
    source_name: str


class PolicyDetailOut(PolicyOut):
    level: str
    issued_on: dt.date | None
    ends_with_event: dict[str, Any] | None
    forwarded_by: list[dict[str, Any]]
    yields_to: list[str]
    summary: str
    behaviors: list[BehaviorOut]
    measures: list[PolicyMeasureOut]
    lists: list[dict[str, Any]]
    exemptions: list[dict[str, Any]]
    deferrals: list[dict[str, Any]]
    periods: list[dict[str, Any]]
    repair_channels: list[dict[str, Any]]
    objection: dict[str, Any] | None
    scores: list[dict[str, Any]]
    services: list[dict[str, Any]]
    clauses: list[dict[str, Any]]
    versions: list[VersionOut]


class EventIn(Schema):
    code: str
    occurred_on: dt.date
    note: str = ""


class EventOut(Schema):
    code: str
    name: str
    occurred_on: dt.date
    note: str


def summary(version: PolicyVersion, happened: dict[str, dt.date]) -> dict[str, Any]:
    from xinyong.policies.models import effective_until

    data = version.data
    return {
        "id": data["id"],
        "doc_number": data["doc_number"],
        "title": data["title"],
        "issuer": data["issuer"],
        "jurisdiction": data["jurisdiction"],
        "regions": data.get("regions", []),
        "effective_from": version.effective_from,
        "effective_until": effective_until(version, happened),
        "status": status_on(version, happened, timezone.localdate()),
        "version": version.number,
    }


@router.get("", response=list[PolicyOut], summary="政策规则包列表")
def list_policies(request: HttpRequest) -> list[dict[str, Any]]:
    happened = happened_events()
    rows = PolicyPack.objects.select_related("current").exclude(current=None).order_by("pack_id")
    return [summary(row.current, happened) for row in rows if row.current]


@router.get("/events", response=list[EventOut], summary="已记录的政策事件")
def list_events(request: HttpRequest) -> Any:
    return PolicyEvent.objects.all()


@router.post("/events", auth=token_auth, response={201: EventOut, 403: Error, 422: Error},
             summary="记录政策事件（如疫情防控应急响应结束）")
def create_event(request: HttpRequest, payload: EventIn) -> Status[PolicyEvent]:
    actor = require_role(request, Role.OFFICE)
    event = policy_events.record_event(payload.code, payload.occurred_on, note=payload.note,
                                       actor=actor, via="api")
    return Status(201, event)


class WhatIfIn(Schema):
    text: str  # the pack's YAML, as a file would hold it
    name: str = "draft.yaml"  # the file name problems are reported under
    day: dt.date | None = None  # the day to compare on (today)
    examples: int = Field(10, ge=0, le=100)


class WhatIfOut(Schema):
    day: dt.date
    identical: bool
    drafts: list[dict[str, Any]]
    records: dict[str, int]
    seconds: float
    status_changes: list[dict[str, Any]]
    windows: dict[str, Any]
    lists: list[dict[str, Any]]
    measures: list[dict[str, Any]]
    checks: dict[str, Any]
    changed_record_ids: list[int]
    changed_record_ids_truncated: bool


@router.post("/whatif", auth=token_auth, response={200: WhatIfOut, 403: Error, 422: Error},
             summary="规则包试算：草案会改变什么（不写入任何内容）")
def whatif_report(request: HttpRequest, payload: WhatIfIn) -> dict[str, Any]:
    require_role(request, Role.OFFICE)
    if len(payload.text.encode("utf-8")) > MAX_PACK_BYTES:
        raise DomainError("text", "规则包过大（上限 2 MB）")
    try:
        parsed = loader.parse(payload.text, payload.name or "draft.yaml")
        report = whatif.evaluate([parsed], payload.day, examples=payload.examples)
    except loader.PackError as exc:
        raise DomainError("text", "；".join(exc.problems)) from None
    return report.as_dict()


@router.get("/{pack_id}", response={200: PolicyDetailOut, 404: Error}, summary="政策规则包详情")
def get_policy(request: HttpRequest, pack_id: str) -> dict[str, Any]:
    row = PolicyPack.objects.select_related("current").filter(pack_id=pack_id).first()
    if row is None or row.current is None:
        raise HttpError(404, f"没有编号为“{pack_id}”的政策规则包")
    version = row.current
    data = version.data
    result = summary(version, happened_events())
    for key in ("level", "issued_on", "ends_with_event", "forwarded_by", "yields_to", "summary",
                "behaviors", "measures", "lists", "exemptions", "deferrals", "periods",
                "repair_channels", "objection", "scores", "services", "clauses"):
        result[key] = data.get(key)
    result["versions"] = list(row.versions.order_by("-number"))
    return result
