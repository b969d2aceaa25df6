"""Codes of the supervision domain and their Chinese names, for pages and documents."""

from __future__ import annotations

PATROL_KINDS: dict[str, str] = {
    "grid": "网格员巡查",
    "town": "镇（街道）监管人员巡查",
    "sector": "行业主管部门巡查",
    "self_check": "企业自查",
}
