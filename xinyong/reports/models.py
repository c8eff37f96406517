"""Credit reports (公共信用信息报告): every report issued, with what proves it genuine.

The PDF itself is not kept: its sha256 and a signature with the platform's key are, which is
all verification needs (`reports.services.verify_file`). A report's number is printed on
every page and in its QR code; it is unique and cannot be guessed (`new_number`).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from xinyong.reports.choices import CHANNEL, VERSION

# 信用中国's numbers have 22 characters (e.g. 2026050419025750859D39). Ours: the issue date
# (8 digits) and 14 random characters of Crockford's base32, 70 bits: no look-alike
# letters (I, L, O, U) for people typing a number from paper.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_RANDOM = 14
NUMBER_RE = re.compile(r"\d{8}[0-9A-HJKMNP-TV-Z]{14}")


def new_number(day: dt.date | None = None) -> str:
    day = day or timezone.localdate()
    return day.strftime("%Y%m%d") + "".join(
        secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_RANDOM))


def normalize_number(text: str) -> str:
    """A number as typed: spaces dropped, upper case, Crockford's look-alikes read as digits."""
    text = "".join(text.split()).upper()
    return text.translate(str.maketrans("OIL", "011"))


class ReportQuerySet(models.QuerySet["Report"]):
    def visible_to(self, user: Any) -> ReportQuerySet:
        """The issue log: the office sees every report, a subject user its own subject's,
        nobody else any (anyone may verify a number: `services.status_of`)."""
        from xinyong.accounts.models import Role

        role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
        if role == Role.OFFICE:
            return self
        if role == Role.SUBJECT and user.subject_id is not None:
            return self.filter(subject_id=user.subject_id)
        return self.none()


class Report(models.Model):
    """信用报告: one issued report (出具记录), its proof, and its revocation if any."""

    number = models.CharField("报告编号", max_length=22, unique=True)
    subject = models.ForeignKey("subjects.Subject", verbose_name="信用主体", on_delete=models.PROTECT,
                                related_name="reports")
    # As printed: the name may change later, the report does not.
    subject_name = models.CharField("主体名称", max_length=200)
    code_masked = models.CharField("代码", max_length=18)
    version = models.CharField("版本", max_length=8, choices=VERSION.choices)
    channel = models.CharField("出具方式", max_length=8, choices=CHANNEL.choices)
    purpose = models.CharField("用途", max_length=200, blank=True)
    place = models.CharField("打印地点", max_length=200, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField("出具时间")
    valid_until = models.DateField("有效期至")
    pages = models.PositiveIntegerField("页数")
    size = models.PositiveIntegerField("文件大小")
    sha256 = models.CharField(max_length=64, db_index=True)
    signature = models.CharField("平台签名", max_length=100)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    revoke_reason = models.CharField("撤销原因", max_length=500, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = "信用报告"
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["subject", "-issued_at"])]

    def __str__(self) -> str:
        return f"{self.number}（{self.subject_name}）"

    def signed_message(self) -> bytes:
        """What the platform's key signs: number, subject, issue time and the file's hash."""
        return "|".join([self.number, str(self.subject_id), self.subject_name,
                         self.issued_at.astimezone(dt.UTC).isoformat(), self.sha256]).encode()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def expired_on(self, day: dt.date) -> bool:
        return day > self.valid_until


def document_path(instance: SignedDocument, filename: str) -> str:
    """Stored under a random name, 0600 like every private file."""
    import uuid

    return f"{instance._meta.app_label}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.pdf"


class SignedDocument(models.Model):
    """A PDF the platform issues besides reports (a signed commitment letter, a force-
    majeure certificate): numbered like reports, its sha256 signed with the platform's
    key, and kept (unlike a report, whose content changes daily, a signed letter must
    be available as signed). Subclasses have a `subject` (FK to subjects.Subject), add
    what the document is about and call `reports.documents.issue` to make it; the number
    stays empty until then (a certificate applied for but not issued)."""

    number = models.CharField("编号", max_length=22, unique=True, null=True, blank=True)
    # As printed: the name may change later, the document does not.
    subject_name = models.CharField("主体名称", max_length=200)
    issued_at = models.DateTimeField("出具时间", null=True, blank=True)
    pdf = models.FileField(upload_to=document_path, blank=True)
    pdf_size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    signature = models.CharField("平台签名", max_length=100, blank=True)

    class Meta:
        abstract = True

    def signed_message(self) -> bytes:
        """What the platform's key signs: number, subject, issue time and the file's hash."""
        assert self.issued_at is not None
        return "|".join([self.number or "", str(self.subject_id), self.subject_name,  # type: ignore[attr-defined]
                         self.issued_at.astimezone(dt.UTC).isoformat(), self.sha256]).encode()

    @property
    def is_issued(self) -> bool:
        return bool(self.number and self.sha256)

    def proof_checks_out(self) -> bool:
        """The stored hash is the one the platform signed (not changed in the database)."""
        from xinyong.reports import signing

        return self.is_issued and signing.verify(self.signed_message(), self.signature)
