"""The default Shanghai public credit information catalog (Art. 9–11).

Revision ID: 0002
Revises: 0001

The untrustworthiness items of Art. 9.2(1)–(6), administrative licensing, administrative
penalties (ordinary procedure), commendations and credit commitments. Administrative penalties and
licences are public: the national "double publicity" rules (双公示) publish them. The catch-all
Art. 9.2(6) item is installed as *proposed*, not published: records can be aggregated under it
only once the supervisor names the specific matter and its basis (Art. 9.3, 10, 11).
"""

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

IN_FORCE = date(2017, 10, 1)  # Art. 56

ITEMS = [
    dict(
        code="arrears",
        name_zh="欠缴依法应当缴纳的税款、社会保险费、行政事业性收费、政府性基金",
        name_en="Arrears of taxes, social insurance contributions, administrative fees or government funds due by law",
        item_class="untrustworthy", untrustworthy=True, continuing=True, article="Art. 9.2(1)",
        legal_basis="《上海市社会信用条例》第九条第二款第（一）项；《中华人民共和国税收征收管理法》第四十五条、第四十六条；《中华人民共和国社会保险法》第六十三条",
        disclosure="authorized", record_format="general",
        providers="税务、人力资源社会保障、医疗保障、财政等部门",
    ),
    dict(
        code="false-materials",
        name_zh="提供虚假材料、隐瞒真实情况，侵害社会管理秩序和社会公共利益",
        name_en="Providing false materials or concealing the truth, harming social order and the public interest",
        item_class="untrustworthy", untrustworthy=True, article="Art. 9.2(2)",
        legal_basis="《上海市社会信用条例》第九条第二款第（二）项；《中华人民共和国行政许可法》第七十八条、第七十九条",
        disclosure="authorized", record_format="general",
        providers="作出认定的行政机关",
    ),
    dict(
        code="judgment-default",
        name_zh="拒不执行生效法律文书（失信被执行人）",
        name_en="Refusing to perform effective legal documents (judgment defaulters)",
        item_class="untrustworthy", untrustworthy=True, continuing=True, article="Art. 9.2(3)",
        legal_basis="《上海市社会信用条例》第九条第二款第（三）项；《中华人民共和国民事诉讼法》第二百六十六条；《最高人民法院关于公布失信被执行人名单信息的若干规定》",
        disclosure="public", record_format="general",
        providers="人民法院",
    ),
    dict(
        code="penalty",
        name_zh="适用一般程序作出的行政处罚信息",
        name_en="Administrative penalties decided under the ordinary procedure",
        item_class="untrustworthy", untrustworthy=True, article="Art. 9.2(4)",
        legal_basis="《上海市社会信用条例》第九条第二款第（四）项（违法行为轻微或者主动消除、减轻违法行为危害后果的除外）；《中华人民共和国行政处罚法》第四十八条",
        disclosure="public", record_format="CF",
        providers="作出行政处罚决定的行政机关",
    ),
    dict(
        code="market-ban",
        name_zh="被监管部门处以市场禁入或者行业禁入",
        name_en="Market or industry entry bans imposed by regulators",
        item_class="untrustworthy", untrustworthy=True, article="Art. 9.2(5)",
        legal_basis="《上海市社会信用条例》第九条第二款第（五）项；《中华人民共和国证券法》第二百二十一条；《中华人民共和国食品安全法》第一百三十五条",
        disclosure="public", record_format="general",
        providers="证券、金融、市场监管、药品监管等监管部门",
    ),
    dict(
        code="other-untrust",
        name_zh="法律、法规和国家规定的其他失信事项",
        name_en="Other untrustworthiness matters set by laws, regulations and national provisions",
        item_class="untrustworthy", untrustworthy=True, article="Art. 9.2(6)",
        legal_basis="《上海市社会信用条例》第九条第二款第（六）项：须由市社会信用管理部门列明具体事项及其依据后方可归集",
        disclosure="restricted", record_format="general",
        providers="待定",
        state="proposed",
    ),
    dict(
        code="licence",
        name_zh="行政许可信息",
        name_en="Administrative licences",
        item_class="neutral", untrustworthy=False, article="Art. 9.1",
        legal_basis="《中华人民共和国行政许可法》第四十条；国家“双公示”数据标准（行政许可）",
        disclosure="public", record_format="XK",
        providers="作出行政许可决定的行政机关",
    ),
    dict(
        code="commendation",
        name_zh="表彰奖励信息",
        name_en="Commendations and awards",
        item_class="positive", untrustworthy=False, article="Art. 9.1",
        legal_basis="各级人民政府及其部门依法作出的表彰奖励决定；《上海市社会信用条例》第二十九条",
        disclosure="public", record_format="general",
        providers="作出表彰奖励决定的国家机关",
    ),
    dict(
        code="commitment",
        name_zh="信用承诺信息",
        name_en="Credit commitments",
        item_class="neutral", untrustworthy=False, article="Art. 13.2",
        legal_basis="《上海市社会信用条例》第十三条第二款；信用承诺的受理单位依法记录",
        disclosure="authorized", record_format="general",
        providers="受理信用承诺的行政机关和公共企业事业单位",
    ),
]


def upgrade() -> None:
    table = sa.table(
        "catalog_item",
        *(sa.column(c) for c in (
            "code", "name_zh", "name_en", "item_class", "untrustworthy", "continuing", "article", "legal_basis",
            "disclosure", "record_format", "providers", "state", "published_on", "retired_on",
        )),
    )
    rows = []
    for item in ITEMS:
        row = {"state": "published", "continuing": False, **item}
        row["published_on"] = IN_FORCE if row["state"] == "published" else None
        row["retired_on"] = None
        rows.append(row)
    op.bulk_insert(table, rows)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM catalog_item WHERE code IN ({})".format(
        ", ".join(f"'{i['code']}'" for i in ITEMS))))
