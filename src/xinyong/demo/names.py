"""Word lists for the synthetic demo data (names, places, trades).

Everything here is invented or generic vocabulary: no list of real subjects. Shanghai district names
and GB/T 2260 codes are public facts; abolished districts are marked.
"""

from __future__ import annotations

# GB/T 2260 county-level codes of Shanghai.  (code, name, abolished-in or None)
DISTRICTS: tuple[tuple[str, str, int | None], ...] = (
    ("310101", "黄浦区", None),
    ("310103", "卢湾区", 2011),  # merged into 黄浦区
    ("310104", "徐汇区", None),
    ("310105", "长宁区", None),
    ("310106", "静安区", None),
    ("310107", "普陀区", None),
    ("310108", "闸北区", 2015),  # merged into 静安区
    ("310109", "虹口区", None),
    ("310110", "杨浦区", None),
    ("310112", "闵行区", None),
    ("310113", "宝山区", None),
    ("310114", "嘉定区", None),
    ("310115", "浦东新区", None),
    ("310116", "金山区", None),
    ("310117", "松江区", None),
    ("310118", "青浦区", None),
    ("310119", "南汇区", 2009),  # merged into 浦东新区
    ("310120", "奉贤区", None),
    ("310151", "崇明区", None),
)
DISTRICT_NAME = {code: name for code, name, _ in DISTRICTS}

# Registration regions for organizations (codes issued since 2015: current districts, or the city).
# Weighted by repetition.
ORG_REGIONS: tuple[str, ...] = (
    ("310000",) * 6
    + ("310101",) * 4 + ("310104",) * 5 + ("310105",) * 3 + ("310106",) * 5 + ("310107",) * 4
    + ("310109",) * 3 + ("310110",) * 4 + ("310112",) * 8 + ("310113",) * 6 + ("310114",) * 7
    + ("310115",) * 16 + ("310116",) * 4 + ("310117",) * 7 + ("310118",) * 6 + ("310120",) * 7
    + ("310151",) * 5
)
AGRI_REGIONS: tuple[str, ...] = ("310151", "310116", "310120", "310118", "310117", "310115", "310114", "310113")

# Region codes for resident identity numbers: (code, weight, first birth year, last birth year).
# A number's region code must have existed in its holder's birth year (python-stdnum checks this against
# its GB/T 2260 history), so e.g. 浦东新区 310115 only for people born 1992 or later, and the abolished
# 南汇区 310119 (2001-2009) only for people born in those years.  崇明区 310151 (2016-) is left out.
RIC_REGIONS: tuple[tuple[str, int, int, int], ...] = (
    ("310101", 10, 0, 9999),
    ("310103", 4, 0, 2011),  # 卢湾区, abolished 2011
    ("310104", 10, 0, 9999),
    ("310105", 8, 0, 9999),
    ("310106", 6, 0, 9999),
    ("310107", 10, 0, 9999),
    ("310108", 4, 0, 2015),  # 闸北区, abolished 2015
    ("310109", 9, 0, 9999),
    ("310110", 12, 0, 9999),
    ("310112", 12, 1981, 9999),
    ("310113", 10, 1988, 9999),
    ("310114", 10, 1992, 9999),
    ("310115", 20, 1992, 9999),
    ("310116", 8, 1997, 9999),
    ("310117", 10, 1998, 9999),
    ("310118", 10, 1999, 9999),
    ("310119", 10, 2001, 2009),  # 南汇区, abolished 2009
    ("310120", 8, 2001, 9999),
)

# Common surnames, roughly by frequency (repetition = weight).
SURNAMES: tuple[str, ...] = (
    ("王",) * 7 + ("李",) * 7 + ("张",) * 7 + ("刘",) * 5 + ("陈",) * 6 + ("杨",) * 3 + ("黄",) * 3
    + ("赵",) * 2 + ("吴",) * 3 + ("周",) * 4 + ("徐",) * 4 + ("孙",) * 2 + ("朱",) * 3 + ("马",) * 2
    + ("胡",) * 2 + ("郭",) * 1 + ("何",) * 1 + ("高",) * 1 + ("林",) * 1 + ("罗",) * 1 + ("郑",) * 1
    + ("梁",) * 1 + ("谢",) * 1 + ("宋",) * 1 + ("唐",) * 1 + ("许",) * 1 + ("韩",) * 1 + ("冯",) * 1
    + ("邓",) * 1 + ("曹",) * 1 + ("彭",) * 1 + ("曾",) * 1 + ("沈",) * 3 + ("顾",) * 3 + ("陆",) * 3
    + ("蒋",) * 1 + ("蔡",) * 1 + ("钱",) * 1 + ("金",) * 1 + ("施",) * 1 + ("姚",) * 1 + ("汪",) * 1
    + ("范",) * 1 + ("丁",) * 1 + ("潘",) * 1 + ("倪",) * 1 + ("龚",) * 1 + ("袁",) * 1 + ("任",) * 1
)
GIVEN_CHARS: str = (
    "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国文辉力新宇浩俊峰亮婷雪琳晨佳怡欣雯颖"
    "嘉慧君燕红玲萍蓉凤洁倩梅莉晶鑫鹏飞斌彬凯昊天翔瑞波宁海松林志东荣文斌健康祥德福永春兰珍"
    "忠庆家铭宏远思源子轩梓涵雨欣诗琪梦瑶晓丹一鸣俊杰立群卫民"
)

