"""The dual prevention vocabulary: codes stored in the database and their Chinese names,
shared by every part of the enterprise domain, the seed and the pages."""

from __future__ import annotations

# Risk levels 风险等级 and their colours (四色).
LEVELS: dict[str, str] = {
    "major": "重大风险",
    "significant": "较大风险",
    "general": "一般风险",
    "low": "低风险",
}
LEVEL_COLOURS: dict[str, str] = {
    "major": "red",
    "significant": "orange",
    "general": "yellow",
    "low": "blue",
}
COLOUR_NAMES: dict[str, str] = {"red": "红", "orange": "橙", "yellow": "黄", "blue": "蓝"}

# Graded control 分级管控: the unit level that controls a risk of each level by default.
CONTROL_LEVELS: dict[str, str] = {
    "company": "公司级",
    "department": "部门级",
    "workshop": "车间/班组级",
    "post": "岗位级",
}
DEFAULT_CONTROL_LEVEL: dict[str, str] = {
    "major": "company",
    "significant": "department",
    "general": "workshop",
    "low": "post",
}

ASSESSMENT_METHODS: dict[str, str] = {
    "lec": "作业条件危险性分析法（LEC）",
    "ls": "风险矩阵法（LS）",
    "direct": "直接判定法",
}

# GB/T 13861-2022, top level.
HAZARD_FACTORS: dict[str, str] = {
    "human": "人的因素",
    "thing": "物的因素",
    "environment": "环境因素",
    "management": "管理因素",
}

# GB 6441-1986, the 20 accident types, in the standard's order.
ACCIDENT_TYPES: dict[str, str] = {
    "struck_by_object": "物体打击",
    "vehicle": "车辆伤害",
    "machinery": "机械伤害",
    "lifting": "起重伤害",
    "electric_shock": "触电",
    "drowning": "淹溺",
    "scald_burn": "灼烫",
    "fire": "火灾",
    "fall_from_height": "高处坠落",
    "collapse": "坍塌",
    "roof_fall": "冒顶片帮",
    "water_inrush": "透水",
    "blasting": "放炮",
    "explosive_explosion": "火药爆炸",
    "gas_explosion": "瓦斯爆炸",
    "boiler_explosion": "锅炉爆炸",
    "vessel_explosion": "容器爆炸",
    "other_explosion": "其他爆炸",
    "poisoning_asphyxiation": "中毒和窒息",
    "other_injury": "其他伤害",
}

CONTROL_MEASURE_KINDS: dict[str, str] = {
    "engineering": "工程技术措施",
    "management": "管理措施",
    "training": "培训教育措施",
    "ppe": "个体防护措施",
    "emergency": "应急处置措施",
}

RISK_POINT_KINDS: dict[str, str] = {
    "equipment": "设备设施",
    "activity": "作业活动",
    "place": "作业场所",
    "post": "岗位",
}

FREQUENCIES: dict[str, str] = {
    "shift": "每班",
    "daily": "每日",
    "weekly": "每周",
    "monthly": "每月",
    "quarterly": "每季度",
    "yearly": "每年",
}

ORG_UNIT_KINDS: dict[str, str] = {
    "company": "公司",
    "department": "部门",
    "workshop": "车间",
    "team": "班组",
    "post": "岗位",
}
UNIT_DUTIES: dict[str, str] = {"head": "负责人", "deputy": "分管负责人", "safety_officer": "安全员"}

CHECKLIST_KINDS: dict[str, str] = {
    "routine": "日常排查",
    "comprehensive": "月度综合检查",
    "special": "专项检查",
}
TASK_STATUSES: dict[str, str] = {"pending": "待检查", "done": "已完成", "missed": "已逾期未检"}
CHECK_RESULTS: dict[str, str] = {"ok": "符合", "not_ok": "不符合", "na": "不适用"}

HAZARD_SOURCES: dict[str, str] = {
    "check": "排查发现",
    "report": "随手拍",
    "patrol": "网格巡查",
    "spot_check": "监管抽查",
}
HAZARD_TIERS: dict[str, str] = {
    "on_spot": "现场整改",
    "general": "一般隐患",
    "major": "重大隐患",
}
HAZARD_STATES: dict[str, str] = {
    "reported": "已上报",
    "confirmed": "已确认",
    "rejected": "不是隐患",
    "rectifying": "整改中",
    "awaiting_acceptance": "待验收",
    "closed": "已销号",
}
# The five implementations 五落实 of a major hazard.
FIVE_IMPLEMENTATIONS: dict[str, str] = {
    "responsibility": "责任落实",
    "measures": "措施落实",
    "funds": "资金落实",
    "deadline": "时限落实",
    "emergency_plan": "应急预案落实",
}

CERTIFICATE_KINDS: dict[str, str] = {
    "safety_licence": "安全生产许可证",
    "special_operation": "特种作业操作证",
    "standardisation": "安全生产标准化等级",
    "other": "其他证照",
}

# Reminders and alarms 提醒报警, raised by the scheduled jobs (table alarm).
ALARM_KINDS: dict[str, str] = {
    "certificate_expiring": "证照即将到期",
    "certificate_expired": "证照已过期",
    "inspection_due": "设备即将到期检验",
    "inspection_overdue": "设备检验逾期",
    "end_of_life": "设备使用年限",
    "hazard_overdue": "隐患整改逾期",
    "task_overdue": "排查任务逾期",
    # supervision orders addressed to the enterprise (raised by the supervision domain's job)
    "order_received": "收到督办",
    "order_overdue": "督办逾期",
}
ALARM_SEVERITIES: dict[str, str] = {"alarm": "报警", "reminder": "提醒"}
EQUIPMENT_STATUSES: dict[str, str] = {"in_use": "在用", "stopped": "停用", "scrapped": "报废"}
