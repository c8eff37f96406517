"""Force-majeure certificates (不可抗力事实性证明, 太仓 8): exporters apply while a pack in
force offers the service; the office (or the member unit the rules name) accepts and
issues a certificate of the objective facts, or refuses with a reason. Issuing draws a
signed PDF (`reports.documents.issue`) whose number and QR code anyone can verify. The
steps of the case are the shared workflow's (`xinyong.casework.services`).

A certificate states the facts only: whether they excuse performance depends on the
contract and its law. Records and repair applications may cite an issued certificate of
the same subject (`check_certificate`).
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from xinyong.accounts.models import Role, Unit
from xinyong.casework import choices as c
from xinyong.casework.models import Case
from xinyong.casework.services import Workflow, clean_text
from xinyong.certificates import choices
from xinyong.certificates.models import Certificate, Evidence
from xinyong.lib import workdays
from xinyong.lib.errors import DomainError
from xinyong.policies import rulebook
from xinyong.policies.rulebook import Entry
from xinyong.policies.schema import LEVEL_RANK, ForceMajeureRules, Service
from xinyong.reports import documents, pdf
from xinyong.reports.content import Part, Section

MAX_FACTS = 5000
# Who may apply: exporters, i.e. organisations and individual businesses (not persons).
APPLICANT_KINDS = ("organization", "individual_business")
DISCLAIMER = ("本证明仅证明上述客观事实；上述事实是否构成不可抗力、能否部分或全部免除合同责任，"
              "由合同约定及其适用的法律确定。")
DISCLAIMER_EN = ("This certificate attests the facts above only. Whether they constitute force "
                 "majeure and excuse performance depends on the contract and its governing law.")


# --- the packs -------------------------------------------------------------------------------

def offered(day: dt.date) -> tuple[Entry, Service] | None:
    """The service as the highest-level pack in force on `day` offers it, or None."""
    found = [(e, s) for e in rulebook.current().in_force(day) for s in e.pack.services
             if s.code == choices.SERVICE]
    return max(found, key=lambda f: LEVEL_RANK[f[0].pack.level]) if found else None


def rules_for(day: dt.date) -> tuple[Entry, ForceMajeureRules]:
    """(entry, ForceMajeureRules) of the highest-level pack in force on `day` that sets them."""
    found = rulebook.current().highest("force_majeure", day)
    if found is None:
        raise DomainError("service", f"{day.isoformat()} 没有施行中的不可抗力事实性证明办理时限规则")
    return found


def not_offered_message(day: dt.date) -> str:
    """Why there is no certificate today, naming the packs that offered the service."""
    offering = [f"{e.pack.doc_number or e.pack.title} {s.clause}" for e in rulebook.current().entries
                for s in e.pack.services if s.code == choices.SERVICE]
    which = f"（{'、'.join(offering)}）" if offering else ""
    return (f"本平台目前（{day.isoformat()}）不提供不可抗力事实性证明：提供该服务的政策文件"
            f"{which}不在施行期内")


def issuing_unit(rules: ForceMajeureRules) -> Unit | None:
    """The member unit the rules name (by USCC), or None: the office issues. A unit named
    but not registered or deactivated leaves the application with the office."""
    if not rules.unit:
        return None
    return Unit.objects.filter(code=rules.unit, is_active=True).first()


def basis_text(policy: str, clause: str) -> str:
    entry = rulebook.current().entry(policy)
    doc = (entry.pack.doc_number or entry.pack.title) if entry else policy
    return f"{doc} 第{clause}条" if clause.isdigit() else f"{doc} {clause}"


# --- the certificate -------------------------------------------------------------------------

def letter_for(document: Any) -> pdf.Letter:
    """The certificate as drawn: the objective facts, in Chinese with English labels."""
    cert: Certificate = document
    subject = cert.subject
    region = f"（{cert.counterparty_region}）" if cert.counterparty_region else ""
    contract = cert.contract_no + (f"，签订于 {cert.contract_date:%Y年%m月%d日}"
                                   if cert.contract_date else "")
    issued_at = timezone.localtime(cert.issued_at) if cert.issued_at else timezone.localtime()
    facts = [
        ("申请人 Applicant", cert.subject_name),
        ("统一社会信用代码 USCC", subject.full_code()),
        ("合同编号 Contract No.", contract),
        ("合同相对方 Counterparty", cert.counterparty + region),
    ]
    if cert.goods:
        facts.append(("合同标的 Goods", cert.goods))
    facts += [
        ("出具单位 Issued by", cert.handling_unit),
        ("证明编号 No.", cert.number or ""),
        ("出具时间 Issued at", f"{issued_at:%Y-%m-%d %H:%M}"),
    ]
    basis = basis_text(cert.service_policy, cert.service_clause)
    sections = [
        Section("一、不可抗力事件 Event", [Part("", paragraphs=[cert.event])]),
        Section("二、事实经过 Facts", [Part("", paragraphs=cert.facts.splitlines() or [cert.facts])]),
        Section("三、说明 Note", [Part("", paragraphs=[
            f"经审核申请人提交的材料，{cert.handling_unit}证明上述事实属实。出具依据：{basis}。",
            DISCLAIMER, DISCLAIMER_EN,
            f"本证明编号和二维码可在{settings.SITE_NAME}核验真伪。"
            "Verify this certificate by its number or QR code on the platform.",
        ])]),
    ]
    return pdf.Letter(title="不可抗力事实性证明", heading="不可抗力事实性证明",
                      number_label="证明编号", facts=facts, sections=sections,
                      watermark=f"{settings.SITE_NAME} 不可抗力事实性证明", keyword="force-majeure",
                      subtitle="Certificate of Force Majeure (Facts)",
                      qr_caption="扫码核验 Scan to verify")


class CertificateWorkflow(Workflow):
    model = Certificate
    evidence_model = Evidence
    audit_prefix = "certificate"
    url_namespace = "certificates"
    outcomes = {"issue": choices.ISSUED, "refuse": choices.NOT_ISSUED}
    # As 太仓 8's platform rule says: accept within N days, issue within M days after that.
    recount_on_accept = True

    def decision_effects(self, case: Case, today: dt.date) -> dict[str, str]:
        return {
            "issue": f"出具后，平台生成带编号和二维码的证明文件（PDF），载明“{case.subject.name}”"
                     "所报合同、不可抗力事件和事实经过，任何人可凭编号核验；证明不能撤回或修改。",
            "refuse": "不予出具的，理由将告知申请人；申请人可补充材料后重新申请。",
        }

    def remedy(self, case: Case, user: Any, decision: str, reason: str, *, request: Any,
               today: dt.date, extra: dict[str, Any]) -> None:
        """Issue: number, draw, sign and keep the PDF, in the decision's transaction."""
        if decision != "issue":
            return
        if offered(today) is None:
            raise DomainError("decision", not_offered_message(today) + "，只能作出不予出具的决定")
        cert: Any = case
        cert.subject_name = cert.subject.name  # as printed; the name may change later
        documents.issue(cert, letter_for, "certificates:check")

    def decision_title(self, case: Case) -> str:
        cert: Any = case
        if cert.status == choices.ISSUED:
            return f"不可抗力事实性证明已出具（编号 {cert.number}）"
        return super().decision_title(case)


