"""A report as a PDF (ReportLab): an embedded subset of a TrueType CJK font, the report
number and issue time in every page's header, 第 x 页 共 y 页 in every footer, a watermark,
and a QR code (segno, drawn as one vector path) that leads to the public verification page.

The font is Debian's WenQuanYi Zen Hei by default (`fonts-wqy-zenhei`; `XINYONG_REPORT_FONT`
names another TrueType file or collection). Noto CJK is no use here: its outlines are CFF,
which ReportLab cannot embed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import segno
from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from xinyong.reports import choices as c
from xinyong.reports.content import Part, ReportContent
from xinyong.reports.content import Table as ContentTable

EMBEDDED = "XinyongCJK"
# ReportLab's built-in Adobe CJK font: drawn by the reader's own fonts, nothing embedded.
# Only the benchmark's floor uses it.
BUILT_IN = "STSong-Light"
WATERMARK = "watermark"
QR_MASK = 0
PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 18 * mm, 24 * mm, 18 * mm
INK, GREY, RULE = colors.HexColor("#1a1a1a"), colors.HexColor("#5f6368"), colors.HexColor("#9aa0a6")
HEAD_FILL = colors.HexColor("#e8eef7")
ACCENT = colors.HexColor("#0b4f9c")


class FontMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class Document:
    data: bytes
    pages: int


@cache
def font_name(path: str) -> str:
    """Register the TrueType font once per process (parsing it costs ~0.1 s)."""
    if not Path(path).is_file():
        raise FontMissing(f"报告字体文件不存在：{path}（请安装 fonts-wqy-zenhei 或设置 XINYONG_REPORT_FONT）")
    font = TTFont(EMBEDDED, path, subfontIndex=0)
    # Every subset ReportLab makes (one per 256 characters, several per report) slices the
    # font's tables out of the whole file again: 15 MB of glyphs copied each time. The
    # slices are immutable bytes, so the face keeps them.
    tables: dict[str, bytes] = {}
    read = font.face.get_table

    def get_table(tag: str) -> bytes:
        if tag not in tables:
            tables[tag] = read(tag)
        return tables[tag]

    font.face.get_table = get_table
    pdfmetrics.registerFont(font)
    return EMBEDDED


@cache
def built_in_font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(BUILT_IN))
    return BUILT_IN


@cache
def styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14, textColor=INK,
                          wordWrap="CJK", spaceBefore=1 * mm, spaceAfter=1 * mm)
    cell = ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11.5, spaceBefore=0,
                          spaceAfter=0)
    return {
        "body": base,
        "cell": cell,
        "head": ParagraphStyle("head", parent=cell, textColor=ACCENT),
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER,
                                textColor=ACCENT, spaceAfter=2 * mm),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=16,
                                   alignment=TA_CENTER, textColor=GREY, spaceAfter=5 * mm),
        "section": ParagraphStyle("section", parent=base, fontSize=12.5, leading=18,
                                  textColor=ACCENT, spaceBefore=5 * mm, spaceAfter=2 * mm),
        "part": ParagraphStyle("part", parent=base, fontSize=10.5, leading=15, spaceBefore=2 * mm,
                               spaceAfter=1.5 * mm),
    }


class QRCode(Flowable):
    """The verification URL as a QR code: every dark run of a row is a rectangle of one
    path, filled once (no image, crisp when printed at any size)."""

    def __init__(self, url: str, size: float, border: int = 2) -> None:
        super().__init__()
        # A fixed mask: choosing the best of eight is most of segno's time, and any mask
        # is a valid code (the tests decode it with zxing-cpp).
        self.rows = [bytes(row) for row in segno.make(url, error="m", mask=QR_MASK).matrix]
        self.size, self.border = size, border

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        n = len(self.rows) + 2 * self.border
        m = self.size / n
        path = self.canv.beginPath()
        for y, row in enumerate(self.rows):
            top = self.size - (y + self.border + 1) * m
            x = 0
            while x < len(row):
                if row[x]:
                    start = x
                    while x < len(row) and row[x]:
                        x += 1
                    path.rect((start + self.border) * m, top, (x - start) * m, m)
                else:
                    x += 1
        self.canv.setFillColor(colors.black)
        self.canv.drawPath(path, stroke=0, fill=1)


def _text(value: str) -> str:
    return escape(value).replace("\n", "<br/>")


CELL_PAD = 3
# Kinsoku (避头尾): what never starts a line, and what never ends one.
NO_START = set("，。、；：！？）》」』】〕〉”’…%,.;:!?)]}")
NO_END = set("（《「『【〔〈“‘([{")
# Latin letters and digits that stay together on a line (codes, amounts, decision numbers).
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-_/:+]*|.", re.S)


@cache
def _char_widths(font: str, size: float) -> dict[str, float]:
    return {}  # filled as characters are met; one per font and size for the process


def _width(text: str, font: str, size: float) -> float:
    widths = _char_widths(font, size)
    total = 0.0
    for ch in text:
        w = widths.get(ch)
        if w is None:
            w = widths[ch] = pdfmetrics.stringWidth(ch, font, size)
        total += w
    return total


def _tokens(text: str) -> list[str]:
    """Units a line may break between: a CJK character, a Latin word or number; closing
    punctuation joins the unit before it, opening punctuation the unit after it."""
    out: list[str] = []
    glue = False
    for tok in TOKEN.findall(text):
        if out and (glue or tok in NO_START):
            out[-1] += tok
        else:
            out.append(tok)
        glue = tok in NO_END
    return out


def break_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy line breaking of CJK text at `width` points (explicit newlines kept)."""
    lines: list[str] = []
    for para in text.split("\n"):
        line, used = "", 0.0
        for tok in _tokens(para):
            w = _width(tok, font, size)
            if line and used + w > width:
                lines.append(line)
                line, used = "", 0.0
                tok = tok.lstrip()
                w = _width(tok, font, size)
            if w <= width:
                line, used = line + tok, used + w
                continue
            for ch in tok:  # a unit wider than the column: by character
                cw = _width(ch, font, size)
                if line and used + cw > width:
                    lines.append(line)
                    line, used = "", 0.0
                line, used = line + ch, used + cw
        lines.append(line)
    return lines


