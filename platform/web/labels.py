"""Chinese labels for the codes stored in the database, shared by every page template."""

from __future__ import annotations

from anwang.platform.identity.service import GOV_ROLE_NAMES, TENANT_ROLE_NAMES

SECTORS: dict[str, str] = {
    "education": "教育",
    "health": "卫生健康",
    "civil_affairs": "民政",
    "religion": "民族宗教",
    "culture_tourism": "文化旅游",
    "science": "科技",
    "industry": "工业和信息化",
    "transport": "交通运输",
    "housing": "住房和城乡建设",
    "commerce": "商务",
}

SCALES: dict[str, str] = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}

STATUSES: dict[str, str] = {"active": "正常", "suspended": "停产整顿", "closed": "已关闭"}

# Fixed sites of the sector departments 联管联处 (the Taicang list in MISSION.md).
SITE_TYPES: dict[str, str] = {
    "school": "学校",
    "hospital": "医院",
    "elderly_care": "养老机构",
    "research_institute": "科研院所",
    "religious_site": "宗教场所",
    "cinema": "电影院",
}

LEVELS: dict[str, str] = {"city": "市", "district": "区/县", "town": "镇/街道", "grid": "网格"}

KINDS: dict[str, str] = {"enterprise": "企业", "public_site": "公共场所"}

ROLES: dict[str, str] = {**TENANT_ROLE_NAMES, **GOV_ROLE_NAMES}


def label(table: dict[str, str], code: str | None, default: str = "—") -> str:
    """The Chinese label of `code`, the code itself when unknown, `default` when empty."""
    if not code:
        return default
    return table.get(code, code)


class Labels:
    """What every page template receives as `L`: `L.status(e.status)`, `L.STATUSES` …"""

    SECTORS = SECTORS
    SCALES = SCALES
    STATUSES = STATUSES
    SITE_TYPES = SITE_TYPES
    LEVELS = LEVELS
    ROLES = ROLES

    @staticmethod
    def sector(code: str | None) -> str:
        return label(SECTORS, code)

    @staticmethod
    def scale(code: str | None) -> str:
        return label(SCALES, code)

    @staticmethod
    def status(code: str | None) -> str:
        return label(STATUSES, code)

    @staticmethod
    def site_type(code: str | None) -> str:
        # A row without a site type is an enterprise, not a public site.
        return label(SITE_TYPES, code, default="企业")

    @staticmethod
    def level(code: str | None) -> str:
        return label(LEVELS, code)

    @staticmethod
    def role(code: str | None) -> str:
        return label(ROLES, code)

    @staticmethod
    def kind(code: str | None) -> str:
        return label(KINDS, code)