workflow = CertificateWorkflow()


@transaction.atomic
def submit(user: Any, contract_no: str, counterparty: str, event: str, facts: str, *,
           counterparty_region: str = "", contract_date: dt.date | None = None, goods: str = "",
           files: list[Any] | None = None, request: Any = None,
           today: dt.date | None = None) -> Certificate:
    """An exporter applies for a certificate of the facts of a force-majeure event."""
    today = today or timezone.localdate()
    subject = getattr(user, "subject", None) if getattr(user, "role", None) == Role.SUBJECT else None
    if subject is None:
        raise DomainError("subject", "只有信用主体本人可以申请不可抗力事实性证明", status=403)
    if subject.kind not in APPLICANT_KINDS:
        raise DomainError("subject", "不可抗力事实性证明向出口企业出具：申请主体应为企业或个体工商户")
    service = offered(today)
    if service is None:
        raise DomainError("service", not_offered_message(today))
    contract_no = clean_text(contract_no, "contract_no", required="请填写合同编号", limit=100)
    counterparty = clean_text(counterparty, "counterparty", required="请填写合同相对方", limit=200)
    counterparty_region = clean_text(counterparty_region, "counterparty_region", limit=100)
    event = clean_text(event, "event", required="请写明不可抗力事件", limit=300)
    facts = clean_text(facts, "facts", required="请写明事实经过", limit=MAX_FACTS)
    goods = clean_text(goods, "goods", limit=300)
    if contract_date is not None and contract_date > today:
        raise DomainError("contract_date", "合同签订日期不能晚于今天")
    pending = Certificate.objects.filter(subject=subject, contract_no=contract_no,
                                         status__in=c.OPEN).first()
    if pending is not None:
        raise DomainError("contract_no", f"该合同已有正在办理的证明申请（查询码 {pending.query_code}）")
    entry, rules = rules_for(today)
    service_entry, offer = service
    accept_by = workdays.add_workdays(today, rules.accept_working_days)
    cert: Any = workflow.new(
        subject=subject, unit=issuing_unit(rules), applicant=user, subject_name=subject.name,
        contract_no=contract_no, contract_date=contract_date, goods=goods,
        counterparty=counterparty, counterparty_region=counterparty_region, event=event,
        facts=facts, service_policy=service_entry.pack.id, service_clause=offer.clause,
        policy=entry.pack.id, clause=rules.clause, submitted_on=today, accept_by=accept_by,
        # Counted again from the day it is accepted; until then, as if accepted on the last day.
        due_by=workdays.add_workdays(accept_by, rules.decide_working_days),
    )
    limits = basis_text(entry.pack.id, rules.clause)
    workflow.open_case(
        cert, user, name="提交申请", files=files, request=request,
        public=f"{rules.accept_working_days} 个工作日内决定是否受理；受理后 "
               f"{rules.decide_working_days} 个工作日内出具证明或说明不予出具的理由（{limits}；"
               f"服务依据 {basis_text(service_entry.pack.id, offer.clause)}）",
        summary=f"申请不可抗力事实性证明（合同 {contract_no}，{cert.query_code}）",
        busy="该合同已有正在办理的证明申请")
    return cert  # type: ignore[no-any-return]


