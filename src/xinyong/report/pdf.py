"""The PDF of an issued report (reportlab), Chinese text in an embedded CJK TrueType font subset.

The font is found at run time: ``XINYONG_REPORT_FONT`` (a .ttf/.ttc path, optionally ``path#index``),
else the Debian packages' paths below. WenQuanYi Zen Hei (package ``fonts-wqy-zenhei``) has TrueType
outlines, which reportlab embeds as a subset (FontFile2); CFF-outline fonts such as Noto CJK cannot be
embedded by reportlab and are not tried.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from ..config import env as setting
from ..errors import DomainError, msg
from .render import content_items, ground_text, in_force, period_end

FONT_NAME = "XinyongCJK"
FONT_PACKAGE = "fonts-wqy-zenhei"
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # fonts-wqy-zenhei
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # fonts-wqy-microhei
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),  # fonts-arphic-uming
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),  # fonts-droid-fallback
)


class FontMissing(DomainError):
    status = 500
    code = "font_missing"


def find_font() -> tuple[str, int]:
    env = setting("XINYONG_REPORT_FONT", "").strip()
    if env:
        path, _, index = env.partition("#")
        if not Path(path).is_file():
            raise FontMissing(msg("XINYONG_REPORT_FONT names {path}, which does not exist", path=path))
        return path, int(index or 0)
    for path, index in FONT_CANDIDATES:
        if Path(path).is_file():
            return path, index
    raise FontMissing(
        msg("no CJK TrueType font for the PDF report: install the Debian package "
            "{package} (apt-get install -y {package}) or set XINYONG_REPORT_FONT to a .ttf/.ttc file "
            "(looked in {looked_in})", package=FONT_PACKAGE, looked_in=", ".join(p for p, _ in FONT_CANDIDATES)))


@lru_cache(maxsize=1)
def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path, index = find_font()
    pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=index))
    return FONT_NAME


def _styles(font: str) -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10, textColor=colors.HexColor("#555555")),
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=26, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10, leading=14, alignment=TA_CENTER,
                                   textColor=colors.HexColor("#555555"), spaceAfter=10),
        "h2": ParagraphStyle("h2", parent=base, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4, keepWithNext=1,
                             textColor=colors.HexColor("#1f3a5f")),
        "h3": ParagraphStyle("h3", parent=base, fontSize=10.5, leading=15, spaceBefore=6, spaceAfter=2,
                             keepWithNext=1),
        "caption": ParagraphStyle("caption", parent=base, fontSize=8, leading=11, spaceBefore=2, keepWithNext=1,
                                  textColor=colors.HexColor("#555555")),
        "none": ParagraphStyle("none", parent=base, textColor=colors.HexColor("#666666")),
    }


def _p(text: Any, style) -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(escape("" if text is None else str(text)).replace("\n", "<br/>"), style)


def _bi(zh: str, en: str, st, stacked: bool = False) -> Any:
    """A bilingual label: Chinese, then the English in small grey type."""
    from reportlab.platypus import Paragraph

    return Paragraph(f'{escape(zh)}{"<br/>" if stacked else " "}<font size="7" color="#666666">{escape(en)}</font>',
                     st["base"])


def _table(rows: list[list[Any]], widths: list[float], *, header: bool = False, label_col: bool = False):
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    t = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")))
    if label_col:
        style.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef1f5")))
    t.setStyle(TableStyle(style))
    return t


NUMERALS = "二三四五六七八九十"
PAYERS = {"subject": ("信息主体", "subject"), "organ": ("行政机关", "organ"), "none": ("无", "none")}


def to_pdf(r: dict[str, Any], sealed: dict[str, Any] | None = None) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer

    font = _register_font()
    st = _styles(font)
    width = A4[0] - 36 * mm
    story: list[Any] = [_p(r["title"]["zh"], st["title"]), _p(r["title"]["en"], st["subtitle"])]

    req = r["requested_by"]
    who = f"{req['unit']}（{req['zh']}）" if req.get("unit") else req["zh"]
    if req.get("purpose"):
        who += f"；用途：{req['purpose']['zh']}（{req['purpose']['en']}，{req['purpose']['article']}）"
    ch = r["charge"]
    if ch["counted_free"]:
        fee = "免费 free"
    elif ch["chargeable"]:
        fee = f"收费 chargeable：{ch['fee_yuan']} 元"
    else:
        fee = "不向信息主体收费 not charged to the subject"
    payer = PAYERS.get(ch["payer"], (ch["payer"], ch["payer"]))
    meta = [
        (("报告编号", "Report number"), r["number"]),
        (("出具时间", "Issued at"), r["issued_at"]),
        (("出具机构", "Issuer"), f"{r['issuer']['zh']}（{r['issuer']['en']}）"),
        (("申请人", "Requested by"), who),
        (("收费", "Fee"), f"{fee}；付费方 payer：{payer[0]} {payer[1]}。{ch['note_zh']} [{ch['article']}]"),
    ]
    story.append(_table([[_bi(zh, en, st, True), _p(v, st["base"])] for (zh, en), v in meta],
                        [32 * mm, width - 32 * mm], label_col=True))
    if sealed:
        story.append(Spacer(1, 6))
        story.append(_seal(sealed, st, width))

    story.append(_p("信息概要  Summary", st["h2"]))
    rows = [[_bi("类别", "Section", st), _bi("条数", "Records", st)]]
    rows += [[_bi(s["zh"], s["en"], st), _p(s["count"], st["base"])] for s in r["summary"]]
    story.append(_table(rows, [width - 30 * mm, 30 * mm], header=True))

    story.append(_p("一、基本信息  Basic information", st["h2"]))
    subj = r["subject"]
    story.append(_table([
        [_bi("名称", "Name", st, True), _p(subj["name"], st["base"])],
        [_bi(subj["scheme_zh"], "Identifier", st, True), _p(subj["identifier"], st["base"])],
        [_bi("主体类别", "Kind", st, True), _p(f"{subj['kind_zh']}（{subj['kind']}）", st["base"])],
        *([[_bi("注销日期", "Deregistered on", st, True), _p(subj["deregistered_on"], st["base"])]]
          if subj.get("deregistered_on") else []),
    ], [32 * mm, width - 32 * mm], label_col=True))

    for i, s in enumerate(r["sections"]):
        story.append(_p(f"{NUMERALS[i]}、{s['zh']}  {s['en']}", st["h2"]))
        if not s["count"]:
            story.append(_p(f"{s['none']['zh']}（{s['none']['en']}）", st["none"]))
        story.extend(_facts(s, st, width))
        for g in s["groups"]:
            story.append(_p(f"{g['zh']}（{len(g['records'])}）  {g['en']}", st["h3"]))
            for rec in g["records"]:
                story.extend(_record(rec, st, width))
                story.append(Spacer(1, 4))

    story.append(_p("信息使用情况  Uses of the information (Art. 34.2)", st["h2"]))
    if r["uses"] is None:
        story.append(_p("仅在信息主体本人的报告中载明（stated in the subject's own reports only）", st["none"]))
    elif not r["uses"]:
        story.append(_p("暂无记录（none recorded）", st["none"]))
    else:
        rows = [[_bi("用途", "Use", st), _bi("依据", "Basis", st), _bi("次数", "Times", st), _bi("最近", "Last", st)]]
        rows += [[_bi(u["zh"], u["en"], st), _p(u["article"], st["base"]), _p(u["count"], st["base"]),
                  _p(u["last"][:10], st["base"])] for u in r["uses"]]
        story.append(_table(rows, [width - 75 * mm, 25 * mm, 20 * mm, 30 * mm], header=True))

    story.append(_p("查询记录  Inquiries (Art. 34.2)", st["h2"]))
    if r["inquiries"] is None:
        story.append(_p("仅在信息主体本人的报告中载明（stated in the subject's own reports only）", st["none"]))
    elif not r["inquiries"]:
        story.append(_p("暂无记录（none recorded）", st["none"]))
    else:
        rows = [[_bi("时间", "When", st), _bi("查询者", "Who", st), _bi("目的", "Purpose", st),
                 _bi("授权", "Authorization", st), _bi("结果", "Decision", st)]]
        for q in r["inquiries"]:
            who = q["unit"] or q["role_zh"]
            detail = " · ".join(x for x in (q["role_en"], q["officer"], q["channel"]) if x)
            purpose = (f"{q['purpose_zh']} {q['purpose_en']}" if q["purpose_zh"]
                       else (f"案件 {q['case_no']}" if q["case_no"] else "—"))
            auth = f"{q['authorization']['document']} #{q['authorization']['id']}" if q["authorization"] else "—"
            rows.append([_p(q["at"].replace("T", " "), st["small"]), _bi(who, detail, st), _p(purpose, st["base"]),
                         _p(auth, st["base"]), _bi(q["decision_zh"], f"{q['decision_en']} [{q['article']}]", st)])
        story.append(_table(rows, [26 * mm, width - 26 * mm - 38 * mm - 32 * mm - 26 * mm, 38 * mm, 32 * mm, 26 * mm],
                            header=True))

    story.append(_p("授权同意记录  Consents (Art. 14.2, 17.3)", st["h2"]))
    consents = r.get("consents")
    if consents is None:
        story.append(_p("仅在信息主体本人的报告中载明（stated in the subject's own reports only）", st["none"]))
    elif not consents:
        story.append(_p("暂无记录（none recorded）", st["none"]))
    else:
        rows = [[_bi("被授权单位", "Unit", st), _bi("事项与目的", "Items, purpose", st), _bi("期限", "Valid", st),
                 _bi("告知与形式", "Notice, form", st), _bi("限制类信息", "Restricted kinds", st),
                 _bi("撤回", "Withdrawn", st)]]
        for c in consents:
            notice = f"告知书第{c['notice_version']}版 · " if c["notice_version"] else ""
            kinds = "、".join(k["zh"] for k in c["restricted_kinds"]) or "—"
            told = ("已告知不利后果" if c["adverse_consequences_told_at"]
                    else ("未告知不利后果" if c["restricted_kinds"] else ""))
            rows.append([_bi(c["unit"]["name"], c["unit"]["uscc"], st),
                         _bi(f"{'、'.join(c['items'])} · {c['purpose']}", f"{c['document']} #{c['id']}", st),
                         _p(f"{c['valid_from']} – {c['valid_until']}", st["small"]),
                         _bi(f"{notice}{c['form_zh']}", c["form_en"], st),
                         _bi(kinds, told, st),
                         _p((c["withdrawn_at"] or "—")[:10], st["small"])])
        story.append(_table(rows, [34 * mm, width - 34 * mm - 28 * mm - 30 * mm - 30 * mm - 20 * mm, 28 * mm,
                                   30 * mm, 30 * mm, 20 * mm], header=True))

    story.extend(_letters(r.get("letters"), st, width))
    story.extend(_changes(r.get("changes"), st, width))

    story.append(_p("说明  Notes", st["h2"]))
    for n, note in enumerate(r["notes"], start=1):
        story.append(_bi(f"{n}. {note['zh']}", note["en"], st))
        story.append(Spacer(1, 3))

    buf = io.BytesIO()

    issued = _pdf_date(r["issued_at"])

    def frame(canvas, doc) -> None:
        # the document's creation date is the report's issue moment, not the rendering's: with invariant=1
        # (no random file id, no timestamps) a snapshot always renders to the same bytes (report.pdfstore)
        canvas.setDateFormatter(lambda *_now: issued)
        canvas.saveState()
        canvas.setFont(font, 7.5)
        canvas.drawString(18 * mm, 10 * mm, f"{r['issuer']['zh']}  报告编号 {r['number']}")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=18 * mm, title=f"{r['title']['zh']} {r['number']}",
                            author=r["issuer"]["zh"], subject=r["title"]["en"], creator="xinyong", invariant=1)
    doc.build(story, onFirstPage=frame, onLaterPages=frame)
    return buf.getvalue()


def _pdf_date(issued_at: str) -> str:
    """An ISO 8601 moment as a PDF date (``D:YYYYMMDDHHmmSS+08'00'``)."""
    from datetime import datetime

    moment = datetime.fromisoformat(issued_at)
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"


def _seal(sealed: dict[str, Any], st: dict[str, Any], width: float) -> Any:
    """The QR code to /verify/{number} beside the digest and the platform's signature (report.seal)."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Image

    from .seal import qr_png

    qr = Image(io.BytesIO(qr_png(sealed["verify_url"])), width=30 * mm, height=30 * mm)
    lines = [_bi("核验", "Verify", st), _p(sealed["verify_url"], st["small"]),
             _bi("报告摘要", "Digest (SHA-256)", st), _p(sealed["digest"], st["small"])]
    if sealed.get("signature"):
        lines += [_bi("平台签名", "Platform signature (Ed25519)", st), _p(sealed["signature"], st["small"]),
                  _p(f"key id {sealed['key_id']}", st["small"])]
    else:
        lines.append(_bi("未签名", "not signed", st))
    lines.append(_bi("扫描二维码核对本报告是否由本平台出具且未经改动。",
                     "Scan the code to check that this report was issued by the platform and is unaltered.", st))
    return _table([[qr, lines]], [34 * mm, width - 34 * mm])


