"""The portal's words, Chinese first and English. Pages call ``t(key)``."""

from __future__ import annotations

LANGS = ("zh", "en")
DEFAULT = "zh"
COOKIE = "xinyong_lang"

# The articles the home page links to, with a short title for each.
KEY_ARTICLES: tuple[tuple[int, str, str], ...] = (
    (15, "公共信用信息的公开与公示", "Disclosure and public display of public credit information"),
    (17, "信息查询的权利与限制", "Who may inquire, and the limits"),
    (18, "查询窗口与便捷查询服务", "Inquiry windows and convenient inquiry services"),
    (34, "信息主体的知情权与信用报告", "The subject's right to know, and credit reports"),
    (35, "失信信息的查询期限（五年）", "The inquiry period of untrustworthiness information (5 years)"),
    (36, "异议处理", "Objections"),
    (37, "失信行为被撤销后的删除", "Deletion after revocation"),
    (38, "信用修复", "Credit restoration"),
)

WORDS: dict[str, tuple[str, str]] = {
    "platform": ("上海市公共信用信息服务平台", "Shanghai Public Credit Information Service Platform"),
    "platform_short": ("公共信用信息服务平台", "Public Credit Information Service Platform"),
    "regulation": ("上海市社会信用条例", "Shanghai Social Credit Regulations"),
    "skip": ("跳到主要内容", "Skip to main content"),
    "home": ("首页", "Home"),
    "switch_to": ("English", "中文"),
    "switch_label": ("Switch to English", "切换到中文"),
    "about_title": ("关于本平台", "About this platform"),
    "about_1": (
        "本平台依据《上海市社会信用条例》归集本市行政机关、司法机关和公共企事业单位在履行职责过程中产生的"
        "公共信用信息，并依法向社会提供查询服务。",
        "Under the Shanghai Social Credit Regulations this platform aggregates the public credit information "
        "that the City's administrative and judicial organs and public enterprises and institutions produce "
        "in performing their duties, and provides inquiry services to the public as the law allows.",
    ),
    "about_2": (
        "社会公众可以查询法人和非法人组织的公开信息。自然人的信用信息不向社会公开。"
        "失信信息的查询期限为五年；已被撤销或已修复的信息不予展示；行政处罚信息在公示期内展示。",
        "Anyone may look up the public information of legal persons and unincorporated organizations. "
        "Natural persons' credit information is not shown to the public. Untrustworthiness information may "
        "be inquired for five years; revoked and restored information is not shown; administrative penalty "
        "information is displayed during its publicity period.",
    ),
    "search_title": ("查询法人和非法人组织", "Look up a legal person or organization"),
    "search_label": ("名称或统一社会信用代码", "Name or Unified Social Credit Code"),
    "search_hint": (
        "输入名称中的任意部分，或完整的18位统一社会信用代码。",
        "Type any part of the name, or the full 18-character Unified Social Credit Code.",
    ),
    "search_button": ("查询", "Search"),
    "results_title": ("查询结果", "Search results"),
    "results_for": ("“{q}”的查询结果：{n} 条", "{n} result(s) for “{q}”"),
    "no_results": (
        "未找到名称包含“{q}”或统一社会信用代码为“{q}”的法人和非法人组织。",
        "No legal person or organization whose name contains “{q}” or whose code is “{q}”.",
    ),
    "results_more": ("仅显示前 {n} 条，请输入更具体的名称。", "Only the first {n} are shown: refine the name."),
    "personal_id_title": ("不提供自然人信息查询", "Natural persons cannot be looked up"),
    "personal_id_text": (
        "输入的内容是自然人身份证号码。自然人的社会信用信息不向社会公开，本平台不提供按身份证号码的公开查询。"
        "信息主体本人可以通过身份认证后查询自身信息（第十七条第一款）。",
        "What you typed is a resident identity card number. Natural persons' credit information is not "
        "disclosed to the public, so there is no public search by ID number. Subjects can see their own "
        "information after identifying themselves (Article 17.1).",
    ),
    "personal_id_article": ("第六条第二款", "Article 6.2"),
    "col_name": ("名称", "Name"),
    "col_uscc": ("统一社会信用代码", "Unified Social Credit Code"),
    "col_kind": ("主体类型", "Kind"),
    "kind_organization": ("法人和非法人组织", "Legal person or unincorporated organization"),
    "kind_government_organ": ("机关", "Government organ"),
    "kind_natural_person": ("自然人", "Natural person"),
    "articles_title": ("相关条文", "Key articles"),
    "article_link": ("第{zh}条", "Article {n}"),
    "full_text": ("条例全文（中文）", "Full text of the regulation (Chinese)"),
    "api_title": ("开放接口", "Open API"),
    "api_text": (
        "本平台的数据接口遵循 OpenAPI 规范，供行政机关、司法机关和信用服务机构依法调用。",
        "The platform's API follows the OpenAPI specification, for administrative and judicial organs and "
        "credit service establishments to use as the law allows.",
    ),
    "api_docs": ("接口文档", "API documentation"),
    "api_spec": ("OpenAPI 描述文件", "OpenAPI description"),
    "subject_title": ("公共信用信息", "Public credit information"),
    "basic_info": ("基本信息", "Basic information"),
    "records_title": ("公开的公共信用信息", "Public credit information"),
    "records_none": ("当前没有可公开展示的公共信用信息。", "There is no public credit information on display."),
    "records_note": (
        "依据第十五条展示法人和非法人组织的公开信息。失信信息自失信行为或者事件终止之日起五年后不再提供查询"
        "（第三十五条）；行政处罚信息在最长公示期届满后不再展示。对信息有异议的，信息主体可以提出异议（第三十六条）。",
        "Public information of legal persons and organizations is shown under Article 15. Untrustworthiness "
        "information is no longer provided five years after the conduct or event ended (Article 35); "
        "administrative penalty information leaves this page when its maximum publicity period ends. The "
        "subject may object to information it believes wrong (Article 36).",
    ),
    "f_doc_no": ("决定文书号", "Document number"),
    "f_doc_date": ("决定日期", "Decision date"),
    "f_doc_org": ("决定机关", "Issuing organ"),
    "f_source": ("信息提供单位", "Source unit"),
    "f_summary": ("内容摘要", "Summary"),
    "f_act_type": ("违法行为类型", "Type of violation"),
    "f_facts": ("事实", "Facts"),
    "f_category": ("类别", "Category"),
    "f_content": ("内容", "Content"),
    "f_legal_basis": ("依据", "Legal basis"),
    "f_cert_name": ("证书名称", "Certificate"),
    "f_licence_no": ("许可编号", "Licence number"),
    "f_valid_from": ("有效期自", "Valid from"),
    "f_valid_until": ("有效期至", "Valid until"),
    "f_amount": ("金额（元）", "Amount (yuan)"),
    "marker_under_objection": ("异议处理中", "Under objection"),
    "marker_restored": ("已修复", "Restored"),
    "back_search": ("返回查询", "Back to search"),
    "error_title_403": ("不予公开", "Not shown to the public"),
    "error_title_404": ("未找到", "Not found"),
    "error_title_other": ("请求未能完成", "The request could not be completed"),
    "error_404_text": ("没有找到该信息主体。", "There is no such information subject."),
    "error_article": ("法律依据", "Legal basis"),
    "error_reason": ("原因", "Reason"),
    "article_title": ("第{zh}条", "Article {n}"),
    "article_zh": ("中文（正式文本）", "Chinese (authoritative text)"),
    "article_en": ("英文译本", "English translation"),
    "footer": (
        "依据《上海市社会信用条例》（2017年6月23日通过，2017年10月1日起施行）建设。开源软件 xinyong。",
        "Built to the Shanghai Social Credit Regulations (adopted 23 June 2017, in force 1 October 2017). "
        "Open-source software xinyong.",
    ),
}


# Refusals the public meets, worded for the page (the service's own message is English).
REASONS: dict[str, tuple[str, str]] = {
    "Art. 6.1": ("自然人的社会信用信息不向社会公开（平台依据第六条第一款合法、必要原则作出的规定）。",
                 "Natural persons' credit information is not shown to the public (platform policy under Art. 6.1: "
                 "lawful and necessary)."),
    "Art. 19(1)": ("来自您的地址的查询过于频繁，请稍后再试（平台依据第十九条第（一）项建立的信息安全管理机制）。",
                   "Too many searches and pages from your address: please try again later (the platform's "
                   "information security mechanism under Art. 19(1))."),
}


def translator(lang: str):
    index = 0 if lang == "zh" else 1

    def t(key: str, **kw) -> str:
        text = WORDS[key][index]
        return text.format(**kw) if kw else text

    return t
