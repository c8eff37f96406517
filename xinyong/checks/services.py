"""Running and logging checks, and recording feedback."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from xinyong.audit.models import record as audit
from xinyong.checks import engine
from xinyong.checks.models import Check, Feedback
from xinyong.lib.logfilter import redact
from xinyong.policies import rulebook


class CheckError(ValueError):
    def __init__(self, field: str, msg: str) -> None:
        super().__init__(f"{field}：{msg}")
        self.field, self.msg = field, msg


def run_check(user: Any, scenario: str, raw_codes: list[str], as_of: dt.date, *,
              request: Any = None) -> Check:
    book = rulebook.current()
    scenarios = book.scenarios()
    if scenario not in scenarios:
        raise CheckError("scenario", f"未知场景“{scenario}”；可用场景：{'、'.join(sorted(scenarios))}")
    if not raw_codes:
        raise CheckError("subjects", "至少需要一个主体代码")
    if len(raw_codes) > engine.MAX_SUBJECTS:
        raise CheckError("subjects", f"一次最多核查 {engine.MAX_SUBJECTS} 个主体，本次 {len(raw_codes)} 个")
    results = engine.run(book, scenario, raw_codes, as_of)
    # The Check row is the check's log (who, when, scenario, results): one insert, no
    # separate audit event, because a check changes nothing and reads no full ID number.
    return Check.objects.create(
        unit_id=getattr(user, "unit_id", None), user=user, scenario=scenario, as_of=as_of,
        subject_count=len(results),
        restricted=sum(1 for r in results if r["verdict"] in ("restrict", "mixed")),
        incentivised=sum(1 for r in results if r["verdict"] in ("incentive", "mixed")),
        results=results,
    )


def give_feedback(check: Check, user: Any, subject_id: int, measure: str, applied: bool,
                  note: str, *, request: Any = None) -> Feedback:
    answered = next((r for r in check.results if r.get("subject_id") == subject_id), None)
    if answered is None:
        raise CheckError("subject_id", "该主体不在本次核查结果中")
    if measure not in {m["code"] for m in answered["measures"]}:
        raise CheckError("measure", f"本次核查没有对该主体给出措施“{measure}”")
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(check_request=check, subject_id=subject_id,
                                               measure=measure, applied=applied, note=redact(note),
                                               user=user)
            audit("check.feedback", actor=user, request=request, obj=feedback,
                  summary=f"核查 #{check.pk} 反馈：{measure} {'已执行' if applied else '未执行'}")
    except IntegrityError:
        raise CheckError("measure", "已对该主体的这项措施反馈过") from None
    return feedback
