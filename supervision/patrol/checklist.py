"""The government patrol checklist 巡查检查表: the same items at every enterprise and site, in
the order an inspector walks them. Codes are stored in `patrol_visit.results`; never reuse or
rename one (old visits keep them), add new ones at the end."""

from __future__ import annotations

from typing import Final

# code: (item, what the inspector looks at)
CHECKLIST: Final[dict[str, tuple[str, str]]] = {
    "responsibility": ("安全生产责任制", "主要负责人、安全管理人员和各岗位责任制建立并落实"),
    "risk_control": ("风险分级管控", "风险点清单、分级和管控措施与现场一致，告知卡上墙"),
    "hazard_ledger": ("隐患排查治理台账", "按期开展自查，隐患登记、整改、验收闭环有记录"),
    "special_operators": ("特种作业人员持证", "电工、焊工、叉车等特种作业人员持证上岗且在有效期内"),
    "fire_facilities": ("消防设施", "灭火器、消火栓、报警和喷淋设施完好有效，定期检查"),
    "exits": ("安全出口通道", "安全出口、疏散通道畅通，应急照明和疏散指示完好"),
    "chemicals": ("危险化学品储存", "专库（专柜）存放，分类隔离，数量与台账一致，标识清楚"),
    "confined_space": ("有限空间管理", "有限空间辨识、警示标识、审批和先通风再检测后作业"),
    "electrical": ("用电安全", "无私拉乱接，配电箱柜完好，漏电保护有效"),
    "emergency": ("应急预案和演练", "应急预案编制备案，按计划组织演练并有记录"),
    "training": ("安全教育培训", "三级安全教育和年度培训按要求开展，有考核记录"),
}

RESULTS: Final[dict[str, str]] = {"ok": "符合", "not_ok": "不符合", "na": "不涉及"}
