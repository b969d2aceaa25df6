"""Chinese name material for the demo city: people, enterprises, industries, roads."""

from __future__ import annotations

import random


def words(text: str) -> list[str]:
    """A word list written as one space-separated string, which reads better for Chinese."""
    return text.split()


# Common surnames, those frequent in southern Jiangsu listed more than once.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方邹孟熊秦邱江尹薛段雷侯龙史陶贺顾毛郝龚邵钱严"
    "顾陆沈钱朱徐陈王张周吴"
)
GIVEN_ONE = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚英华辉鹏宇浩婷雪峰斌波燕玲红梅琳晨欣怡颖"
GIVEN_TWO = words(
    "建国 建华 志刚 志强 国庆 卫东 永康 德明 晓东 立新 春华 小龙 云飞 佳慧 欣怡 "
    "子涵 嘉颖 俊杰 振宇 雨晨 梓萱 一鸣 晨曦 秀英 桂英 玉兰 海燕 丽娟 文博 浩然 "
    "宇航 思远 家豪 志明 建军 晓燕 美玲 雪梅 丽华 国强 永明 金龙 红霞 文静 晓峰 "
    "海涛 建平 秋月 雅婷 紫涵 子轩 梦琪 诗雨 天佑"
)

# 字号: the distinctive part of a company name.
TRADE_CHARS = (
    "鑫达华瑞恒盛宏泰隆祥富源昌丰凯佳永兴新金利德顺通荣嘉裕腾宇明天海邦正中博科信诚鼎创汇锦润"
    "晟远安康和胜达亿航骏威弘昊聚美益升誉捷豪联卓优精"
)

# industry: (weight, sector, words that name the business in a company name)
INDUSTRIES: dict[str, tuple[int, str, tuple[str, ...]]] = {
    "机械制造": (18, "industry", ("精密机械", "机械制造", "机械设备", "机电设备", "重工机械")),
    "金属制品": (12, "industry", ("金属制品", "五金制品", "钢结构", "精密五金", "铝业")),
    "电子": (8, "industry", ("电子", "电子科技", "光电科技", "电子材料")),
    "塑料制品": (7, "industry", ("塑料制品", "塑胶", "塑业", "高分子材料")),
    "纺织": (7, "industry", ("纺织", "纺织品", "化纤", "织造")),
    "服装": (3, "industry", ("服饰", "制衣", "针织服装")),
    "化工": (5, "industry", ("化工", "化学", "精细化工", "涂料")),
    "危险化学品经营": (2, "industry", ("化工贸易", "化工物资", "石化贸易")),
    "食品加工": (4, "industry", ("食品", "食品科技", "粮油食品")),
    "印刷包装": (4, "industry", ("印刷", "包装", "包装材料", "纸业")),
    "家具制造": (3, "industry", ("家具", "木业", "家居")),
    "建材": (4, "industry", ("建材", "新型建材", "混凝土", "建筑材料")),
    "汽车零部件": (5, "industry", ("汽车零部件", "汽车配件", "车辆部件")),
    "生物医药": (2, "industry", ("生物医药", "医药科技", "医疗器械")),
    "仓储物流": (6, "transport", ("物流", "仓储", "供应链管理", "国际货运代理")),
    "港口装卸": (1, "transport", ("港务", "码头", "港口装卸")),
    "机动车维修": (2, "transport", ("汽车维修", "机动车检测维修")),
    "建筑施工": (4, "housing", ("建设工程", "建筑工程", "建筑安装", "装饰工程")),
    "物业管理": (2, "housing", ("物业管理", "物业服务")),
    "汽车服务": (2, "commerce", ("汽车服务", "汽车销售服务")),
    "商贸零售": (4, "commerce", ("商贸", "贸易", "百货")),
    "成品油零售": (1, "commerce", ("石油销售", "加油站")),
}

SUFFIXES = ("有限公司", "有限公司", "有限公司", "有限责任公司")
ROAD_WORDS = words(
    "人民 新华 上海 北京 南京 郑和 太平 东仓 半泾 常胜 长江 岳王 朝阳 兴业 通港 "
    "苏州 沪太 横泾 白云 友谊 建设 复兴 胜利 青岛 宁波 杭州 江南 望江 滨河 振兴 "
    "创业 科教 新港 金仓 湘江 珠江 黄河 淮河 紫薇 香樟 银杏 海运 宏达 富民 鹿河 "
    "弇山 娄江 盐铁 浏家港 璜泾 经一 经二 纬三"
)
ROAD_KINDS = ("路", "路", "路", "大道", "街")


def person(rng: random.Random) -> str:
    given = rng.choice(GIVEN_TWO) if rng.random() < 0.7 else rng.choice(GIVEN_ONE)
    return rng.choice(SURNAMES) + given


def phone(rng: random.Random) -> str:
    return rng.choice(("139", "138", "137", "136", "135", "158", "159", "188", "181", "151")) + (
        f"{rng.randrange(10**8):08d}"
    )


def trade_name(rng: random.Random) -> str:
    first = rng.choice(TRADE_CHARS)
    return first + rng.choice(TRADE_CHARS.replace(first, ""))


def pick_industry(rng: random.Random) -> str:
    names = list(INDUSTRIES)
    return rng.choices(names, weights=[INDUSTRIES[n][0] for n in names])[0]


def company_name(
    rng: random.Random, industry: str, scale: str, places: tuple[str, str, str]
) -> str:
    """E.g. 太仓市沙溪镇鑫达精密机械有限公司; `places` = (city, county, town) names."""
    city, county, town = places
    if county.endswith("市"):  # a county-level city names its firms 太仓市… or 太仓…
        base, short = county, county.removesuffix("市")
    else:
        base = county if county.startswith(city[:2]) else f"{city}{county}"
        short = city.removesuffix("市")
    prefix = rng.choices(
        (base, f"{base}{town}", city.removesuffix("市"), short, "江苏"),
        weights=(40, 25, 20, 10, 5 if scale in ("large", "medium") else 0),
    )[0]
    word = rng.choice(INDUSTRIES[industry][2])
    suffix = "股份有限公司" if scale == "large" and rng.random() < 0.5 else rng.choice(SUFFIXES)
    return f"{prefix}{trade_name(rng)}{word}{suffix}"


def road(rng: random.Random) -> str:
    return rng.choice(ROAD_WORDS) + rng.choice(ROAD_KINDS)


def address(
    rng: random.Random, county: str, town: str, roads: list[str], factory: bool = False
) -> str:
    city = "" if county.endswith("市") or county.startswith("苏州") else "苏州市"
    where = f"{city}{county}{town}"
    tail = f"{rng.randint(1, 399)}号"
    if factory and rng.random() < 0.2:
        tail += f"{rng.randint(1, 12)}号厂房"
    return f"{where}{rng.choice(roads)}{tail}"
