"""Licence files through the bulk import pipeline (records/imports.py): the same job,
staging, one-transaction merge and idempotency, into the licences table."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from xinyong.exchange.models import LICENCE
from xinyong.exchange.outbox import note_import
from xinyong.lib.errors import DomainError
from xinyong.licences.bulk import to_licence
from xinyong.licences.models import VALID, WITHDRAWN, LicenceImportRow
from xinyong.licences.services import LicenceSubmission, check_fields, licence_fields
from xinyong.records import bulk
from xinyong.records.imports import Codes
from xinyong.records.models import ImportJob

STAGED = ["job_id", "attempt", "row_no", "unit_id", "kind", "name", "code", "code_digest",
          "code_cipher", "code_masked", "decision_no", "decision_name", "licence_kind",
          "licence_name", "licence_no", "content", "decided_on", "valid_from", "valid_to",
          "authority_name", "authority_code", "source_unit_name", "source_unit_code", "legal_rep",
          "remarks", "external_id", "status", "withdrawn_on", "withdrawn_reason"]

LICENCES = """
INSERT INTO licences_licence (
    unit_id, subject_id, reported_name, decision_no, decision_name, kind, licence_name,
    licence_no, content, decided_on, valid_from, valid_to, authority_name, authority_code,
    source_unit_name, source_unit_code, legal_rep, remarks, external_id, status, withdrawn_on,
    withdrawn_reason, source, import_job_id, version, created_by_id, created_at, updated_at)
SELECT s.unit_id, subj.id, s.name, s.decision_no, s.decision_name, s.licence_kind,
    s.licence_name, s.licence_no, s.content, s.decided_on, s.valid_from, s.valid_to,
    s.authority_name, s.authority_code, s.source_unit_name, s.source_unit_code, {json_rep},
    s.remarks, s.external_id, s.status, s.withdrawn_on, s.withdrawn_reason, 'import', s.job_id, 1,
    %s, %s, %s
FROM {table} s JOIN subjects_subject subj ON subj.code_digest = s.code_digest
WHERE s.job_id = %s AND s.attempt = %s {order}
ON CONFLICT DO NOTHING
"""


class LicenceRows:
    """How rows of a licence file are checked, staged and merged."""

    kind = bulk.LICENCES
    table = "licences_licenceimportrow"
    columns = STAGED

    def __init__(self, job: ImportJob, today: dt.date) -> None:
        self.job, self.today = job, today
        self.codes = Codes()

    def convert(self, values: dict[str, str], number: int) -> tuple[Any, list[bulk.RowError]]:
        return to_licence(values, number, self.today)

    def stage(self, number: int, row: tuple[LicenceSubmission, bool]) -> tuple[Any, ...] | DomainError:
        sub, valid = row
        try:
            check_fields(sub, self.today)
            fields = licence_fields(sub)
        except DomainError as exc:
            return exc
        code, digest, cipher, masked = self.codes.columns(sub.subject_kind, sub.subject_code)
        rep = sub.legal_representative.as_json()
        return (
            self.job.pk, self.job.attempts, number, self.job.unit_id, sub.subject_kind,
            sub.subject_name, code, digest, cipher, masked, fields["decision_no"],
            fields["decision_name"], fields["kind"], fields["licence_name"], fields["licence_no"],
            fields["content"], fields["decided_on"], fields["valid_from"], fields["valid_to"],
            fields["authority_name"], fields["authority_code"], fields["source_unit_name"],
            fields["source_unit_code"], json.dumps(rep, ensure_ascii=False) if rep else "",
            fields["remarks"], sub.external_id, VALID if valid else WITHDRAWN,
            None if valid else self.today, "" if valid else "报送文件中当前状态为无效",
        )

    @staticmethod
    def clear(job_id: int) -> None:
        LicenceImportRow.objects.filter(job_id=job_id).delete()

    def merge_rows(self, cursor: Any, job: ImportJob, now: Any, table: str) -> int:
        from django.db import connection

        pg = connection.vendor == "postgresql"
        sql = LICENCES.format(
            table=table,
            json_rep="NULLIF(s.legal_rep, '')::jsonb" if pg else "NULLIF(s.legal_rep, '')",
            order="ORDER BY s.row_no" if pg else "AND true ORDER BY s.row_no")
        cursor.execute(sql, [job.created_by_id, now, now, job.pk, job.attempts])
        return int(cursor.rowcount)

    def finish(self, cursor: Any, job: ImportJob) -> None:
        note_import(LICENCE, job.pk, cursor)  # the upward exchange's outbox
