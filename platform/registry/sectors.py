"""The sectors 行业领域 a tenant can belong to, each supervised by a sector department
行业主管部门 (the 13 safety committees' members; these are the ones in use so far)."""

from __future__ import annotations

# code: short name
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

# code: name of the county-level department
SECTOR_DEPARTMENTS: dict[str, str] = {
    "education": "教育局",
    "health": "卫生健康委员会",
    "civil_affairs": "民政局",
    "religion": "民族宗教事务局",
    "culture_tourism": "文化体育和旅游局",
    "science": "科学技术局",
    "industry": "工业和信息化局",
    "transport": "交通运输局",
    "housing": "住房和城乡建设局",
    "commerce": "商务局",
}
