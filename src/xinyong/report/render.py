"""Render an issued report's snapshot: JSON (orjson), HTML (Jinja2), PDF (``pdf.py``).

Every format renders the same stored snapshot, so the formats of one report never disagree.
"""

from __future__ import annotations

from typing import Any

import orjson
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from . import seal

MEDIA_TYPES = {"json": "application/json", "html": "text/html; charset=utf-8", "pdf": "application/pdf"}

_env = Environment(loader=PackageLoader("xinyong.report", "templates"), autoescape=select_autoescape(["html"]),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def to_json(snapshot: dict[str, Any]) -> bytes:
    return orjson.dumps(snapshot, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)


def to_html(snapshot: dict[str, Any], sealed: dict[str, Any] | None = None) -> str:
    """``sealed``: the report's seal as ``seal.view`` gives it (digest, signature, where to verify); the page
    prints them with the QR code. The JSON format is the snapshot alone (its digest is the seal's)."""
    qr = seal.qr_svg(sealed["verify_url"]) if sealed else None
    return _env.get_template("report.html").render(r=snapshot, content_items=content_items, period_end=period_end,
                                                     ground_text=ground_text, in_force=in_force, seal=sealed,
                                                     qr=qr)


def render(snapshot: dict[str, Any], fmt: str, sealed: dict[str, Any] | None = None) -> bytes:
    if fmt == "json":
        return to_json(snapshot)
    if fmt == "html":
        return to_html(snapshot, sealed).encode("utf-8")
    from .pdf import to_pdf

    return to_pdf(snapshot, sealed)


# Labels of the record content's fields (the importer's platform names, domain.md §4); unknown keys
# are shown as they are. Document, dates and source are shown in their own columns.
CONTENT_LABELS = {
    "subject_name": "名称 name", "subject_class": "主体类别 class", "legal_rep": "法定代表人 legal representative",
    "act_type": "违法行为类型 act", "facts": "事实 facts", "legal_basis": "依据 legal basis",
    "category": "类别 category", "content": "内容 content", "fine_wan": "罚款（万元）fine (10k yuan)",
    "confiscated_wan": "没收违法所得（万元）confiscated (10k yuan)", "licence_affected": "暂扣或吊销证照 licence affected",
    "valid_from": "有效期自 valid from", "valid_until": "有效期至 valid until",
    "publicity_until": "公示截止期 publicity until", "doc_name": "文书名称 document title",
    "cert_name": "证书名称 certificate", "licence_no": "许可编号 licence no.", "status": "状态 status",
    "remarks": "备注 remarks", "amount_yuan": "金额（元）amount (yuan)", "severity": "情节 severity",
    "procedure": "程序 procedure", "slight": "轻微 slight", "other_ids": "其他代码 other codes",
}
# Shown elsewhere in the report (document, dates, source) or not facts about the subject.
HIDDEN_CONTENT = frozenset({"catalog_item", "doc_no", "doc_date", "doc_org", "doc_org_code", "conduct_date",
                            "ended_on", "source_unit", "source_unit_code", "id_type", "subject_id_column",
                            "subject_name", "amount_unit"})


def content_items(content: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The record content as (label, text) pairs, in a stable order."""
    out = []
    for key, value in (content or {}).items():
        if key in HIDDEN_CONTENT or value in (None, "", {}):
            continue
        if isinstance(value, dict):
            value = "；".join(f"{k}: {v}" for k, v in value.items())
        elif isinstance(value, list):
            value = "；".join(str(v) for v in value)
        out.append((CONTENT_LABELS.get(key, key), str(value)))
    return out


def period_end(rec: dict[str, Any]) -> str:
    """When the record's Art. 35 inquiry period ends, as the report states it."""
    if rec.get("inquiry_period_ends"):
        return rec["inquiry_period_ends"]
    if rec["item"]["untrustworthy"] and rec.get("ended_on_source") == "continuing":
        return "行为持续，尚未起算 (continuing: not yet begun)"
    return "—"


def in_force(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A section's list entries without the marks of those deleted since the report was issued (Art. 37)."""
    return [e for e in entries if not e.get("deleted")]


def ground_text(g: dict[str, Any]) -> str:
    """One ground of an applied measure, as the report states it."""
    if g.get("hidden"):
        return f"{g.get('note', 'not shown')} [{g.get('article', '')}]"
    if g.get("type") == "list-entry":
        return f"{g.get('list', '')} {g.get('document', '')} {g.get('decided_on', '')} [{g.get('article', '')}]"
    doc = g.get("document") or {}
    if isinstance(doc, dict):
        doc = " ".join(str(doc.get(k) or "") for k in ("number", "date", "organ")).strip()
    label = g.get("item_name") or g.get("item") or g.get("type", "")
    if isinstance(label, dict):
        label = label.get("name_zh") or label.get("code", "")
    return f"{label} {doc}".strip()
