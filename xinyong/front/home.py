"""What each role's home page puts first: the clerk's work due, the subject's own credit.

Each part reads through the models' own access rules (`visible_to`), so a department sees
its unit's work and the office everybody's; nothing here decides who may see what.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from xinyong.accounts.models import Role
from xinyong.casework.services import Workflow
from xinyong.checks.filtersets import has_feedback
from xinyong.checks.models import Check
from xinyong.jobs import choices as job_choices
from xinyong.records.choices import PUBLISHED
from xinyong.records.models import ImportJob

# Cases whose deadline is this close (working days) are listed as due.
DUE_SOON_WORKING_DAYS = 3
SHOWN = 5


def case_work(user: Any, today: dt.date) -> list[dict[str, Any]]:
    """Per kind of case (repair, objection): open cases, overdue ones, and the first few by
    deadline that are overdue or due within DUE_SOON_WORKING_DAYS."""
    from xinyong.casework.views import mark

    kinds = []
    role = getattr(user, "role", None)
    for workflow in Workflow.registry:
        if role not in workflow.handler_roles:
            continue  # a kind others handle (financing needs: institutions; the office has statistics)
        model = workflow.model
        open_cases = model.objects.visible_to(user).open()  # type: ignore[attr-defined]
        due = []
        for case in open_cases.select_related("subject", "unit").order_by("accept_by", "due_by", "id")[:50]:
            left = case.working_days_left(today)
            if left is not None and left <= DUE_SOON_WORKING_DAYS:
                due.append(mark(case, today))
        due.sort(key=lambda c: (c.working_days_left(today), c.pk))
        kinds.append({
            "title": model._meta.verbose_name, "open": open_cases.count(),
            "overdue": open_cases.overdue(today).count(), "due": due[:SHOWN],
            "queue": reverse(f"{workflow.url_namespace}:queue"),
            "detail": f"{workflow.url_namespace}:detail",
        })
    return kinds


def commitment_checks(user: Any, today: dt.date) -> dict[str, int]:
    """告知承诺 post-verifications the clerk's unit (or the office) has to do."""
    from xinyong.commitments.services import queue_counts

    return queue_counts(user, today)


def imports_running(user: Any) -> list[ImportJob]:
    return list(ImportJob.objects.visible_to(user)
                .filter(status__in=[job_choices.QUEUED, job_choices.RUNNING])
                .select_related("unit").order_by("created_at")[:SHOWN])


def checks_without_feedback(user: Any) -> dict[str, Any]:
    """Checks where a measure applied and nobody has said yet whether it was carried out."""
    hits = (Check.objects.visible_to(user)
            .filter(Q(restricted__gt=0) | Q(incentivised__gt=0)).exclude(has_feedback()))
    page = "checks:office" if getattr(user, "role", None) == Role.OFFICE else "checks:list"
    return {"count": hits.count(), "url": reverse(page) + "?hits=on&no_feedback=on"}


def returned_rows(user: Any) -> int:
    """Rows the upstream platform sent back, not yet dealt with: the unit's, or all."""
    from xinyong.exchange.models import Rejection

    rows = Rejection.objects.filter(resolved_at__isnull=True)
    if user.role == Role.DEPARTMENT:
        rows = rows.filter(unit_id=user.unit_id or 0)
    return rows.count()


def overdue_by_unit(today: dt.date) -> list[dict[str, Any]]:
    """For the office: units with overdue cases, worst first."""
    from xinyong.casework.models import overdue_q

    counts: dict[str, int] = {}
    for workflow in Workflow.registry:
        if Role.DEPARTMENT not in workflow.handler_roles:
            continue  # not the units' work (financing needs: institutions take them)
        rows = (workflow.model.objects.open().filter(overdue_q(today))  # type: ignore[attr-defined]
                .values("unit__name").annotate(n=Count("id")))
        for row in rows:
            unit = row["unit__name"] or Role.OFFICE.label  # a kind the office handles itself
            counts[unit] = counts.get(unit, 0) + row["n"]
    return [{"unit": unit, "overdue": n}
            for unit, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def subject_overview(user: Any, today: dt.date) -> dict[str, Any]:
    """The subject's own credit at a glance: records in publicity, lists, open cases, and the
    records it may apply to repair (or from when)."""
    from xinyong.casework.views import mark
    from xinyong.repairs.services import repair_options
    from xinyong.subjects.profile import profile_lists, profile_records

    subject = user.subject
    records = profile_records(subject, user, today)
    published = [r for r in records if r["status"] == PUBLISHED]
    lists = [m for m in profile_lists(subject, user, today) if m["active"]]
    open_cases = []
    for workflow in Workflow.registry:
        for case in workflow.model.objects.visible_to(user).open():  # type: ignore[attr-defined]
            case.url = reverse(f"{workflow.url_namespace}:detail", args=[case.pk])
            open_cases.append(mark(case, today))
    return {
        "subject": subject,
        "dishonest": [r for r in published if r["polarity"] == "dishonest"],
        "good": [r for r in published if r["polarity"] == "good"],
        "lists": lists,
        "open_cases": open_cases,
        "repairable": repair_options(user, today),
    }


def institution_overview(user: Any, today: dt.date) -> dict[str, Any]:
    """A financial institution's work (信易贷): grants in force it received, needs waiting
    that are open to it (the first by their acceptance deadline), needs it took and has not
    answered yet (the first by their outcome deadline), its products on sale."""
    from xinyong.casework import choices as case_choices
    from xinyong.casework.views import mark
    from xinyong.financing import choices as financing_choices
    from xinyong.financing.models import FinancingNeed, Product
    from xinyong.grants.models import Grant

    grants = Grant.objects.visible_to(user).live_on(today)
    needs = FinancingNeed.objects.visible_to(user).select_related("subject")
    waiting = needs.filter(status=case_choices.SUBMITTED)
    # Taken by this institution and still open: the outcome is due by `due_by`.
    taken = needs.filter(institution_id=user.institution_id).open()
    products = Product.objects.filter(institution_id=user.institution_id,
                                      status=financing_choices.PUBLISHED)
    return {
        "institution": user.institution,
        "live_grants": grants.count(),
        "latest_grants": list(grants.select_related("subject").order_by("-created_at", "-id")[:SHOWN]),
        "waiting": waiting.count(),
        "waiting_first": [mark(case, today) for case in waiting.order_by("accept_by", "id")[:SHOWN]],
        "taken": taken.count(),
        "overdue": taken.overdue(today).count(),
        "due": [mark(case, today) for case in taken.order_by("due_by", "id")[:SHOWN]],
        "products": products.count(),
        "product_names": list(products.order_by("name").values_list("name", flat=True)[:SHOWN]),
    }


def subject_financing(user: Any, today: dt.date) -> dict[str, int]:
    """The subject's 授权与融资 card: grants in force, financing needs still open."""
    from xinyong.financing.models import FinancingNeed
    from xinyong.grants.models import Grant

    return {"live_grants": Grant.objects.visible_to(user).live_on(today).count(),
            "open_needs": FinancingNeed.objects.visible_to(user).open().count()}
