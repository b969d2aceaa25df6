"""The demo city's jurisdiction tree: 市 → 区/县 → 镇/街道 → 网格, as nested lon/lat rectangles."""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field

CITY_CODE, CITY_NAME = "320500", "苏州市"
HOME_DISTRICT = "320585"  # 太仓市: the fixed demo logins live here at every scale
# Rough WGS84 extent of the whole prefecture; the districts below lie inside it.
CITY_BOX = (120.30, 30.75, 121.35, 32.05)

TAICANG_TOWNS = ["城厢镇", "沙溪镇", "浏河镇", "浮桥镇", "璜泾镇", "双凤镇", "娄东街道", "陆渡街道"]

# code, name, (west, south, east, north), towns. Boxes are approximate and kept disjoint.
DISTRICTS: list[tuple[str, str, tuple[float, float, float, float], list[str]]] = [
    ("320508", "姑苏区", (120.58, 31.28, 120.66, 31.35),
     ["平江街道", "沧浪街道", "金阊街道", "双塔街道", "虎丘街道", "吴门桥街道", "白洋湾街道", "苏锦街道"]),
    ("320505", "虎丘区", (120.40, 31.25, 120.58, 31.42),
     ["狮山街道", "枫桥街道", "横塘街道", "浒墅关镇", "通安镇", "东渚街道", "镇湖街道", "阳山街道"]),
    ("320506", "吴中区", (120.30, 31.05, 120.95, 31.25),
     ["木渎镇", "甪直镇", "胥口镇", "临湖镇", "东山镇", "光福镇", "长桥街道", "郭巷街道"]),
    ("320507", "相城区", (120.50, 31.42, 120.75, 31.55),
     ["望亭镇", "黄埭镇", "渭塘镇", "阳澄湖镇", "北桥街道", "元和街道", "太平街道", "黄桥街道"]),
    ("320509", "吴江区", (120.35, 30.75, 120.90, 31.05),
     ["松陵街道", "同里镇", "平望镇", "盛泽镇", "七都镇", "震泽镇", "桃源镇", "黎里镇"]),
    ("320581", "常熟市", (120.55, 31.55, 120.97, 31.85),
     ["虞山街道", "琴川街道", "莫城街道", "碧溪街道", "梅李镇", "海虞镇", "古里镇", "沙家浜镇"]),
    ("320582", "张家港市", (120.35, 31.85, 120.85, 32.05),
     ["杨舍镇", "塘桥镇", "金港街道", "锦丰镇", "乐余镇", "凤凰镇", "南丰镇", "大新镇"]),
    ("320583", "昆山市", (120.80, 31.20, 121.10, 31.45),
     ["玉山镇", "巴城镇", "周市镇", "陆家镇", "花桥镇", "张浦镇", "周庄镇", "千灯镇"]),
    ("320585", "太仓市", (120.98, 31.45, 121.35, 31.75), TAICANG_TOWNS),
    ("320571", "苏州工业园区", (120.66, 31.25, 120.80, 31.36),
     ["娄葑街道", "斜塘街道", "唯亭街道", "胜浦街道", "金鸡湖街道"]),
]  # fmt: skip


@dataclass(frozen=True)
class Rect:
    west: float
    south: float
    east: float
    north: float

    @property
    def center(self) -> tuple[float, float]:
        return round((self.west + self.east) / 2, 6), round((self.south + self.north) / 2, 6)

    def geojson(self) -> str:
        w, s, e, n = self.west, self.south, self.east, self.north
        # RFC 7946: the exterior ring runs counter-clockwise and closes on its first point.
        ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
        return json.dumps({"type": "Polygon", "coordinates": [ring]}, separators=(",", ":"))

    def point_inside(self, rng: random.Random) -> tuple[float, float]:
        """A point strictly inside, rounded to 6 decimals (~0.1 m) and kept off the edges."""
        mx = (self.east - self.west) * 0.03
        my = (self.north - self.south) * 0.03
        return (
            round(rng.uniform(self.west + mx, self.east - mx), 6),
            round(rng.uniform(self.south + my, self.north - my), 6),
        )

    def split(self, n: int, rng: random.Random) -> list[Rect]:
        """`n` rectangles tiling this one, in rows from north-west, with jittered sizes."""
        width_km = (self.east - self.west) * 111 * math.cos(math.radians(self.south))
        height_km = (self.north - self.south) * 111
        cols = max(1, min(n, round(math.sqrt(n * width_km / height_km))))
        rows = math.ceil(n / cols)
        per_row = [n // rows + (1 if r < n % rows else 0) for r in range(rows)]
        out: list[Rect] = []
        ys = _cuts(self.north, self.south, rows, rng)
        for r, count in enumerate(per_row):
            xs = _cuts(self.west, self.east, count, rng)
            out += [Rect(xs[c], ys[r + 1], xs[c + 1], ys[r]) for c in range(count)]
        return out


def _cuts(start: float, end: float, parts: int, rng: random.Random) -> list[float]:
    weights = [rng.uniform(0.75, 1.25) for _ in range(parts)]
    total = sum(weights)
    cuts, acc = [start], 0.0
    for w in weights[:-1]:
        acc += w
        cuts.append(round(start + (end - start) * acc / total, 6))
    return [*cuts, end]


@dataclass
class Area:
    """One jurisdiction row before it reaches the database."""

    id: int
    code: str
    name: str
    level: str
    parent: Area | None
    rect: Rect
    children: list[Area] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"{self.parent.path}.{self.code}" if self.parent else self.code


def town_codes(district_code: str, names: list[str]) -> list[str]:
    """Admin-code style: streets 街道 number from 001, towns 镇 from 100."""
    streets = towns = 0
    codes = []
    for name in names:
        if name.endswith("街道"):
            streets += 1
            codes.append(f"{district_code}{streets:03d}")
        else:
            towns += 1
            codes.append(f"{district_code}{99 + towns:03d}")
    return codes


def build_tree(scale: str, rng: random.Random, next_id: int) -> tuple[Area, list[Area]]:
    """The city and every area under it (pre-order), with ids from `next_id` + 1."""
    ids = iter(range(next_id + 1, next_id + 1_000_000))
    city = Area(next(ids), CITY_CODE, CITY_NAME, "city", None, Rect(*CITY_BOX))
    if scale == "suzhou":
        districts = DISTRICTS
    else:
        home = next(d for d in DISTRICTS if d[0] == HOME_DISTRICT)
        districts = [(*home[:3], TAICANG_TOWNS[:2] if scale == "small" else TAICANG_TOWNS)]
    out = [city]
    for code, name, box, towns in districts:
        d = Area(next(ids), code, name, "district", city, Rect(*box))
        city.children.append(d)
        out.append(d)
        for rect, town_name, town_code in zip(
            d.rect.split(len(towns), rng), towns, town_codes(code, towns), strict=True
        ):
            t = Area(next(ids), town_code, town_name, "town", d, rect)
            d.children.append(t)
            out.append(t)
            n_grids = 2 if scale == "small" else rng.randint(15, 25)
            for i, g_rect in enumerate(rect.split(n_grids, rng), start=1):
                g = Area(
                    next(ids), f"{town_code}{i:03d}", f"{town_name}第{i}网格", "grid", t, g_rect
                )
                t.children.append(g)
                out.append(g)
    return city, out
