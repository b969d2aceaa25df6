"""Risk assessment arithmetic 风险评价: LEC, the LS matrix and direct judgement, turned into a
level with a set of thresholds. Pure functions: no database, no I/O.

Boundary rule (the defaults of MISSION.md, and any thresholds a tenant or province sets):
- LEC, D = L×E×C with thresholds {major: 320, significant: 160, general: 70}:
  D > major → 重大风险 (the major threshold itself is NOT major);
  D ≥ significant → 较大风险; D ≥ general → 一般风险; otherwise 低风险.
  So D = 320 is orange, D = 160 is orange, D = 70 is yellow, D = 69.99 is blue
  (the usual table "160–320 / 70–160 / < 70": each band includes its lower bound,
  and "> 320" excludes 320 itself).
- LS, R = L×S with thresholds {major: 20, significant: 15, general: 9}: every threshold is an
  inclusive lower bound: R ≥ 20 red, R ≥ 15 orange, R ≥ 9 yellow, otherwise blue
  (R only takes the products of 1–5, so 20–25 / 15–16 / 9–12 / ≤ 8 as in MISSION.md).
- A situation on the major-hazard criteria list (直接判定) makes the level major whatever the
  score; with the 'direct' method it is required.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from anwang.platform.errors import DomainError

METHODS = ("lec", "ls", "direct")
SCORED_METHODS = ("lec", "ls")
LEVEL_ORDER = ("major", "significant", "general", "low")
THRESHOLD_KEYS = ("major", "significant", "general")

# The values each factor may take (the published LEC tables; LS is a 5×5 matrix).
LEC_L = tuple(Decimal(v) for v in ("10", "6", "3", "1", "0.5", "0.2", "0.1"))
LEC_E = tuple(Decimal(v) for v in ("10", "6", "3", "2", "1", "0.5"))
LEC_C = tuple(Decimal(v) for v in ("100", "40", "15", "7", "3", "1"))
LS_L = tuple(Decimal(v) for v in range(1, 6))
LS_S = LS_L

# What each value means, for the forms and the template's instructions.
LEC_L_NAMES: dict[str, str] = {
    "10": "完全可以预料",
    "6": "相当可能",
    "3": "可能，但不经常",
    "1": "可能性小，完全意外",
    "0.5": "很不可能，可以设想",
    "0.2": "极不可能",
    "0.1": "实际不可能",
}
LEC_E_NAMES: dict[str, str] = {
    "10": "连续暴露",
    "6": "每天工作时间内暴露",
    "3": "每周一次或偶然暴露",
    "2": "每月一次暴露",
    "1": "每年几次暴露",
    "0.5": "非常罕见地暴露",
}
LEC_C_NAMES: dict[str, str] = {
    "100": "10人以上死亡",
    "40": "3～9人死亡",
    "15": "1～2人死亡",
    "7": "严重伤残",
    "3": "有伤残",
    "1": "轻伤，需救护",
}
LS_L_NAMES: dict[str, str] = {
    "5": "极可能发生",
    "4": "很可能发生",
    "3": "可能发生",
    "2": "较不可能发生",
    "1": "基本不可能发生",
}
LS_S_NAMES: dict[str, str] = {
    "5": "特别严重（死亡或重大损失）",
    "4": "严重（重伤或较大损失）",
    "3": "较严重（轻伤或一般损失）",
    "2": "一般（轻微伤害）",
    "1": "轻微（无伤害）",
}

DEFAULT_THRESHOLDS: dict[str, dict[str, Decimal]] = {
    "lec": {"major": Decimal(320), "significant": Decimal(160), "general": Decimal(70)},
    "ls": {"major": Decimal(20), "significant": Decimal(15), "general": Decimal(9)},
}
# The range a threshold may be set in: the lowest and highest score the method can give.
THRESHOLD_RANGE: dict[str, tuple[Decimal, Decimal]] = {
    "lec": (Decimal("0.1"), Decimal(10000)),
    "ls": (Decimal(1), Decimal(25)),
}

# Typical situations of the 2023 工贸企业重大事故隐患判定标准 (应急管理部令第10号) that make a
# risk major on sight. A person may also type a situation of their own.
MAJOR_CRITERIA: tuple[str, ...] = (
    "主要负责人、安全生产管理人员未依法经考核合格",
    "特种作业人员未按照规定经专门的安全作业培训并取得相应资格，上岗作业",
    "金属冶炼企业主要负责人、安全生产管理人员未按照规定经考核合格",
    "会议室、活动室、休息室、操作室等人员聚集场所设置在铁水、钢水、液渣吊运跨的地坪区域内",
    "粉尘爆炸危险场所设置在非框架结构的多层建（构）筑物内，或者场所内设有员工宿舍、会议室、办公室、休息室等人员聚集场所",
    "不同类别的可燃性粉尘、可燃性粉尘与可燃气体等易加剧爆炸危险的介质共用一套除尘系统",
    "干式除尘系统未采取泄爆、惰化、抑爆等任一种爆炸防控措施",
    "铝镁等金属粉尘的收集、贮存等处置环节未采取防止粉尘自燃措施",
    "包装间、分割间、产品整理间等人员较多生产场所的空调系统采用氨直接蒸发制冷",
    "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志",
    "未落实有限空间作业审批，或者未执行“先通风、再检测、后作业”要求，或者作业现场未设置监护人员",
)


@dataclass(frozen=True)
class Assessment:
    """The result of one assessment: the score (None for direct judgement) and the level."""

    method: str
    score: Decimal | None
    level: str
    major_criterion: str | None
    thresholds: dict[str, Decimal] | None


def number(value: Any, field: str, label: str) -> Decimal:
    """A factor as a Decimal; refuses anything that is not a plain finite number."""
    if isinstance(value, bool) or value is None or value == "":
        raise DomainError(f"请选择{label}", field=field)
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as e:
        raise DomainError(f"{label}应为数字", field=field) from e
    if not result.is_finite():
        raise DomainError(f"{label}应为数字", field=field)
    return result


def _allowed(value: Any, allowed: tuple[Decimal, ...], field: str, label: str) -> Decimal:
    v = number(value, field, label)
    for a in allowed:
        if v == a:
            return a
    listed = "、".join(_plain(a) for a in allowed)
    raise DomainError(f"{label}只能取 {listed}，不能是 {_plain(v)}", field=field)


def _plain(d: Decimal) -> str:
    """10, 0.5 — never 1E+1 or 10.00."""
    text = format(d.normalize(), "f")
    return text


def plain(d: Decimal | None) -> str:
    return "" if d is None else _plain(d)


def lec_score(l: Any, e: Any, c: Any) -> Decimal:  # noqa: E741
    """D = L×E×C, each from its table; any other value is refused."""
    return (
        _allowed(l, LEC_L, "l", "事故发生的可能性 L")
        * _allowed(e, LEC_E, "e", "暴露于危险环境的频繁程度 E")
        * _allowed(c, LEC_C, "c", "发生事故可能造成的后果 C")
    ).normalize()


def ls_score(l: Any, s: Any) -> Decimal:  # noqa: E741
    """R = L×S, each an integer 1–5."""
    return _allowed(l, LS_L, "l", "可能性 L") * _allowed(s, LS_S, "s", "严重性 S")


def validate_thresholds(method: str, thresholds: Mapping[str, Any]) -> dict[str, Decimal]:
    """{major, significant, general} as Decimals, strictly decreasing and within the range
    the method's scores can take; raises DomainError naming the field to fix."""
    if method not in SCORED_METHODS:
        raise DomainError("只有LEC法和LS法可以设置分级阈值", field="method")
    low, high = THRESHOLD_RANGE[method]
    names = {"major": "重大风险阈值", "significant": "较大风险阈值", "general": "一般风险阈值"}
    result: dict[str, Decimal] = {}
    for key in THRESHOLD_KEYS:
        if key not in thresholds:
            raise DomainError(f"请填写{names[key]}", field=key)
        v = number(thresholds[key], key, names[key])
        if not low <= v <= high:
            raise DomainError(f"{names[key]}应在 {_plain(low)} 到 {_plain(high)} 之间", field=key)
        result[key] = v
    if not result["major"] > result["significant"]:
        raise DomainError("重大风险阈值必须大于较大风险阈值", field="major")
    if not result["significant"] > result["general"]:
        raise DomainError("较大风险阈值必须大于一般风险阈值", field="significant")
    return result


