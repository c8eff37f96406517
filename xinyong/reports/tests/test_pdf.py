"""The PDF itself: every section, only what the version may show, the masked ID, the
embedded font, the number and time on every page, page x of y, and a QR code that leads
to the verification page."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from pypdf import PdfReader

from xinyong.accounts.models import User
from xinyong.conftest_helpers import qr_codes_on_first_page
from xinyong.reports import services
from xinyong.reports.tests.conftest import PERSON_CODE, pdf_text
from xinyong.scores import services as scoring
from xinyong.scores.choices import GRADE
from xinyong.subjects.models import Subject

SECTIONS = ["登记注册基础信息", "行政管理信息", "行政许可信息", "行政处罚信息", "诚实守信相关荣誉信息",
            "严重失信主体名单及其他名单信息", "经营（活动）异常名录信息", "信用承诺信息", "信用评价信息",
            "司法判决及执行信息", "其他信息", "失信行为认定信息", "信用状况提升建议", "报告说明"]


def test_a_company_report_has_every_section_and_only_what_is_published(
        history: dict[str, Any], organization: Subject, owner: User) -> None:
    issued = services.issue(organization, requester=owner)
    text = pdf_text(issued.pdf)
    for title in SECTIONS:
        assert title in text, title
    assert "福州马尾康宁医疗器械有限公司" in text and "91350105MA2Y00001R" in text
    assert "榕马市监罚〔2026〕11号" in text  # the penalty in publicity
    assert "异议处理中" in text  # … marked as under objection
    assert "榕马市监许〔2026〕14号" in text and "医疗器械经营许可证" in text  # the licence
    assert "榕马发改〔2026〕13号" in text  # the honour
    assert "榕马市监认〔2026〕12号" not in text  # withdrawn: not in the public version
    # The grade of the issue day, with its basis and rate (provisional: said so).
    assert "企业信用风险分类" in text and "抽查比例" in text and "比例为暂定值" in text
    assert GRADE.label(scoring.grade(organization).grade) in text
    # No commitment signed: the section says there is none in publicity.
    assert "无（截至报告出具时无公示的信用承诺信息）" in text
    assert "公开版" in text


def test_the_full_version_shows_every_record_with_its_status(
        history: dict[str, Any], organization: Subject, owner: User) -> None:
    issued = services.issue(organization, requester=owner, version="full")
    text = pdf_text(issued.pdf)
    assert "榕马市监认〔2026〕12号" in text and "已撤销" in text
    assert "仅供信用主体本人及信用办查阅" in text


def test_a_persons_report_masks_the_id_number(
        person_history: Any, person: Subject, person_user: User) -> None:
    issued = services.issue(person, requester=person_user)
    text = pdf_text(issued.pdf)
    assert PERSON_CODE not in text and PERSON_CODE.encode() not in issued.pdf
    assert person.code_masked in text and "身份证号码" in text
    assert "自然人版" in text and "榕马公罚〔2026〕21号" in text
    # The person's points under each scheme in force, provisional values said so.
    assert "娄城信用积分" in text and "个人信用积分（福州）" in text and "暂定值" in text
    assert "经营（活动）异常名录" not in text  # organisations only


def test_the_font_is_embedded_as_a_subset(organization: Subject, owner: User, loaded: Any) -> None:
    data = services.issue(organization, requester=owner).pdf
    assert b"/FontFile2" in data
    fonts = {str(f) for page in PdfReader(io.BytesIO(data)).pages
             for f in (page["/Resources"]["/Font"].values())
             for f in [f.get_object()["/BaseFont"]]}
    # A subset's name has a six-letter tag: ABCDEF+Name.
    assert any(re.fullmatch(r"/[A-Z]{6}\+.+", name) for name in fonts), fonts


def test_every_page_has_the_number_the_time_and_page_x_of_y(
        loaded: Any, unit: Any, organization: Subject, owner: User) -> None:
    from xinyong.conftest_helpers import penalty_submission
    from xinyong.records.services import submit

    for i in range(40):  # enough rows for several pages
        submit(unit, penalty_submission(organization.name, f"榕马市监罚〔2026〕{100 + i}号", ("罚款",),
                                        fine="0.5", subject_code=organization.full_code()))
    issued = services.issue(organization, requester=owner)
    pages = PdfReader(io.BytesIO(issued.pdf)).pages
    assert len(pages) == issued.report.pages >= 3
    stamp = f"{issued.report.issued_at:%Y-%m-%d %H:%M:%S}"
    for number, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert issued.report.number in text.replace(" ", ""), number
        assert stamp in text, number
        assert f"第 {number} 页 共 {len(pages)} 页" in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_the_qr_code_leads_to_the_verification_page(
        organization: Subject, owner: User, loaded: Any, tmp_path: Path) -> None:
    issued = services.issue(organization, requester=owner)
    found = qr_codes_on_first_page(issued.pdf, tmp_path)
    assert found == [f"{settings.SITE_ROOT}/reports/verify/{issued.report.number}/"]


def test_cell_lines_fit_their_column_and_keep_codes_and_punctuation_whole() -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from xinyong.reports import pdf

    font = pdf.font_name(settings.REPORT_FONT)
    text = ("经营未取得医疗器械注册证的第二类医疗器械，违法所得计 1.2 万元（统一社会信用代码"
            "91350105MA2Y00001R），责令改正。\n依据：榕发改信用〔2020〕4号")
    width = 120.0
    lines = pdf.break_lines(text, font, 8.5, width)
    assert "".join(lines).replace(" ", "") == text.replace("\n", "").replace(" ", "")
    assert lines[-1] == "依据：榕发改信用〔2020〕4号"  # the newline is kept
    for line in lines:
        assert stringWidth(line, font, 8.5) <= width, line
        assert line[0] not in "，。、）〕", line  # closing punctuation never starts a line
        assert line[-1] not in "（〔", line  # … nor opening punctuation ends one
    assert any("91350105MA2Y00001R" in line for line in lines)  # a code is never split
    # A unit wider than the column is broken by character rather than overflowing.
    narrow = pdf.break_lines("91350105MA2Y00001R", font, 8.5, 30.0)
    assert len(narrow) > 1 and "".join(narrow) == "91350105MA2Y00001R"
    assert all(stringWidth(line, font, 8.5) <= 30.0 for line in narrow)
