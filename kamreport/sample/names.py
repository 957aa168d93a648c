"""Name pools of the sample data: places, company name parts, people, competitors.

Pure data. Company names are built from a place, a trade name (字号), an
industry word and a legal form, e.g. 潍坊 + 瑞丰 + 饲料 + 有限公司 →
"潍坊瑞丰饲料有限公司" / "Weifang Ruifeng Feed Co., Ltd.". The trade names are
made up; well-known real company names are left out on purpose. The trade name
华康 is reserved for the planted duplicate account (see ``stories.py``).
"""

from __future__ import annotations

INDUSTRIES = ("feed", "pharmaceutical", "food", "cosmetics")
INDUSTRY_WEIGHTS = (0.48, 0.20, 0.18, 0.14)

# Province: (Chinese short name, pinyin, full name for addresses, region, cities).
# Cities: (Chinese, pinyin). Municipalities have no cities listed.
PROVINCES: tuple[tuple[str, str, str, str, tuple[tuple[str, str], ...]], ...] = (
    ("上海", "Shanghai", "上海市", "华东", ()),
    (
        "江苏",
        "Jiangsu",
        "江苏省",
        "华东",
        (("南通", "Nantong"), ("盐城", "Yancheng"), ("徐州", "Xuzhou"), ("常州", "Changzhou")),
    ),
    (
        "浙江",
        "Zhejiang",
        "浙江省",
        "华东",
        (("绍兴", "Shaoxing"), ("嘉兴", "Jiaxing"), ("金华", "Jinhua"), ("台州", "Taizhou")),
    ),
    (
        "安徽",
        "Anhui",
        "安徽省",
        "华东",
        (("合肥", "Hefei"), ("阜阳", "Fuyang"), ("蚌埠", "Bengbu")),
    ),
    (
        "福建",
        "Fujian",
        "福建省",
        "华东",
        (("漳州", "Zhangzhou"), ("莆田", "Putian"), ("龙岩", "Longyan")),
    ),
    (
        "江西",
        "Jiangxi",
        "江西省",
        "华东",
        (("南昌", "Nanchang"), ("赣州", "Ganzhou"), ("宜春", "Yichun")),
    ),
    (
        "山东",
        "Shandong",
        "山东省",
        "华东",
        (
            ("潍坊", "Weifang"),
            ("临沂", "Linyi"),
            ("聊城", "Liaocheng"),
            ("德州", "Dezhou"),
            ("济宁", "Jining"),
        ),
    ),
    (
        "广东",
        "Guangdong",
        "广东省",
        "华南",
        (("佛山", "Foshan"), ("湛江", "Zhanjiang"), ("江门", "Jiangmen"), ("茂名", "Maoming")),
    ),
    (
        "广西",
        "Guangxi",
        "广西壮族自治区",
        "华南",
        (("南宁", "Nanning"), ("玉林", "Yulin"), ("贵港", "Guigang")),
    ),
    ("海南", "Hainan", "海南省", "华南", (("海口", "Haikou"),)),
    ("北京", "Beijing", "北京市", "华北", ()),
    ("天津", "Tianjin", "天津市", "华北", ()),
    (
        "河北",
        "Hebei",
        "河北省",
        "华北",
        (
            ("石家庄", "Shijiazhuang"),
            ("保定", "Baoding"),
            ("唐山", "Tangshan"),
            ("邢台", "Xingtai"),
        ),
    ),
    ("山西", "Shanxi", "山西省", "华北", (("太原", "Taiyuan"), ("晋中", "Jinzhong"))),
    (
        "内蒙古",
        "Inner Mongolia",
        "内蒙古自治区",
        "华北",
        (("呼和浩特", "Hohhot"), ("赤峰", "Chifeng")),
    ),
    (
        "河南",
        "Henan",
        "河南省",
        "华中",
        (("郑州", "Zhengzhou"), ("新乡", "Xinxiang"), ("南阳", "Nanyang"), ("周口", "Zhoukou")),
    ),
    (
        "湖北",
        "Hubei",
        "湖北省",
        "华中",
        (("武汉", "Wuhan"), ("荆州", "Jingzhou"), ("襄阳", "Xiangyang")),
    ),
    (
        "湖南",
        "Hunan",
        "湖南省",
        "华中",
        (("长沙", "Changsha"), ("常德", "Changde"), ("衡阳", "Hengyang")),
    ),
    ("重庆", "Chongqing", "重庆市", "西南", ()),
    (
        "四川",
        "Sichuan",
        "四川省",
        "西南",
        (("成都", "Chengdu"), ("绵阳", "Mianyang"), ("眉山", "Meishan")),
    ),
    ("贵州", "Guizhou", "贵州省", "西南", (("贵阳", "Guiyang"), ("遵义", "Zunyi"))),
    ("云南", "Yunnan", "云南省", "西南", (("昆明", "Kunming"), ("曲靖", "Qujing"))),
    (
        "辽宁",
        "Liaoning",
        "辽宁省",
        "东北",
        (("沈阳", "Shenyang"), ("大连", "Dalian"), ("铁岭", "Tieling")),
    ),
    ("吉林", "Jilin", "吉林省", "东北", (("长春", "Changchun"), ("四平", "Siping"))),
    ("黑龙江", "Heilongjiang", "黑龙江省", "东北", (("哈尔滨", "Harbin"), ("绥化", "Suihua"))),
    (
        "陕西",
        "Shaanxi",
        "陕西省",
        "西北",
        (("西安", "Xi’an"), ("咸阳", "Xianyang"), ("杨凌", "Yangling")),
    ),
    ("甘肃", "Gansu", "甘肃省", "西北", (("兰州", "Lanzhou"), ("张掖", "Zhangye"))),
    ("宁夏", "Ningxia", "宁夏回族自治区", "西北", (("银川", "Yinchuan"),)),
    ("新疆", "Xinjiang", "新疆维吾尔自治区", "西北", (("乌鲁木齐", "Urumqi"), ("昌吉", "Changji"))),
    ("青海", "Qinghai", "青海省", "西北", (("西宁", "Xining"),)),
)

