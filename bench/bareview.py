"""The yardstick for the check endpoint: the same lookups with a raw cursor, nothing else.

No authentication, no validation beyond the digest, no rule evaluation, no logging: the
fastest a Django view on this server can answer "what lists is this subject on today".
"""

from __future__ import annotations

import datetime as dt
import json

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from xinyong.subjects import codes


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
                cursor.execute(
                    "SELECT list_code FROM lists_membership WHERE subject_id = %s AND since <= %s "
                    "AND (until IS NULL OR until >= %s) AND (ended_on IS NULL OR ended_on > %s)",
                    [row[0], today, today, today])
                lists = [r[0] for r in cursor.fetchall()]
                cursor.execute(
                    "SELECT behavior, polarity FROM records_record WHERE subject_id = %s "
                    "AND starts_on <= %s AND (ends_on IS NULL OR ends_on >= %s) "
                    "AND status IN ('published', 'expired', 'deferred')", [row[0], today, today])
                cursor.fetchall()
            results.append({"subject_id": row[0] if row else None, "lists": lists})
    return JsonResponse({"results": results})
