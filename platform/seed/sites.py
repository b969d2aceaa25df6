"""Public sites 公共场所 of the sector departments: schools, hospitals, care homes, institutes,
religious sites and cinemas, named after the county and town they are in."""

from __future__ import annotations

import random
from dataclasses import dataclass

from anwang.platform.seed.names import trade_name, words

# The Taicang numbers from the source documents (MISSION.md); the small scale has a handful.
TAICANG_SITES = {
    "school": 127,
    "hospital": 46,
    "elderly_care": 9,
    "research_institute": 4,
    "religious_site": 34,
    "cinema": 11,
}
SMALL_SITES = {"school": 2, "hospital": 1, "elderly_care": 1, "research_institute": 1,
               "religious_site": 1, "cinema": 1}  # fmt: skip

# site_type: (sector, industry shown on the record)
SITE_KINDS = {
    "school": ("education", "教育"),
    "hospital": ("health", "卫生"),
    "elderly_care": ("civil_affairs", "养老服务"),
    "research_institute": ("science", "科学研究和技术服务"),
    "religious_site": ("religion", "宗教活动场所"),
    "cinema": ("culture_tourism", "电影放映"),
}

SCHOOL_WORDS = words(
    "新区 港城 明德 弇山 朝阳 东郊 南郊 新城 金阳 牌楼 陆公 新湖 荣文 经贸 科教 滨江"
)
TEMPLES = words(
    "普济寺 海宁寺 隆福寺 慈云庵 观音堂 东岳庙 城隍庙 天妃宫 真武观 玄妙观 延福寺 "
    "法华寺 广福寺 长寿寺 兴福寺 圆通寺 准提庵 三官堂 关帝庙 太平庵 基督教福音堂 "
    "基督教恩典堂 天主教圣母堂 清真寺"
)
CINEMAS = words(
    "万达影城 横店电影城 大地影院 金逸影城 幸福蓝海国际影城 中影国际影城 博纳国际影城 "
    "上影国际影城 太平洋电影城 星轶影城 耀莱影城 CGV影城"
)


@dataclass(frozen=True)
class Site:
    site_type: str
    name: str
    town: int  # index of the town among the county's towns
    registration: str  # credit-code registration authority and category (GB 32100-2015)
    category: str
    scale: str


def _short(town: str) -> str:
    return town.removesuffix("街道").removesuffix("镇")


def _candidates(kind: str, county: str, towns: list[str], rng: random.Random) -> list[Site]:
    """Named sites of one kind, the expected ones first, then private or generic ones."""
    short = county.removesuffix("市").removesuffix("区")
    public, private = ("1", "2"), ("5", "2")  # 事业单位 / 民办非企业单位
    out: list[tuple[str, int, tuple[str, str], str]] = []
    if kind == "school":
        for name in ("实验小学", "实验中学", "第一中学", "高级中学", "实验幼儿园", "职业教育中心"):
            out.append((f"{county}{name}", 0, public, "medium"))
        for i, t in enumerate(towns):
            for name in ("中心小学", "中心幼儿园", "初级中学", "第二小学"):
                out.append((f"{county}{_short(t)}{name}", i, public, "small"))
        while len(out) < 400:
            i = rng.randrange(len(towns))
            if rng.random() < 0.3:
                name, reg = f"{county}{_short(towns[i])}{trade_name(rng)}幼儿园", private
            else:
                word = rng.choice(SCHOOL_WORDS)
                name, reg = f"{county}{word}{rng.choice(('小学', '幼儿园', '中学'))}", public
            out.append((name, i, reg, "small"))
    elif kind == "hospital":
        for name in ("第一人民医院", "中医医院", "第二人民医院", "妇幼保健院", "精神卫生中心"):
            out.append((f"{county}{name}", 0, public, "large"))
        for i, t in enumerate(towns):
            centre = "社区卫生服务中心" if t.endswith("街道") else "人民医院"
            out.append((f"{county}{_short(t)}{centre}", i, public, "medium"))
        while len(out) < 200:
            i = rng.randrange(len(towns))
            tail = rng.choice(("医院", "口腔门诊部", "中医诊所", "康复医院", "门诊部"))
            out.append((f"{short}{trade_name(rng)}{tail}", i, private, "small"))
    elif kind == "elderly_care":
        out.append((f"{county}社会福利中心", 0, public, "medium"))
        for i, t in enumerate(towns):
            out.append((f"{county}{_short(t)}敬老院", i, public, "small"))
        while len(out) < 100:
            i = rng.randrange(len(towns))
            out.append((f"{short}{trade_name(rng)}颐养院", i, private, "small"))
    elif kind == "research_institute":
        for name in ("农业科学研究所", "先进制造技术研究院", "生物医药产业研究院", "新材料研究所"):
            out.append((f"{county}{name}", 0, public, "small"))
        while len(out) < 100:
            out.append(
                (f"{county}{trade_name(rng)}技术研究院", rng.randrange(len(towns)), public, "small")
            )
    elif kind == "religious_site":
        for t in rng.sample(TEMPLES * 4, len(TEMPLES) * 4):
            i = rng.randrange(len(towns))
            # Religious venues register with the religious-affairs authority: code "71".
            out.append((f"{county}{_short(towns[i])}{t}", i, ("7", "1"), "micro"))
    else:
        for brand in rng.sample(CINEMAS * 4, len(CINEMAS) * 4):
            i = rng.randrange(len(towns))
            company = ("9", "1")
            out.append((f"{short}{brand}（{_short(towns[i])}店）", i, company, "small"))
    return [Site(kind, n, i, r[0], r[1], s) for n, i, r, s in out]


def public_sites(
    county: str, towns: list[str], counts: dict[str, int], rng: random.Random
) -> list[Site]:
    """`counts[kind]` distinct sites of each kind for one county."""
    sites: list[Site] = []
    seen: set[str] = set()
    for kind, n in counts.items():
        chosen = 0
        for site in _candidates(kind, county, towns, rng):
            if chosen == n:
                break
            if site.name in seen:
                continue
            seen.add(site.name)
            sites.append(site)
            chosen += 1
        if chosen < n:
            raise RuntimeError(f"not enough {kind} names for {county}: {chosen} < {n}")
    return sites