# Trade names (字号) are made of two of these characters.
TRADE_CHARS: str = (
    "申华海浦诚信鑫源恒泰盛丰宏达联创新锦程瑞祥嘉禾安康华美东方汇通金桥兴隆福满天元"
    "中宝利远景辉光明正合万众和顺永亿博众德润沪江晨曦星云佳豪君同尚品优卓越联升"
)

# (industry word, sector) for companies.
INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("餐饮管理", "food"), ("食品", "food"), ("餐饮", "food"), ("食品贸易", "food"), ("餐饮服务", "food"),
    ("贸易", "trade"), ("商贸", "trade"), ("国际贸易", "trade"), ("实业", "trade"), ("电子商务", "trade"),
    ("信息科技", "tech"), ("网络科技", "tech"), ("电子科技", "tech"), ("智能科技", "tech"), ("软件", "tech"),
    ("建筑工程", "construction"), ("建设工程", "construction"), ("装饰工程", "construction"),
    ("建筑安装工程", "construction"), ("市政工程", "construction"),
    ("房地产开发", "realestate"), ("置业", "realestate"), ("房地产经纪", "realestate"), ("物业管理", "realestate"),
    ("机械制造", "manufacturing"), ("精密机械", "manufacturing"), ("化工", "manufacturing"),
    ("塑料制品", "manufacturing"), ("电器", "manufacturing"),
    ("物流", "logistics"), ("供应链管理", "logistics"), ("货运代理", "logistics"),
    ("人力资源", "service"), ("企业管理咨询", "service"), ("广告", "service"), ("文化传播", "service"),
    ("劳务派遣", "service"), ("商务咨询", "service"),
    ("医疗器械", "health"), ("生物科技", "health"), ("医药", "health"),
)
COMPANY_FORMS: tuple[str, ...] = ("有限公司",) * 9 + ("股份有限公司", "有限责任公司")

# Shop words for 个体工商户: (word, sector)
SHOPS: tuple[tuple[str, str], ...] = (
    ("餐饮店", "food"), ("小吃店", "food"), ("面馆", "food"), ("便利店", "food"), ("水果店", "food"),
    ("烟杂店", "trade"), ("五金店", "trade"), ("服装店", "trade"), ("理发店", "service"),
    ("汽车修理部", "service"), ("百货商店", "trade"), ("熟食店", "food"),
)
SHOP_OWNER_PREFIX: tuple[str, ...] = ("阿", "小", "老")

# Farmer cooperatives: (product, sector)
COOP_PRODUCTS: tuple[str, ...] = ("蔬菜", "水稻", "葡萄", "水蜜桃", "柑橘", "西甜瓜", "水产养殖", "草莓", "食用菌", "花卉")
COOP_TOWNS: tuple[str, ...] = ("马陆", "庄行", "廊下", "朱家角", "练塘", "泖港", "新场", "竖新", "向化", "金泽", "大团", "罗店")

# Public institutions (12…) and private non-enterprise units (52…)
INSTITUTIONS: tuple[str, ...] = (
    "第{n}人民医院", "中心医院", "社区卫生服务中心", "第{n}中学", "实验小学", "图书馆", "文化馆",
    "疾病预防控制中心", "职业技术学校", "第{n}幼儿园",
)
NONPROFITS: tuple[str, ...] = ("培训学校", "养老院", "社区服务中心", "艺术培训中心", "康复中心", "职业技能培训学校")
CN_NUMERALS: str = "一二三四五六七八九十"

FOOD_PRODUCTS: tuple[str, ...] = (
    "牛奶", "面包", "火腿肠", "饮料", "速冻水饺", "酱油", "食用油", "饼干", "月饼", "熟食卤味", "糕点", "酸奶",
)
GOODS: tuple[str, ...] = (
    "电热水壶", "儿童玩具", "电线电缆", "插座", "服装", "运动鞋", "化妆品", "手机充电器", "家具", "灯具",
)
BRANDS: tuple[str, ...] = ("耐克", "阿迪达斯", "苹果", "香奈儿", "路易威登", "华为")
