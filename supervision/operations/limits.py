"""Kinds, grades and validity limits of dangerous-operation permits 危险作业安全作业票
(GB 30871-2022 《危险化学品企业特殊作业安全规范》), one place for the service, the pages and
the demo seed.

The standard fixes the validity of hot-work permits (特级、一级 ≤ 8 h, 二级 ≤ 72 h) and of
confined-space permits (≤ 24 h). For lifting 吊装 and work at height 高处 we apply a cap of our
own (default 24 h, one permit per job and day), clearly labelled as ours in the UI; set
ANWANG_OPERATION_LIFTING_MAX_HOURS / ANWANG_OPERATION_HEIGHT_MAX_HOURS to change it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Kind = Literal["confined_space", "hot_work", "lifting", "work_at_height"]

# The four kinds the Taicang practice manages online, in the order the pages list them.
KINDS: dict[str, str] = {
    "confined_space": "受限空间（有限空间）作业",
    "hot_work": "动火作业",
    "lifting": "吊装作业",
    "work_at_height": "高处作业",
}
KIND_SHORT: dict[str, str] = {
    "confined_space": "受限空间",
    "hot_work": "动火",
    "lifting": "吊装",
    "work_at_height": "高处",
}

# Grades per kind (code → Chinese). Confined space has no grades in the standard.
# Hot work: 特级/一级/二级 (GB 30871-2022 §5.1). Lifting by the mass m of the load
# (§9.1): 一级 m > 100 t, 二级 40 t ≤ m ≤ 100 t, 三级 m < 40 t. Work at height by the height h
# (§8.1, grading of GB/T 3608): Ⅰ级 2 m ≤ h ≤ 5 m, Ⅱ级 5–15 m, Ⅲ级 15–30 m, Ⅳ级 h > 30 m.
GRADES: dict[str, dict[str, str]] = {
    "confined_space": {},
    "hot_work": {"special": "特级动火", "first": "一级动火", "second": "二级动火"},
    "lifting": {
        "first": "一级吊装（m＞100 t）",
        "second": "二级吊装（40 t≤m≤100 t）",
        "third": "三级吊装（m＜40 t）",
    },
    "work_at_height": {
        "first": "Ⅰ级高处（2 m≤h≤5 m）",
        "second": "Ⅱ级高处（5 m＜h≤15 m）",
        "third": "Ⅲ级高处（15 m＜h≤30 m）",
        "fourth": "Ⅳ级高处（h＞30 m）",
    },
}

# Kinds whose permit needs a gas analysis 气体分析 before the start.
GAS_TEST_KINDS: frozenset[str] = frozenset({"confined_space", "hot_work"})

# A report must come before the start; this much clock skew between the reporter's device and
# the server is tolerated.
START_SKEW = timedelta(minutes=5)
# Reports further ahead than this are almost certainly a mistyped year.
MAX_LEAD = timedelta(days=90)

DEFAULT_OWN_CAP_HOURS = 24


@dataclass(frozen=True)
class Limit:
    """The longest validity of one permit, and where the figure comes from."""

    hours: int
    from_standard: bool
    basis: str  # Chinese, shown beside the figure

    @property
    def span(self) -> timedelta:
        return timedelta(hours=self.hours)


def _own_cap(env: str) -> int:
    raw = os.environ.get(env, "").strip()
    if raw.isdigit() and 0 < int(raw) <= 24 * 30:
        return int(raw)
    return DEFAULT_OWN_CAP_HOURS


def limit_for(kind: str, grade: str | None) -> Limit:
    """The validity cap of a permit of this kind and grade (KeyError for unknown codes)."""
    if kind == "hot_work":
        if grade in ("special", "first"):
            return Limit(8, True, "GB 30871-2022：特级、一级动火安全作业票有效期不超过8小时")
        if grade == "second":
            return Limit(72, True, "GB 30871-2022：二级动火安全作业票有效期不超过72小时")
        raise KeyError(grade)
    if kind == "confined_space":
        return Limit(24, True, "GB 30871-2022：受限空间安全作业票有效期不超过24小时")
    if kind == "lifting":
        if grade not in GRADES["lifting"]:
            raise KeyError(grade)
        hours = _own_cap("ANWANG_OPERATION_LIFTING_MAX_HOURS")
        return Limit(hours, False, f"本系统默认上限{hours}小时（非标准规定，可配置）")
    if kind == "work_at_height":
        if grade not in GRADES["work_at_height"]:
            raise KeyError(grade)
        hours = _own_cap("ANWANG_OPERATION_HEIGHT_MAX_HOURS")
        return Limit(hours, False, f"本系统默认上限{hours}小时（非标准规定，可配置）")
    raise KeyError(kind)


def max_validity(kind: str, grade: str | None) -> timedelta:
    return limit_for(kind, grade).span


def window_problem(
    kind: str, grade: str | None, valid_from: datetime, valid_to: datetime, now: datetime
) -> tuple[str, str] | None:
    """Why this validity window is refused, as (field, Chinese message), or None if it is fine.

    The caller has checked that kind and grade are known."""
    if valid_to <= valid_from:
        return "valid_to", "有效期截止时间必须晚于开始时间"
    if valid_from < now - START_SKEW:
        return "valid_from", "危险作业须在开始前报备：开始时间不能早于当前时间"
    if valid_from > now + MAX_LEAD:
        return "valid_from", "开始时间超过90天之后，请核对日期"
    limit = limit_for(kind, grade)
    if valid_to - valid_from > limit.span:
        return "valid_to", f"有效期超过上限{limit.hours}小时（{limit.basis}）"
    return None