EXPORT_REGION = "海外"
REGIONS = ("华东", "华南", "华北", "华中", "西南", "东北", "西北", EXPORT_REGION)
REGION_WEIGHTS = (0.31, 0.15, 0.14, 0.13, 0.10, 0.06, 0.04, 0.07)

# Export country: (country, industry weights feed/pharma/food/cosmetics, cities).
EXPORT_COUNTRIES: tuple[tuple[str, tuple[float, ...], tuple[str, ...]], ...] = (
    ("Vietnam", (0.75, 0.10, 0.10, 0.05), ("Binh Duong", "Dong Nai", "Long An", "Hanoi")),
    ("Thailand", (0.60, 0.10, 0.15, 0.15), ("Chonburi", "Ayutthaya", "Nakhon Pathom")),
    ("India", (0.25, 0.55, 0.10, 0.10), ("Hyderabad", "Ahmedabad", "Pune", "Vadodara")),
    ("Germany", (0.10, 0.35, 0.25, 0.30), ("Hamburg", "Mannheim", "Hannover")),
    ("Brazil", (0.70, 0.10, 0.15, 0.05), ("Curitiba", "Campinas", "Chapecó", "Goiânia")),
)
EXPORT_COUNTRY_WEIGHTS = (0.30, 0.22, 0.20, 0.13, 0.15)