def _record(rec: dict[str, Any], st: dict[str, Any], width: float) -> list[Any]:
    from reportlab.lib.units import mm

    head = rec["document"]["number"]
    if rec["markers"]:
        head += "  " + "  ".join(f"【{m['zh']} {m['en']}】" for m in rec["markers"])
    lw = 30 * mm
    vw = (width - 2 * lw) / 2
    rows = [
        [_p(head, st["h3"]), "", "", ""],
        [_bi("决定机关", "Deciding organ", st, True), _p(rec["document"]["organ"], st["base"]),
         _bi("决定日期", "Date", st, True), _p(rec["document"]["date"], st["base"])],
        [_bi("信息来源", "Source unit", st, True), _p(f"{rec['source']['unit']}\n{rec['source']['uscc']}" + (
            f"\n目录版本 Catalog version {rec['source']['catalog_version']}"
            if rec["source"].get("catalog_version") else ""), st["base"]),
         _bi("查询期限至", "Inquiry period ends", st, True), _p(period_end(rec), st["base"])],
    ]
    for label, text in content_items(rec["content"]):
        rows.append([_p(label, st["small"]), _p(text, st["base"]), "", ""])
    t = _table(rows, [lw, vw, lw, vw], header=True)  # the document number repeats when a record splits
    spans = [("SPAN", (0, 0), (-1, 0))] + [("SPAN", (1, i), (-1, i)) for i in range(3, len(rows))]
    from reportlab.lib import colors
    from reportlab.platypus import TableStyle

    t.setStyle(TableStyle(spans + [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f6f7f9"))]))
    out: list[Any] = [t]
    if rec["history"]:
        hrows = [[_bi("时间", "When", st), _bi("变动", "Change", st), _bi("理由", "Reason", st),
                  _bi("依据文书", "Document", st)]]
        for h in rec["history"]:
            change = h["action_zh"]
            en = h["action_en"] + (f": {', '.join(h['fields_changed'])}" if h["fields_changed"] else "")
            hrows.append([_p(h["changed_at"][:19].replace("T", " "), st["small"]), _bi(change, en, st),
                          _p(h["reason"], st["base"]), _p(h["document"], st["base"])])
        out.append(_p("变动记录  Changes (Art. 34.1)", st["caption"]))
        out.append(_table(hrows, [26 * mm, 34 * mm, width - 26 * mm - 34 * mm - 45 * mm, 45 * mm], header=True))
    return out


def _facts(s: dict[str, Any], st: dict[str, Any], width: float) -> list[Any]:
    """A section's list entries, credit grade and applied measures (as in the HTML)."""
    from reportlab.lib.units import mm

    out: list[Any] = []
    if s.get("entries"):
        out.append(_p(f"名单（{len(in_force(s['entries']))}）  List entries in force", st["h3"]))
        rows = [[_bi("名单", "List", st), _bi("认定机关", "Organ", st), _bi("认定依据", "Ground", st),
                 _bi("认定文书", "Document", st), _bi("日期", "Date", st)]]
        for e in s["entries"]:
            if e.get("deleted"):  # deleted since the report was issued (Art. 37): only the mark
                rows.append([_bi("—", f"{e['note']} [{e['article']}]", st), _p("", st["base"]), _p("", st["base"]),
                             _p("", st["base"]), _p("", st["base"])])
                continue
            extra = e["list"]["code"] + (f" · responsible person ({e['role']})" if e["relation"] == "responsible" else "")
            rows.append([_bi(e["list"]["name"], extra, st), _p(e.get("organ"), st["base"]),
                         _bi(e.get("ground") or "", f"[{e['article']}]", st), _p(e["document"]["number"], st["base"]),
                         _p(e["document"]["date"], st["base"])])
        out.append(_table(rows, [width - 130 * mm, 35 * mm, 25 * mm, 45 * mm, 25 * mm], header=True))
    g = s.get("grade")
    if g and g.get("graded"):
        out.append(_p(f"信用等级  Credit grade [{g['article']}]", st["h3"]))
        out.append(_table([
            [_bi("等级", "Grade", st, True), _p(g["grade"], st["base"])],
            [_bi("分值", "Score", st, True), _p(f"{g['score']}（start {g['start']}, on {g['on']}）", st["base"])],
            [_bi("评价规则版本", "Rule version", st, True), _p(f"{g['rules']['version']} {g['rules']['source'] or ''}",
                                                          st["base"])],
        ], [32 * mm, width - 32 * mm], label_col=True))
        if g["contributions"]:
            rows = [[_bi("依据", "Basis", st), _bi("规则", "Rule", st), _bi("分值", "Points", st)]]
            for c in g["contributions"]:
                if c.get("hidden"):
                    basis = _bi("—", f"{c['note']} [{c['article']}]", st)
                elif c["type"] == "record":
                    basis = _bi(f"{c['item']['name_zh']} {c['document']['number']}", c["document"]["date"], st)
                else:
                    basis = _bi(f"{c['list']['name']} {c['document']['number']}",
                                f"{c['document']['date']} [{c['article']}]", st)
                rule = _bi(c["rule"]["text"], c["rule"]["id"], st) if c.get("rule") else _p("", st["base"])
                rows.append([basis, rule, _p(c["points"], st["base"])])
            out.append(_table(rows, [70 * mm, width - 90 * mm, 20 * mm], header=True))
    elif g:
        out.append(_p(f"{g['zh']}（{g['en']}，{g['article']}）", st["none"]))
    if s.get("measures"):
        out.append(_p(f"惩戒措施（{len(s['measures'])}）  Measures applied (Art. 32.1)", st["h3"]))
        rows = [[_bi("措施", "Measure", st), _bi("依据", "Basis", st), _bi("理由", "Grounds", st),
                 _bi("决定文书", "Document", st)]]
        for m in s["measures"]:
            b = m["measure"]
            rows.append([_bi(f"{b['name']}：{b['measure']}", b.get("implementing_organ") or "", st),
                         _bi(b["basis"]["text"] or "", f"{b['basis']['level']} [{b['article']}]", st),
                         _p("\n".join(ground_text(x) for x in m["grounds"]), st["base"]),
                         _bi(m["document"] or "", m["decided_on"], st)])
        out.append(_table(rows, [45 * mm, 40 * mm, width - 125 * mm, 40 * mm], header=True))
    return out


def _own_section_head(title: str, rows: list | None, st: dict[str, Any]) -> list[Any]:
    """A section of the subject's own report: its title, and the line that stands for its table when the report is
    not the subject's (None) or the section is empty."""
    out: list[Any] = [_p(title, st["h2"])]
    if rows is None:
        out.append(_p("仅在信息主体本人的报告中载明（stated in the subject's own reports only）", st["none"]))
    elif not rows:
        out.append(_p("暂无记录（none recorded）", st["none"]))
    return out


def _letters(letters: list[dict[str, Any]] | None, st: dict[str, Any], width: float) -> list[Any]:
    """The letters sent to the subject (as in the HTML)."""
    from reportlab.lib.units import mm

    out = _own_section_head("书面告知  Letters to the subject (Art. 32.1, 36, 37, 38)", letters, st)
    if not letters:
        return out
    rows = [[_bi("日期", "Sent", st), _bi("告知事项", "Letter", st), _bi("依据", "Article", st),
             _bi("阅读", "Read", st), _bi("邮件提示", "E-mail", st)]]
    for n in letters:
        mail = {"sent": "已发送"}.get(n["mail"] or "", n["mail"] or "—")
        rows.append([_p(n["sent_on"], st["small"]), _bi(n["zh"], n["en"], st), _p(n["article"], st["small"]),
                     _p(n["read_on"] or "未读", st["small"]), _p(mail, st["small"])])
    out.append(_table(rows, [22 * mm, width - 22 * mm - 28 * mm - 22 * mm - 20 * mm, 28 * mm, 22 * mm, 20 * mm],
                      header=True))
    return out


def _changes(changes: list[dict[str, Any]] | None, st: dict[str, Any], width: float) -> list[Any]:
    """The changes of the subject's name and identifiers (as in the HTML; issue 13 §6)."""
    from reportlab.lib.units import mm

    out = _own_section_head("名称和标识变更  Changes of name and identifiers", changes, st)
    if not changes:
        return out
    rows = [[_bi("日期", "Day", st), _bi("变更", "Change", st), _bi("变更前 → 变更后", "Before → after", st),
             _bi("提供单位", "Providing unit", st), _bi("依据文书", "Document", st)]]
    for c in changes:
        kind = _bi(c["zh"], c["en"] + (f": {c['other']['name']} {c['other']['identifier']}" if c["other"] else ""), st)
        values = f"{c['old'] or '—'} → {c['new'] or '—'}" if c["old"] or c["new"] else "—"
        doc = c["document"]
        rows.append([_p(c["day"], st["small"]), kind, _p(values, st["base"]), _p(c["unit"] or "—", st["base"]),
                     _bi(f"{doc['organ']} {doc['number']}", doc["date"] + (f" · {c['reason']}" if c["reason"] else ""),
                         st)])
    out.append(_table(rows, [22 * mm, 38 * mm, width - 22 * mm - 38 * mm - 34 * mm - 45 * mm, 34 * mm, 45 * mm],
                      header=True))
    return out
