"""API: administrative licences (/api/v1/licences), 双公示."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from xinyong.accounts.auth import caller, optional_auth, require_role, token_auth
from xinyong.accounts.models import Role, User
from xinyong.lib.apierrors import Error
from xinyong.lib.errors import DomainError
from xinyong.licences import services
from xinyong.licences.models import STATUS_LABELS, Licence
from xinyong.records.api import AuthorityIn, AuthorityOut, LegalRepresentativeIn, SubjectIn
from xinyong.records.penalties import legal_representative

router = Router(tags=["licences"])

KindIn = Literal["普通", "特许", "认可", "核准", "登记", "其他"]


class LicenceIn(Schema):
    """行政许可 in the national data standard's (2021 版) fields."""

    subject: SubjectIn
    decision_no: str = Field(min_length=1, max_length=200)
    decision_name: str = Field(default="", max_length=200)
    kind: KindIn
    licence_name: str = Field(default="", max_length=200)
    licence_no: str = Field(default="", max_length=200)
    content: str = Field(default="", max_length=20000)
    decided_on: dt.date
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    authority: AuthorityIn
    source_unit: AuthorityIn | None = None
    legal_representative: LegalRepresentativeIn | None = None
    remarks: str = Field(default="", max_length=2000)
    external_id: str | None = Field(default=None, max_length=100)


class LicenceOut(Schema):
    id: int
    subject_id: int
    subject_name: str
    code_masked: str
    unit: str
    decision_no: str
    decision_name: str
    kind: str
    licence_name: str
    licence_no: str
    content: str
    decided_on: dt.date
    valid_from: dt.date
    valid_to: dt.date | None
    authority: AuthorityOut
    source_unit: AuthorityOut
    legal_representative: str  # the name only
    status: Literal["valid", "withdrawn"]
    status_label: str
    withdrawn_on: dt.date | None
    version: int
    external_id: str | None


class LicenceCorrectIn(Schema):
    reason: str = Field(min_length=1, max_length=500)
    decision_no: str | None = Field(default=None, min_length=1, max_length=200)
    decision_name: str | None = Field(default=None, max_length=200)
    kind: KindIn | None = None
    licence_name: str | None = Field(default=None, max_length=200)
    licence_no: str | None = Field(default=None, max_length=200)
    content: str | None = Field(default=None, max_length=20000)
    decided_on: dt.date | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    authority: AuthorityIn | None = None
    remarks: str | None = Field(default=None, max_length=2000)


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


def to_out(licence: Licence) -> dict[str, Any]:
    rep = licence.legal_rep or {}
    return {
        "id": licence.pk, "subject_id": licence.subject_id, "subject_name": licence.subject.name,
        "code_masked": licence.subject.code_masked, "unit": licence.unit.name,
        "decision_no": licence.decision_no, "decision_name": licence.decision_name,
        "kind": licence.kind, "licence_name": licence.licence_name,
        "licence_no": licence.licence_no, "content": licence.content,
        "decided_on": licence.decided_on, "valid_from": licence.valid_from,
        "valid_to": licence.valid_to,
        "authority": {"name": licence.authority_name, "code": licence.authority_code},
        "source_unit": {"name": licence.source_unit_name, "code": licence.source_unit_code},
        "legal_representative": rep.get("name", ""), "status": licence.status,
        "status_label": STATUS_LABELS[licence.status], "withdrawn_on": licence.withdrawn_on,
        "version": licence.version, "external_id": licence.external_id or None,
    }


def submission(payload: LicenceIn) -> services.LicenceSubmission:
    source = payload.source_unit or AuthorityIn()
    rep = payload.legal_representative or LegalRepresentativeIn()
    return services.LicenceSubmission(
        subject_kind=payload.subject.kind, subject_name=payload.subject.name,
        subject_code=payload.subject.code, decision_no=payload.decision_no.strip(),
        decision_name=payload.decision_name, kind=payload.kind,
        licence_name=payload.licence_name, licence_no=payload.licence_no,
        content=payload.content, decided_on=payload.decided_on, valid_from=payload.valid_from,
        valid_to=payload.valid_to, authority_name=payload.authority.name,
        authority_code=payload.authority.code, source_unit_name=source.name,
        source_unit_code=source.code, remarks=payload.remarks,
        external_id=(payload.external_id or "").strip(),
        legal_representative=legal_representative(
            rep.name, rep.id_number, "legal_representative.id_number"),
    )


@router.post("", auth=token_auth, response={200: LicenceOut, 201: LicenceOut, 403: Error, 422: Error},
             summary="报送行政许可（双公示）")
def create_licence(request: HttpRequest, payload: LicenceIn) -> Status[dict[str, Any]]:
    user = require_role(request, Role.DEPARTMENT)
    assert user.unit is not None
    licence, created = services.submit(user.unit, submission(payload), actor=user, source="api",
                                       request=request)
    return Status(201 if created else 200, to_out(licence))


def _get(request: HttpRequest, licence_id: int) -> Licence:
    licence = (Licence.objects.visible_to(caller(request)).select_related("subject", "unit")
               .filter(pk=licence_id).first())
    if licence is None:
        raise HttpError(404, "没有这条行政许可信息，或无权查看")
    return licence


def _own(request: HttpRequest, licence_id: int) -> tuple[User, Licence]:
    user = require_role(request, Role.DEPARTMENT)
    licence = _get(request, licence_id)
    if licence.unit_id != user.unit_id:
        raise HttpError(403, "只能处理本单位报送的许可信息")
    return user, licence


@router.get("/{int:licence_id}", auth=optional_auth, response={200: LicenceOut, 404: Error},
            summary="行政许可信息")
def get_licence(request: HttpRequest, licence_id: int) -> dict[str, Any]:
    return to_out(_get(request, licence_id))


@router.post("/{int:licence_id}/correct", auth=token_auth,
             response={200: LicenceOut, 403: Error, 404: Error, 422: Error},
             summary="更正本单位的许可信息（保留历史版本）")
def correct(request: HttpRequest, licence_id: int, payload: LicenceCorrectIn) -> dict[str, Any]:
    user, licence = _own(request, licence_id)
    changes = payload.dict(exclude_unset=True)
    reason = changes.pop("reason")
    authority = changes.pop("authority", None)
    if authority:
        changes["authority_name"] = authority.get("name", "")
        changes["authority_code"] = authority.get("code", "")
    for name in ("decision_no", "kind", "decided_on"):
        if name in changes and changes[name] is None:
            raise DomainError(name, "不能为空")
    if not changes:
        raise DomainError("body", "没有要更正的字段")
    licence = services.correct(licence, changes, reason, actor=user, request=request)
    return to_out(licence)


@router.post("/{int:licence_id}/withdraw", auth=token_auth,
             response={200: LicenceOut, 403: Error, 404: Error, 422: Error},
             summary="撤销本单位的许可信息")
def withdraw(request: HttpRequest, licence_id: int, payload: ReasonIn) -> dict[str, Any]:
    user, licence = _own(request, licence_id)
    licence = services.withdraw(licence, payload.reason, actor=user, request=request)
    return to_out(licence)
