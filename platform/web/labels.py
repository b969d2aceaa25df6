"""Chinese labels for the codes stored in the database, shared by every page template."""

from __future__ import annotations

from anwang.platform.identity.service import GOV_ROLE_NAMES, TENANT_ROLE_NAMES
from anwang.platform.registry.sectors import SECTORS

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

# The industries offered when registering an enterprise: the demo city's vocabulary
# (platform/seed/names.py), so demo data and new records group the same way.
INDUSTRIES: tuple[str, ...] = (
    "机械制造",
    "金属制品",
    "电子",
    "塑料制品",
    "纺织",
    "服装",
    "化工",
    "危险化学品经营",
    "食品加工",
    "印刷包装",
    "家具制造",
    "建材",
    "汽车零部件",
    "生物医药",
    "仓储物流",
    "港口装卸",
    "机动车维修",
    "建筑施工",
    "物业管理",
    "汽车服务",
    "商贸零售",
    "成品油零售",
    "其他",
)

# The registry record's fields, for forms and the change history.
ENTERPRISE_FIELDS: dict[str, str] = {
    "name": "企业名称",
    "credit_code": "统一社会信用代码",
    "kind": "类型",
    "site_type": "场所类型",
    "industry": "所属行业",
    "scale": "企业规模",
    "sector": "行业主管",
    "jurisdiction_id": "所属辖区",
    "address": "详细地址",
    "legal_representative": "法定代表人",
    "lon": "经度",
    "lat": "纬度",
    "status": "经营状态",
}

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
    INDUSTRIES = INDUSTRIES
    ENTERPRISE_FIELDS = ENTERPRISE_FIELDS

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