# Trade names (字号) with pinyin.
STEMS: tuple[tuple[str, str], ...] = (
    ("瑞丰", "Ruifeng"),
    ("康源", "Kangyuan"),
    ("丰泽", "Fengze"),
    ("宏达", "Hongda"),
    ("永泰", "Yongtai"),
    ("天润", "Tianrun"),
    ("鑫源", "Xinyuan"),
    ("博润", "Borun"),
    ("嘉禾", "Jiahe"),
    ("安康", "Ankang"),
    ("益生", "Yisheng"),
    ("润泽", "Runze"),
    ("绿源", "Lvyuan"),
    ("金穗", "Jinsui"),
    ("华牧", "Huamu"),
    ("众诚", "Zhongcheng"),
    ("恒泰", "Hengtai"),
    ("福瑞", "Furui"),
    ("中瑞", "Zhongrui"),
    ("广源", "Guangyuan"),
    ("百川", "Baichuan"),
    ("信诚", "Xincheng"),
    ("宝丰", "Baofeng"),
    ("晟达", "Shengda"),
    ("佳美", "Jiamei"),
    ("美源", "Meiyuan"),
    ("泰和", "Taihe"),
    ("盛源", "Shengyuan"),
    ("安泰", "Antai"),
    ("和润", "Herun"),
    ("兴旺", "Xingwang"),
    ("金农", "Jinnong"),
    ("丰源", "Fengyuan"),
    ("瑞祥", "Ruixiang"),
    ("天和", "Tianhe"),
    ("华宇", "Huayu"),
    ("东润", "Dongrun"),
    ("海润", "Hairun"),
    ("正源", "Zhengyuan"),
    ("普惠", "Puhui"),
    ("康泰", "Kangtai"),
    ("舒康", "Shukang"),
    ("惠民", "Huimin"),
    ("金桥", "Jinqiao"),
    ("长青", "Changqing"),
    ("新禾", "Xinhe"),
    ("润康", "Runkang"),
    ("欣荣", "Xinrong"),
    ("明德", "Mingde"),
    ("景润", "Jingrun"),
    ("立达", "Lida"),
    ("科源", "Keyuan"),
    ("颐和", "Yihe"),
    ("沃丰", "Wofeng"),
    ("嘉诚", "Jiacheng"),
    ("安和", "Anhe"),
    ("谷丰", "Gufeng"),
    ("聚力", "Juli"),
    ("优诺", "Younuo"),
    ("芳华", "Fanghua"),
    ("雅润", "Yarun"),
    ("丽源", "Liyuan"),
    ("森源", "Senyuan"),
    ("德润", "Derun"),
    ("恒昌", "Hengchang"),
    ("华信", "Huaxin"),
    ("瑞康", "Ruikang"),
    ("汇源泰", "Huiyuantai"),
)

# Industry words per industry: (Chinese, English).
INDUSTRY_WORDS: dict[str, tuple[tuple[str, str], ...]] = {
    "feed": (
        ("饲料", "Feed"),
        ("牧业", "Animal Husbandry"),
        ("农牧", "Agriculture"),
        ("饲料科技", "Feed Technology"),
        ("水产饲料", "Aquafeed"),
    ),
    "pharmaceutical": (
        ("药业", "Pharmaceutical"),
        ("制药", "Pharma"),
        ("医药", "Medicine"),
        ("生物医药", "Biopharma"),
    ),
    "food": (
        ("食品", "Food"),
        ("营养科技", "Nutrition Technology"),
        ("乳业", "Dairy"),
        ("食品配料", "Food Ingredients"),
    ),
    "cosmetics": (
        ("化妆品", "Cosmetics"),
        ("日化", "Daily Chemical"),
        ("美容科技", "Beauty Technology"),
        ("生物科技", "Biotech"),
    ),
}
LEGAL_FORMS: tuple[tuple[str, str], ...] = (
    ("有限公司", "Co., Ltd."),
    ("股份有限公司", "Co., Ltd."),
)
LEGAL_FORM_WEIGHTS = (0.72, 0.28)

