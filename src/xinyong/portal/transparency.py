"""``/transparency``: the audit log's latest signed checkpoint, the platform's public key, and how anyone can
hold the platform to them (Art. 20(2)). Chinese first; ``?lang=en`` as on every page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..audit import endpoints as published
from ..errors import NotFound
from . import i18n
from .routes import _lang, _render

router = APIRouter(include_in_schema=False)

WORDS: dict[str, tuple[str, str]] = {
    "tr_title": ("审计日志公开核验", "Audit log transparency"),
    "tr_intro": (
        "本平台对信息的归集、变更、删除和每一次查询都记入只能追加的审计日志，并定期封存为经数字签名的检查点"
        "（默克尔树根，RFC 6962）。任何人都可以保存下面的最新检查点：此后平台若删除、篡改或截断日志，"
        "用这份副本核验即可发现（第二十条第二款）。",
        "The platform records every collection, change, deletion and inquiry in an append-only audit log, and "
        "seals it at intervals into digitally signed checkpoints (Merkle tree heads, RFC 6962). Anyone may keep "
        "the latest checkpoint below: should the platform later delete, alter or cut its log, verifying against "
        "that copy shows it (Article 20(2)).",
    ),
    "tr_checkpoint": ("最新检查点", "Latest checkpoint"),
    "tr_none": ("审计日志尚未封存任何检查点。", "The audit log has no signed checkpoint yet."),
    "tr_seq": ("序号", "Number"),
    "tr_size": ("日志条数（树大小）", "Events (tree size)"),
    "tr_root": ("树根哈希", "Root hash"),
    "tr_last": ("最后一条事件编号", "Last event id"),
    "tr_sealed": ("封存时间（UTC）", "Sealed at (UTC)"),
    "tr_key_id": ("公钥标识", "Key id"),
    "tr_signature": ("签名", "Signature"),
    "tr_valid": ("签名有效", "Signature valid"),
    "tr_invalid": ("签名无效", "Signature NOT valid"),
    "tr_download": ("下载检查点文件", "Download the checkpoint file"),
    "tr_json": ("JSON 接口", "JSON API"),
    "tr_key": ("平台审计公钥（Ed25519）", "The platform's audit public key (Ed25519)"),
    "tr_how": ("如何核验", "How to verify"),
    "tr_how_1": (
        "保存检查点文件（例如 checkpoint.json），放在平台之外的地方。",
        "Save the checkpoint file (say checkpoint.json) somewhere outside the platform.",
    ),
    "tr_how_2": (
        "日后在平台上运行下面的命令：平台的日志必须包含这棵树（同样大小时树根相同），其后的每个检查点都必须与它一致地延伸。",
        "Later, on the platform, run the command below: the platform's log must contain this tree (the same "
        "root at that size), and every later checkpoint must extend it consistently.",
    ),
    "tr_how_3": (
        "或者手工核验签名：对去掉 signature 字段后的文档按键排序、无空格的 JSON 字节，用上面的公钥验证 Ed25519 签名；"
        "key_id 是公钥原始 32 字节的 SHA-256。",
        "Or check the signature by hand: the Ed25519 signature is over the JSON bytes of the document without "
        "its signature field, keys sorted, no spaces; verify it with the public key above. key_id is the "
        "SHA-256 of the key's raw 32 bytes.",
    ),
    "tr_how_4": (
        "审计员还可以用检查点中的一致性证明（consistency_proof）核对相邻两个检查点：前一棵树是后一棵树的前缀。",
        "An auditor can also check the consistency proof (consistency_proof) between successive checkpoints: "
        "the earlier tree is a prefix of the later one.",
    ),
    "tr_covers": ("检查点覆盖的内容", "What the log covers"),
    "tr_covers_text": (
        "每一行被信息主体、机关和审计人员所依赖的数据（信息记录及其变更历史、查询记录、联合奖惩核查与实施、名单、异议、"
        "授权、信用报告、单位与令牌等）都与日志绑定：绕过业务流程直接改动数据库，核验时即被发现。",
        "Every row that subjects, organs and auditors rely on (records and their history, the inquiry log, "
        "checks and applications of measures, lists, objections, authorizations, credit reports, units and "
        "tokens …) is bound to the log: a change made in the database outside the workflows is found when the "
        "log is verified.",
    ),
}


def translator(lang: str):
    index = 0 if lang == "zh" else 1
    base = i18n.translator(lang)

    def t(key: str, **kw: Any) -> str:
        if key in WORDS:
            text = WORDS[key][index]
            return text.format(**kw) if kw else text
        return base(key, **kw)

    return t


@router.get("/transparency", response_class=HTMLResponse)
def transparency(request: Request) -> HTMLResponse:
    try:
        pub: dict[str, Any] | None = published.published(request.app.state.engine)
    except NotFound:
        pub = None
    lang, _ = _lang(request)
    return _render(request, "portal/transparency.html", {"t": translator(lang), "pub": pub})
