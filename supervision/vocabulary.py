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

# Online spot checks 线上抽查 (anwang.supervision.spot_checks).
SPOT_CHECK_STATUSES: dict[str, str] = {
    "reviewing": "检查中",
    "done": "待公布",
    "published": "已公布",
}
SPOT_CHECK_VERDICTS: dict[str, str] = {"pass": "合格", "fail": "不合格"}
SPOT_CHECK_ITEMS: dict[str, str] = {
    "self_check": "月度综合自查",
    "rectification": "隐患整改",
    "daily_photos": "每日检查拍照",
    "other": "其他",
}
SPOT_CHECK_ACTIONS: dict[str, str] = {
    "none": "仅记录",
    "hazard": "登记为隐患，交企业整改",
    "order": "下达督办",
}
SPOT_CHECK_ALGORITHMS: dict[str, str] = {
    "python-random-sample-v1": "Python random.Random(种子).sample，检查人员按同一随机序列轮派",
}

# Fixed sites of the sector departments 联管联处 (anwang.supervision.sites): the sector whose
# department registers and supervises each site type, and the industry on a new site's record.
SITE_TYPE_SECTORS: dict[str, str] = {
    "school": "education",
    "hospital": "health",
    "elderly_care": "civil_affairs",
    "research_institute": "science",
    "religious_site": "religion",
    "cinema": "culture_tourism",
}
SITE_TYPE_INDUSTRIES: dict[str, str] = {
    "school": "教育",
    "hospital": "卫生",
    "elderly_care": "养老服务",
    "research_institute": "科学研究和技术服务",
    "religious_site": "宗教活动场所",
    "cinema": "电影放映",
}

# Dangerous operations 危险作业 (anwang.supervision.operations; the kinds, grades and validity
# limits of GB 30871-2022 live in its limits module).
OPERATION_STATUSES: dict[str, str] = {
    "reported": "已报备",
    "active": "作业中",
    "finished": "已完成",
    "cancelled": "已取消",
}
