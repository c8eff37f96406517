"""The engine's one-round-trip lookup gives the same answers as the models' own date rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xinyong.checks import engine
from xinyong.checks.tests.test_checks import TODAY, D, org_code
from xinyong.lists.models import Membership
from xinyong.records import services
from xinyong.records.models import Record
from xinyong.subjects import codes


def _submit(unit: Any, n: int, behavior: str, decided: dt.date, severity: str = "serious") -> Any:
    return services.submit(unit, services.Submission(
        subject_kind="organization", subject_name=f"核查引擎测试公司{n}", subject_code=org_code(n),
        behavior=behavior, occurred_on=decided - dt.timedelta(days=9), decided_on=decided,
        decision_no=f"太测〔2026〕{n}号", facts="", severity=severity), today=TODAY)[0]


def test_lookup_matches_active_on_and_published_on(loaded: Any, unit: Any) -> None:
    kept = _submit(unit, 1, "tc_wildlife_trade", D(2026, 9, 10))
    withdrawn = _submit(unit, 2, "tc_wildlife_trade", D(2026, 9, 12))
    services.withdraw(withdrawn, "复议撤销", actor=None, today=D(2026, 10, 8))
    _submit(unit, 3, "administrative_penalty", D(2025, 6, 3), severity="general")
    _submit(unit, 4, "tc_donation", D(2026, 8, 20), severity="minor")
    assert Membership.objects.filter(record=kept).exists()
    digests = [codes.digest(org_code(n)) for n in (1, 2, 3, 4, 5)]
    ids = {codes.digest(org_code(n)): n for n in (1, 2, 3, 4)}

    # every date at which anything starts or stops, and the days either side
    edges: set[dt.date] = set()
    for m in Membership.objects.all():
        edges.update(x for x in (m.since, m.until, m.ended_on) if x)
    for r in Record.objects.all():
        edges.update(x for x in (r.starts_on, r.ends_on, r.closed_on) if x)
    days = sorted({e + dt.timedelta(days=k) for e in edges for k in (-1, 0, 1)})
    assert len(days) > 10
    for day in days:
        rows = engine._lookup(digests, day)
        subjects = {(sid, digest) for tag, sid, digest, *_ in rows if tag == "s"}
        assert {ids[digest] for _, digest in subjects} == {1, 2, 3, 4}
        lists = sorted((sid, code, policy) for tag, sid, code, _, policy, *_ in rows if tag == "m")
        expected_lists = sorted(Membership.objects.active_on(day).values_list(
            "subject_id", "list_code", "policy"))
        assert lists == expected_lists, day
        records = sorted((sid, b, pol, rid, str(decided)[:10])
                         for tag, sid, b, pol, _, rid, decided, _ in rows if tag == "r")
        expected_records = sorted(
            (sid, b, pol, rid, decided.isoformat()) for sid, b, pol, rid, decided in
            Record.objects.published_on(day).values_list(
                "subject_id", "behavior", "polarity", "id", "decided_on"))
        assert records == expected_records, day
    # the withdrawn record stops being published on its closing day, not before
    assert any(tag == "r" and b == "tc_wildlife_trade" and sid == withdrawn.subject_id
               for tag, sid, b, *_ in engine._lookup(digests, D(2026, 10, 7)))
    assert not any(tag == "r" and sid == withdrawn.subject_id
                   for tag, sid, *_ in engine._lookup(digests, D(2026, 10, 8)))