class CellText(Flowable):
    """A table cell's text, wrapped by `break_lines` and drawn as one text object.

    ReportLab's Paragraph with wordWrap="CJK" builds a fragment object per character and
    compares neighbours to rebuild runs, on every wrap (a table wraps each cell at least
    twice); that was most of a report's time. Cells need no markup, so this does only
    what they need."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text, self.style = text, style
        self.lines: list[str] = []
        self._for_width = -1.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        if available_width != self._for_width:
            st = self.style
            self.lines = break_lines(self.text, st.fontName, st.fontSize, available_width)
            self._for_width = available_width
        self.width = available_width
        self.height = len(self.lines) * self.style.leading
        return self.width, self.height

    def draw(self) -> None:
        st = self.style
        text = self.canv.beginText(0, self.height - st.fontSize)
        text.setFont(st.fontName, st.fontSize, st.leading)
        text.setFillColor(st.textColor)
        for line in self.lines:
            text.textLine(line)
        self.canv.drawText(text)


def _table(table: ContentTable, st: dict[str, ParagraphStyle], width: float) -> Table:
    total = sum(table.widths)
    widths = [width * w / total for w in table.widths]
    head, cell = st["head"], st["cell"]
    data: list[list[Any]] = [[CellText(col, head) for col in table.columns]]
    data += [[CellText(text, cell) for text in row] for row in table.rows]
    flowable = Table(data, colWidths=widths, repeatRows=1)
    flowable.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
    ]))
    return flowable


def _part(part: Part, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    story: list[Flowable] = []
    if part.title:
        story.append(Paragraph(_text(part.title), st["part"]))
    if part.table and part.table.rows:
        story.append(_table(part.table, st, width))
    elif part.empty:
        story.append(Paragraph(_text(part.empty), st["body"]))
    for text in part.paragraphs:
        story.append(Paragraph(_text(text), st["body"]))
    return story


@dataclass
class Letter:
    """A document other than a report, made the same way (a signed commitment letter, a
    force-majeure certificate): the facts in the box beside its QR code, and its body."""

    title: str
    heading: str  # the running header's left side: 信用承诺书, 不可抗力事实性证明 ...
    number_label: str  # 承诺书编号, 证明编号 ...
    facts: list[tuple[str, str]]
    sections: list[Any]  # content.Section
    watermark: str
    # How a copy is recognised (`xinyong-<keyword>:<number>` in the metadata).
    keyword: str
    subtitle: str = ""
    qr_caption: str = "扫码核验真伪"


def _cover(title: str, subtitle: str, facts: list[tuple[str, str]], verify_url: str | None,
           qr_caption: str, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    qr_size = 32 * mm
    box = Table([[CellText(k, st["head"]), CellText(v, st["cell"])] for k, v in facts],
                colWidths=[24 * mm, width - 24 * mm - qr_size - 8 * mm])
    box.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, RULE), ("BACKGROUND", (0, 0), (0, -1), HEAD_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    right: list[Flowable] = []
    if verify_url:
        right = [QRCode(verify_url, qr_size),
                 Paragraph(qr_caption, ParagraphStyle("qr", parent=st["cell"], alignment=TA_CENTER))]
    cover = Table([[box, right]], colWidths=[width - qr_size - 6 * mm, qr_size + 6 * mm])
    cover.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return [Paragraph(_text(title), st["title"]), Paragraph(_text(subtitle), st["subtitle"]),
            cover, Spacer(1, 2 * mm)]


def render(content: ReportContent, *, number: str, issued_at: dt.datetime, valid_until: dt.date,
           verify_url: str | None, font: str | None = None) -> Document:
    """The PDF of `content`. `font=None` embeds the configured TrueType font; the
    benchmark's floor passes the built-in one and no `verify_url` (no QR code)."""
    facts = [
        ("信用主体", content.subject_name), (content.code_label, content.code_masked),
        ("主体类别", content.kind_label), ("报告版本", content.version_label),
        ("报告编号", number), ("出具时间", f"{issued_at:%Y年%m月%d日 %H:%M:%S}"),
        ("有效期至", f"{valid_until:%Y年%m月%d日}"),
    ]
    watermark = (f"{settings.SITE_NAME} {content.version_label}" if content.version == c.PUBLIC
                 else "完整版 仅供本人及信用办查阅")
    letter = Letter(title=content.title, heading="公共信用信息报告", number_label="报告编号",
                    facts=facts, sections=content.sections, watermark=watermark,
                    keyword="report", subtitle=f"{settings.SITE_NAME} · {content.version_label}",
                    qr_caption="扫码核验报告真伪")
    return render_letter(letter, number=number, issued_at=issued_at, verify_url=verify_url,
                         font=font, pdf_title=f"{content.title} {content.subject_name}")


