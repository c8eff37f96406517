"""Issuing a signed document other than a report (commitment letters, certificates): one
number, one PDF drawn by `pdf.render_letter`, the sha256 signed, the file kept private.

The caller holds its transaction; the number is drawn again on the (70-bit) chance that
it is taken.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone

from xinyong.lib.errors import DomainError
from xinyong.reports import pdf, signing
from xinyong.reports.models import NUMBER_RE, SignedDocument, new_number, normalize_number


def verification_url(url_name: str, number: str) -> str:
    """The public page a QR code leads to (absolute, from XINYONG_SITE_ROOT)."""
    return settings.SITE_ROOT.rstrip("/") + reverse(url_name, args=[number])


def issue(document: SignedDocument, letter_for: Callable[[SignedDocument], pdf.Letter],
          url_name: str) -> bytes:
    """Number, draw, sign and save `document` (its other fields already set); returns the
    PDF's bytes. `letter_for` is called once the number and time are set."""
    document.issued_at = timezone.localtime().replace(microsecond=0)
    for _attempt in range(3):
        document.number = new_number(document.issued_at.date())
        try:
            rendered = pdf.render_letter(letter_for(document), number=document.number,
                                         issued_at=document.issued_at,
                                         verify_url=verification_url(url_name, document.number))
        except pdf.FontMissing as exc:
            raise DomainError("", f"暂时无法生成文件：{exc}", status=503) from None
        document.sha256 = hashlib.sha256(rendered.data).hexdigest()
        document.pdf_size = len(rendered.data)
        document.signature = signing.sign(document.signed_message())
        try:
            with transaction.atomic():
                if document.pdf:
                    document.pdf.delete(save=False)
                document.pdf.save(f"{document.number}.pdf", ContentFile(rendered.data), save=False)
                document.save()
        except IntegrityError:
            document.pdf.delete(save=False)
            continue
        return rendered.data
    raise RuntimeError("could not draw an unused document number")


def find(model: type[SignedDocument], number: str) -> SignedDocument | None:
    """The document with this number as a person typed it (look-alikes read as digits)."""
    number = normalize_number(number)
    if not NUMBER_RE.fullmatch(number):
        return None
    return (model.objects.select_related("subject")  # type: ignore[attr-defined,no-any-return]
            .filter(number=number).first())


def pdf_response(document: SignedDocument, filename: str) -> FileResponse:
    """The kept PDF as a private download (404 if its file is gone: the row stays, so the
    number still verifies)."""
    try:
        handle = document.pdf.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("文件已不存在，请联系信用办") from None
    response = FileResponse(handle, as_attachment=True, filename=filename,
                            content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    return response