# Export company names: stems and legal endings per country and industry.
EXPORT_STEMS: dict[str, tuple[str, ...]] = {
    "Vietnam": (
        "Mekong",
        "Viet Phat",
        "An Phu",
        "Tan Long",
        "Hoang Gia",
        "Dong Tien",
        "Phu Thinh",
        "Song Hong",
    ),
    "Thailand": (
        "Siam Agri",
        "Chao Phraya",
        "Rattana",
        "Lanna",
        "Sukhothai",
        "Suwan",
        "Ratchaburi",
        "Khao Yai",
    ),
    "India": ("Deccan", "Indus", "Ganga", "Shivam", "Narmada", "Sahyadri", "Kaveri", "Aravalli"),
    "Germany": (
        "Rheintal",
        "Nordheide",
        "Elbtal",
        "Alpenland",
        "Weserberg",
        "Taunus",
        "Spreewald",
        "Moselblick",
    ),
    "Brazil": (
        "Cerrado",
        "Mantiqueira",
        "Serra Verde",
        "Pampa",
        "Tocantins",
        "Ipanema Sul",
        "Vale Norte",
        "Boa Safra",
    ),
}
EXPORT_ENDINGS: dict[str, tuple[str, str, str, str]] = {
    # feed, pharmaceutical, food, cosmetics
    "Vietnam": ("Feed JSC", "Pharma JSC", "Food JSC", "Cosmetics Co., Ltd."),
    "Thailand": (
        "Feedmill Co., Ltd.",
        "Pharma Co., Ltd.",
        "Food Industries Co., Ltd.",
        "Cosmetics Co., Ltd.",
    ),
    "India": (
        "Feeds Pvt. Ltd.",
        "Pharma Pvt. Ltd.",
        "Nutraceuticals Pvt. Ltd.",
        "Personal Care Pvt. Ltd.",
    ),
    "Germany": ("Tierernährung GmbH", "Pharma GmbH", "Nutrition GmbH", "Kosmetik GmbH"),
    "Brazil": ("Nutrição Animal Ltda.", "Farmacêutica Ltda.", "Alimentos S.A.", "Cosméticos Ltda."),
}

ADDRESS_ZONES = (
    "经济技术开发区",
    "高新技术产业开发区",
    "化工园区",
    "工业园区",
    "农业科技园区",
    "生物医药产业园",
)
ADDRESS_ROADS = (
    "纬三路",
    "经二路",
    "创业大道",
    "科技路",
    "兴业街",
    "发展大道",
    "园区路",
    "滨河路",
    "康宁街",
    "长江路",
)

# People. Surnames and given names with pinyin; names in pinyin read "Wang Lei".
SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("黄", "Huang"),
    ("赵", "Zhao"),
    ("吴", "Wu"),
    ("周", "Zhou"),
    ("徐", "Xu"),
    ("孙", "Sun"),
    ("马", "Ma"),
    ("朱", "Zhu"),
    ("胡", "Hu"),
    ("郭", "Guo"),
    ("何", "He"),
    ("高", "Gao"),
    ("林", "Lin"),
    ("罗", "Luo"),
    ("郑", "Zheng"),
    ("梁", "Liang"),
    ("谢", "Xie"),
    ("宋", "Song"),
    ("唐", "Tang"),
    ("韩", "Han"),
    ("冯", "Feng"),
    ("邓", "Deng"),
    ("曹", "Cao"),
    ("彭", "Peng"),
    ("曾", "Zeng"),
    ("田", "Tian"),
    ("董", "Dong"),
    ("袁", "Yuan"),
    ("潘", "Pan"),
    ("蒋", "Jiang"),
)
GIVEN_NAMES: tuple[tuple[str, str], ...] = (
    ("伟", "Wei"),
    ("芳", "Fang"),
    ("敏", "Min"),
    ("静", "Jing"),
    ("丽", "Li"),
    ("强", "Qiang"),
    ("军", "Jun"),
    ("勇", "Yong"),
    ("艳", "Yan"),
    ("杰", "Jie"),
    ("涛", "Tao"),
    ("明", "Ming"),
    ("超", "Chao"),
    ("霞", "Xia"),
    ("平", "Ping"),
    ("刚", "Gang"),
    ("秀英", "Xiuying"),
    ("建国", "Jianguo"),
    ("志刚", "Zhigang"),
    ("海燕", "Haiyan"),
    ("晓东", "Xiaodong"),
    ("文博", "Wenbo"),
    ("雪梅", "Xuemei"),
    ("国庆", "Guoqing"),
    ("子涵", "Zihan"),
    ("宇航", "Yuhang"),
    ("佳怡", "Jiayi"),
    ("浩然", "Haoran"),
    ("欣怡", "Xinyi"),
    ("俊杰", "Junjie"),
    ("春华", "Chunhua"),
    ("立伟", "Liwei"),
    ("红梅", "Hongmei"),
    ("志远", "Zhiyuan"),
    ("晓琳", "Xiaolin"),
)
FOREIGN_PEOPLE: dict[str, tuple[str, ...]] = {
    "Vietnam": (
        "Nguyen Van Minh",
        "Tran Thi Lan",
        "Le Duc Anh",
        "Pham Thi Hoa",
        "Hoang Quang Huy",
        "Vu Thi Mai",
        "Do Minh Tuan",
        "Bui Thanh Son",
    ),
    "Thailand": (
        "Somchai Srisuk",
        "Kanya Wongsa",
        "Niran Chaiyaporn",
        "Ploy Rattanakul",
        "Anan Boonmee",
        "Sirin Thongdee",
        "Preecha Kaewkla",
        "Malee Sukjai",
    ),
    "India": (
        "Rajesh Kumar",
        "Priya Sharma",
        "Amit Patel",
        "Sunita Rao",
        "Vikram Iyer",
        "Neha Gupta",
        "Arjun Mehta",
        "Kavita Nair",
    ),
    "Germany": (
        "Katrin Weber",
        "Jens Hoffmann",
        "Anna Schulz",
        "Markus Becker",
        "Sabine Koch",
        "Tobias Richter",
        "Julia Wagner",
        "Stefan Braun",
    ),
    "Brazil": (
        "Joao Silva",
        "Ana Souza",
        "Carlos Pereira",
        "Mariana Costa",
        "Rafael Oliveira",
        "Fernanda Lima",
        "Lucas Almeida",
        "Beatriz Rocha",
    ),
}