def render_letter(letter: Letter, *, number: str, issued_at: dt.datetime, verify_url: str | None,
                  font: str | None = None, pdf_title: str = "") -> Document:
    """The PDF of a report or a letter: cover box and QR code, the number and issue time in
    every page's header, 第 x 页 共 y 页, the watermark."""
    font = font or font_name(settings.REPORT_FONT)
    st = styles(font)
    buffer = io.BytesIO()
    width = PAGE_W - 2 * MARGIN_X
    doc = BaseDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, title=pdf_title or letter.title,
        author=settings.SITE_NAME, creator=settings.SITE_NAME,
        # How verification finds the number in an uploaded copy (services.number_in).
        subject=f"{letter.number_label} {number}", keywords=f"xinyong-{letter.keyword}:{number}")
    watermark = letter.watermark

    def on_page(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        # Drawn once as a form XObject that every page places: one copy in the file.
        if not canvas.hasForm(WATERMARK):
            canvas.beginForm(WATERMARK)
            canvas.setFillColorRGB(0.55, 0.6, 0.7)
            canvas.setFont(font, 22)
            for row in range(5):
                for col in range(2):
                    canvas.saveState()
                    canvas.translate(PAGE_W * (0.3 + 0.45 * col), PAGE_H * (0.12 + 0.2 * row))
                    canvas.rotate(30)
                    canvas.drawCentredString(0, 0, watermark)
                    canvas.restoreState()
            canvas.endForm()
        # The transparency is set where the form is placed: a form's own resources do not
        # carry it.
        canvas.saveState()
        canvas.setFillAlpha(0.12)
        canvas.doForm(WATERMARK)
        canvas.restoreState()
        canvas.setFillColor(GREY)
        canvas.setFont(font, 8)
        top = PAGE_H - 12 * mm
        canvas.drawString(MARGIN_X, top, f"{settings.SITE_NAME} · {letter.heading}")
        canvas.drawRightString(PAGE_W - MARGIN_X, top,
                               f"{letter.number_label}：{number}    出具时间：{issued_at:%Y-%m-%d %H:%M:%S}")
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, top - 2.5 * mm, PAGE_W - MARGIN_X, top - 2.5 * mm)
        canvas.restoreState()

    frame = Frame(MARGIN_X, MARGIN_BOTTOM, width, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])

    story = _cover(letter.title, letter.subtitle or settings.SITE_NAME, letter.facts, verify_url,
                   letter.qr_caption, st, width)
    for section in letter.sections:
        head = Paragraph(_text(section.title), st["section"])
        flowables = [f for part in section.parts for f in _part(part, st, width)]
        # A section's title never ends a page alone.
        story += [KeepTogether([head, *flowables[:1]]), *flowables[1:]]

    made: list[NumberedCanvas] = []

    def canvas_maker(*args: Any, **kwargs: Any) -> NumberedCanvas:
        made.append(NumberedCanvas(*args, font=font, **kwargs))
        return made[-1]

    doc.build(story, canvasmaker=canvas_maker)
    return Document(buffer.getvalue(), made[-1].page_total)


class NumberedCanvas(Canvas):
    """Holds every page until the end, so each footer can say how many pages there are."""

    def __init__(self, *args: Any, font: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._font = font
        self._pages: list[dict[str, Any]] = []
        self.page_total = 0

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        pages = self._pages
        for number, state in enumerate(pages, start=1):
            self.__dict__.update(state)
            self.setFont(self._font, 8)
            self.setFillColor(GREY)
            self.drawCentredString(PAGE_W / 2, 10 * mm, f"第 {number} 页 共 {len(pages)} 页")
            super().showPage()
        super().save()
        self.page_total = len(pages)
