"""The issued certificate: a PDF that states the objective facts only (with English
labels), signed, whose QR code leads to the public verification page, where it checks out
by number (page and API)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from pypdf import PdfReader

from xinyong.certificates.models import Certificate
from xinyong.certificates.tests.conftest import pdf_text
from xinyong.conftest_helpers import qr_codes_on_first_page


def test_the_pdf_states_the_facts_and_the_disclaimer(issued: Certificate) -> None:
    data = issued.pdf.read()
    reader = PdfReader(issued.pdf.path)
    assert reader.metadata is not None
    assert reader.metadata.get("/Keywords") == f"xinyong-force-majeure:{issued.number}"
    text = pdf_text(data)
    for fact in ("不可抗力事实性证明", "CertificateofForceMajeure(Facts)", issued.subject_name,
                 issued.subject.code, "TC-EX-2020-017", "MüllerMedizintechnikGmbH", "德国",
                 "新冠肺炎疫情防控：延迟复工及国际航运中断", "原定2月20日的船期被船公司取消",
                 "信用办", "太信用办〔2020〕1号第8条", str(issued.number),
                 "由合同约定及其适用的法律确定", "dependsonthecontractanditsgoverninglaw"):
        assert fact in text, fact
    assert "材料齐全" not in text  # the officer's reason is not on the certificate


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_the_qr_code_leads_to_the_verification_page(issued: Certificate, tmp_path: Path,
                                                    web: Callable[..., Client]) -> None:
    found = qr_codes_on_first_page(issued.pdf.read(), tmp_path)
    url = f"{settings.SITE_ROOT}/force-majeure/certificates/{issued.number}/"
    assert found == [url]
    page = web().get(url.removeprefix(settings.SITE_ROOT))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-verdict="genuine"' in html and issued.subject_name in html


def test_verified_by_number_through_the_api(issued: Certificate, api: Callable[..., Any]) -> None:
    client = api(None)
    body = client.get(f"/api/v1/force-majeure/certificates/{issued.number}").json()
    assert body["valid"] is True and body["number"] == issued.number
    assert body["subject_name"] == issued.subject_name and body["issued_at"]
    assert body["contract_no"] == "TC-EX-2020-017" and body["issued_by"] == "信用办"
    # Typed from paper: lower case, spaces and look-alike letters are read as meant.
    assert issued.number is not None
    typed = issued.number.lower().replace("0", "o")
    assert client.get(f"/api/v1/force-majeure/certificates/{typed}").json()["valid"] is True
    unknown = client.get("/api/v1/force-majeure/certificates/20200301ABCDEFGHJKMNPQ")
    assert unknown.status_code == 404
    assert unknown["Content-Type"].startswith("application/json") and "编号" in unknown.json()["detail"]


def test_a_certificate_whose_stored_proof_was_changed_is_not_valid(
        issued: Certificate, api: Callable[..., Any], web: Callable[..., Client]) -> None:
    Certificate.objects.filter(pk=issued.pk).update(subject_name="冒名贸易有限公司")
    body = api(None).get(f"/api/v1/force-majeure/certificates/{issued.number}").json()
    assert body["valid"] is False and body["subject_name"] == "冒名贸易有限公司"
    page = web().get(f"/force-majeure/certificates/{issued.number}/").content.decode()
    assert 'data-verdict="invalid"' in page


def test_the_verification_pages(issued: Certificate, web: Callable[..., Client]) -> None:
    from xinyong.front.tests.walk import english_words

    anonymous = web()
    form = anonymous.get("/force-majeure/certificates/")
    assert form.status_code == 200 and not english_words(form.content.decode())
    assert issued.number is not None
    found = anonymous.get("/force-majeure/certificates/", {"number": f" {issued.number.lower()} "})
    assert found.status_code == 302 and found["Location"] == f"/force-majeure/certificates/{issued.number}/"
    bad = anonymous.get("/force-majeure/certificates/", {"number": "123"})
    assert bad.status_code == 422 and "22 位" in bad.content.decode()
    page = anonymous.get(f"/force-majeure/certificates/{issued.number}/")
    html = page.content.decode()
    for fact in (issued.number, issued.subject_name, "TC-EX-2020-017", "Müller Medizintechnik GmbH",
                 "新冠肺炎疫情防控", "信用办", 'lang="en"', "Holder", "Counterparty"):
        assert fact in html, fact
    assert "事实经过" not in html and "船期" not in html  # the facts stay with the parties
    assert not english_words(html), english_words(html)  # the English is marked lang="en"
    missing = anonymous.get("/force-majeure/certificates/20200301ABCDEFGHJKMNPQ/")
    assert missing.status_code == 404 and 'data-verdict="unknown"' in missing.content.decode()