# Our side: key account managers (plain strings) and the regions they cover.
KA_MANAGERS = ("王磊", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "黄俊")
MANAGERS_BY_REGION: dict[str, tuple[str, ...]] = {
    "华东": ("王磊", "李娜", "黄俊"),
    "华南": ("张伟",),
    "华北": ("刘洋",),
    "东北": ("刘洋",),
    "华中": ("陈静", "黄俊"),
    "西南": ("杨帆",),
    "西北": ("杨帆",),
    EXPORT_REGION: ("赵敏",),
}
EXECUTIVES = ("周建华", "何立新")  # general manager, VP sales: owners of senior visits
TECH_SERVICE = "孙浩"  # technical service engineer, owns some plan actions
FINANCE = "林芳"  # credit control, owns collection actions

# Titles per contact role: (Chinese, English).
TITLES: dict[str, tuple[tuple[str, str], ...]] = {
    "decision_maker": (
        ("总经理", "General Manager"),
        ("副总经理", "Deputy General Manager"),
        ("采购总监", "Procurement Director"),
        ("董事长", "Chairman"),
    ),
    "purchaser": (
        ("采购经理", "Purchasing Manager"),
        ("采购专员", "Buyer"),
        ("供应链经理", "Supply Chain Manager"),
    ),
    "user": (
        ("生产经理", "Production Manager"),
        ("配方师", "Formulator"),
        ("研发经理", "R&D Manager"),
        ("质量经理", "Quality Manager"),
    ),
    "influencer": (
        ("技术总监", "Technical Director"),
        ("营养师", "Nutritionist"),
        ("首席科学家", "Chief Scientist"),
    ),
    "supporter": (
        ("财务经理", "Finance Manager"),
        ("仓储主管", "Warehouse Supervisor"),
        ("行政经理", "Office Manager"),
    ),
    "blocker": (("质量总监", "Quality Director"), ("审计经理", "Audit Manager")),
}

# Fictitious competitors: (name, what they sell, home market "cn" or "intl").
COMPETITORS: tuple[tuple[str, str], ...] = (
    ("恒远化工", "烟酸、烟酰胺（饲料级）"),
    ("东晟维生素", "D-泛酸钙、维生素B6"),
    ("瑞光生物", "烟酰胺（化妆品级）、泛醇"),
    ("华泓药化", "烟酸、烟酰胺（药用级）"),
    ("兰陵精化", "肌醇、预混料"),
    ("Alpvita AG", "Niacinamide, panthenol (EU)"),
    ("Indus Nutrichem", "Niacin, calcium pantothenate"),
    ("Pacific Vitamins Ltd.", "Vitamin B premixes"),
)
COMPETITOR_NOTES = (
    "价格比我们低约5%",
    "交期稳定，客户满意",
    "质量波动，客户有抱怨",
    "新进入者，正在送样",
    "与客户高层关系好",
    "账期更长（90天）",
    "技术服务较弱",
    "长期合作的第二供应商",
)
