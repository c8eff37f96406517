"""The yardsticks for the check endpoint, plain Django views with a raw cursor.

`bare_check` (the old floor, reads only): the subject by code digest, its memberships in
force and its published records, nothing else. No authentication, no validation beyond the
digest, no rule evaluation, no logging: the fastest a Django view on this server can
answer "what lists is this subject on today".

`bare_check_logged` (the floor since issue 19): the same reads, with the records' packs as
the real check reads them, and the log row the real check writes (the `Check` table, the
same columns, the results in the same shape); still no authentication, no rules, no schema
validation. Both use `connection.cursor()` and plain statements (nothing prepared).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from xinyong.subjects import codes

MEMBERSHIPS = ("SELECT list_code FROM lists_membership WHERE subject_id = %s AND since <= %s "
               "AND (until IS NULL OR until >= %s) AND (ended_on IS NULL OR ended_on > %s)")


@csrf_exempt
def bare_check(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    today = dt.date.today()
    results = []
    with connection.cursor() as cursor:
        for raw in body["subjects"]:
            digest = codes.digest(codes.normalize(raw))
            cursor.execute("SELECT id FROM subjects_subject WHERE code_digest = %s", [digest])
            row = cursor.fetchone()
            lists: list[str] = []
            if row:
                cursor.execute(MEMBERSHIPS, [row[0], today, today, today])
                lists = [r[0] for r in cursor.fetchall()]
                cursor.execute(
                    "SELECT behavior, polarity FROM records_record WHERE subject_id = %s "
                    "AND starts_on <= %s AND (ends_on IS NULL OR ends_on >= %s) "
                    "AND status IN ('published', 'expired', 'deferred')", [row[0], today, today])
                cursor.fetchall()
            results.append({"subject_id": row[0] if row else None, "lists": lists})
    return JsonResponse({"results": results})


# The real check's user (the benchmark's department user) for the log rows: id, unit, region.
_CALLER: dict[str, Any] = {}


def _caller(cursor: Any) -> tuple[int, int, str]:
    if not _CALLER:
        cursor.execute("SELECT u.id, u.unit_id, n.region FROM accounts_user u "
                       "JOIN accounts_unit n ON n.id = u.unit_id WHERE u.username = 'scjg'")
        _CALLER["row"] = cursor.fetchone()
    return _CALLER["row"]  # type: ignore[no-any-return]


@csrf_exempt
def bare_check_logged(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    today = timezone.localdate()
    results: list[dict[str, Any]] = []
    with connection.cursor() as cursor:
        user_id, unit_id, region = _caller(cursor)
        for raw in body["subjects"]:
            digest = codes.digest(codes.normalize(raw))
            cursor.execute("SELECT id, kind FROM subjects_subject WHERE code_digest = %s",
                           [digest])
            row = cursor.fetchone()
            lists: list[str] = []
            in_force: list[dict[str, Any]] = []
            if row:
                cursor.execute(MEMBERSHIPS, [row[0], today, today, today])
                lists = [r[0] for r in cursor.fetchall()]
                cursor.execute(
                    "SELECT r.id, r.behavior, r.polarity, p.pack_id, r.decided_on, r.ends_on "
                    "FROM records_record r LEFT JOIN policies_policyversion v "
                    "ON v.id = r.policy_version_id LEFT JOIN policies_policypack p "
                    "ON p.id = v.pack_id WHERE r.subject_id = %s "
                    "AND r.starts_on <= %s AND (r.ends_on IS NULL OR r.ends_on >= %s) "
                    "AND r.status IN ('published', 'expired', 'deferred')",
                    [row[0], today, today])
                in_force = [{"id": r[0], "behavior": r[1], "behavior_text": r[1],
                             "decided_on": r[4].isoformat(),
                             "ends_on": r[5].isoformat() if r[5] else None, "policy": r[3] or "",
                             "doc_number": "", "clause": ""}
                            for r in cursor.fetchall() if r[2] == "dishonest"]
            results.append({"code_masked": raw[:4] + "*" * 10 + raw[-4:],
                            "subject_id": row[0] if row else None, "known": bool(row),
                            "lists": lists, "records_in_force": in_force, "measures": [],
                            "verdict": "attention" if in_force else "none", "error": None})
        cursor.execute(
            "INSERT INTO checks_check (unit_id, institution_id, user_id, scenario, as_of, "
            "region, created_at, subject_count, restricted, incentivised, results) "
            "VALUES (%s, NULL, %s, %s, %s, %s, %s, %s, 0, 0, %s) RETURNING id",
            [unit_id, user_id, body["scenario"], today, region, timezone.now(), len(results),
             json.dumps(results)])
        check_id = cursor.fetchone()[0]
    return JsonResponse({"id": check_id, "scenario": body["scenario"],
                         "as_of": today.isoformat(), "results": results})