def level_for_score(method: str, score: Decimal, thresholds: Mapping[str, Decimal]) -> str:
    """The level of a score under the boundary rule in this module's docstring."""
    if method == "lec":
        if score > thresholds["major"]:
            return "major"
    elif method == "ls":
        if score >= thresholds["major"]:
            return "major"
    else:
        raise DomainError("未知的评价方法", field="method")
    if score >= thresholds["significant"]:
        return "significant"
    if score >= thresholds["general"]:
        return "general"
    return "low"


def assess(
    method: str,
    inputs: Mapping[str, Any],
    thresholds: Mapping[str, Any] | None = None,
    *,
    major_criterion: str | None = None,
) -> Assessment:
    """Score and level of one assessment.

    `inputs`: {l, e, c} for LEC, {l, s} for LS, nothing for direct judgement.
    `thresholds`: {major, significant, general} for the method (the defaults when None).
    `major_criterion`: a situation on the major-hazard list; it makes the level major."""
    criterion = (major_criterion or "").strip() or None
    if criterion is not None and len(criterion) > 300:
        raise DomainError("重大风险判定情形不能超过300个字", field="major_criterion")
    if method == "direct":
        if criterion is None:
            raise DomainError(
                "直接判定法须选择或填写符合的重大风险判定情形", field="major_criterion"
            )
        return Assessment("direct", None, "major", criterion, None)
    if method not in SCORED_METHODS:
        raise DomainError("评价方法只能是LEC法、LS法或直接判定法", field="method")
    used = validate_thresholds(
        method, thresholds if thresholds is not None else DEFAULT_THRESHOLDS[method]
    )
    if method == "lec":
        score = lec_score(inputs.get("l"), inputs.get("e"), inputs.get("c"))
    else:
        score = ls_score(inputs.get("l"), inputs.get("s"))
    level = "major" if criterion else level_for_score(method, score, used)
    return Assessment(method, score, level, criterion, used)


def region_of(jurisdiction_path: str | None) -> str:
    """The province code of a tenant: the first two digits of its jurisdiction path's first
    label ('320500.320585…' → '32'); 'default' when there is none."""
    first = (jurisdiction_path or "").split(".", 1)[0]
    return first[:2] if len(first) >= 2 and first[:2].isdigit() else "default"


def rule_text(method: str, thresholds: Mapping[str, Decimal]) -> dict[str, str]:
    """The band of each level in words, e.g. {'major': 'D > 320', …}."""
    t = {k: _plain(Decimal(str(v))) for k, v in thresholds.items()}
    if method == "lec":
        return {
            "major": f"D > {t['major']}",
            "significant": f"{t['significant']} ≤ D ≤ {t['major']}",
            "general": f"{t['general']} ≤ D < {t['significant']}",
            "low": f"D < {t['general']}",
        }
    return {
        "major": f"R ≥ {t['major']}",
        "significant": f"{t['significant']} ≤ R < {t['major']}",
        "general": f"{t['general']} ≤ R < {t['significant']}",
        "low": f"R < {t['general']}",
    }
