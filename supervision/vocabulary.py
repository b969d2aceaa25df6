"""Codes of the supervision domain and their Chinese names, for pages and documents."""

from __future__ import annotations

PATROL_KINDS: dict[str, str] = {
    "grid": "网格员巡查",
    "town": "镇（街道）监管人员巡查",
    "sector": "行业主管部门巡查",
    "self_check": "企业自查",
}

# Supervision orders 督办 (anwang.supervision.orders).
ORDER_KINDS: dict[str, str] = {"order": "督办", "listed": "挂牌督办"}
ORDER_SUBJECTS: dict[str, str] = {"hazard": "隐患", "enterprise": "企业", "task": "工作任务"}
ORDER_STATUSES: dict[str, str] = {
    "issued": "待办理",
    "responded": "已答复",
    "returned": "已退回",
    "closed": "已办结",
}
ORDER_ACTIONS: dict[str, str] = {
    "issue": "下达督办",
    "forward": "向下转办",
    "respond": "答复",
    "return": "退回",
    "close": "办结",
    "escalate": "逾期升级",
}
LISTING_LEVELS: dict[str, str] = {"city": "市级", "district": "县（区）级", "town": "镇（街道）级"}
JURISDICTION_LEVELS: dict[str, str] = {
    "city": "市",
    "district": "县（市、区）",
    "town": "镇（街道）",
    "grid": "网格",
}