# --- verification and use --------------------------------------------------------------------

def find(number: str) -> Certificate | None:
    """The issued certificate with this number as a person typed it, or None."""
    found = documents.find(Certificate, number)
    return found if isinstance(found, Certificate) and found.is_issued else None


def is_valid(cert: Certificate) -> bool:
    """Issued, and its stored proof is the one the platform signed."""
    return cert.status == choices.ISSUED and cert.proof_checks_out()


def check_certificate(number: str, subject: Any, field: str = "force_majeure_certificate") -> str:
    """The number, normalised, of a genuine issued certificate of `subject` (a Subject or
    its id); otherwise a DomainError naming `field`."""
    subject_id = getattr(subject, "pk", subject)
    cert = find(number or "")
    if cert is None or cert.status != choices.ISSUED:
        raise DomainError(field, "平台没有出具过这个编号的不可抗力事实性证明，请核对证明编号")
    if cert.subject_id != subject_id:
        raise DomainError(field, "该不可抗力事实性证明不是本主体的，不能引用")
    if not cert.proof_checks_out():
        raise DomainError(field, "该证明未通过平台签名核验，不能引用，请联系信用办")
    assert cert.number is not None
    return cert.number


# --- statistics ------------------------------------------------------------------------------

def stats(cases: QuerySet[Certificate]) -> dict[str, Any]:
    """Applied, issued, refused, open; working days from submission to issue."""
    counts = cases.aggregate(
        applied=Count("pk"), issued=Count("pk", filter=Q(status=choices.ISSUED)),
        not_issued=Count("pk", filter=Q(status=choices.NOT_ISSUED)),
        refused=Count("pk", filter=Q(status=c.REFUSED)),
        withdrawn=Count("pk", filter=Q(status=c.WITHDRAWN)),
        open=Count("pk", filter=Q(status__in=c.OPEN)))
    days = [workdays.workdays_between(s, d) for s, d in
            cases.filter(status=choices.ISSUED).values_list("submitted_on", "decided_on")
            if d is not None]
    return {**counts, "median_days": statistics.median(days) if days else None,
            "max_days": max(days) if days else None}
