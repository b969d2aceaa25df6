"""The grading arithmetic at every threshold boundary, for both scored methods, direct
judgement, custom thresholds, and every kind of refused input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from anwang.platform.errors import DomainError
from anwang.tenants.risk.grading import (
    DEFAULT_THRESHOLDS,
    LEC_C,
    LEC_E,
    LEC_L,
    assess,
    level_for_score,
    region_of,
    rule_text,
    validate_thresholds,
)

LEC = DEFAULT_THRESHOLDS["lec"]
LS = DEFAULT_THRESHOLDS["ls"]


@pytest.mark.parametrize(
    ("score", "level"),
    [
        ("10000", "major"),
        ("320.01", "major"),
        ("320", "significant"),  # "> 320": the threshold itself is not major
        ("319.99", "significant"),
        ("160", "significant"),  # 160–320 includes 160
        ("159.99", "general"),
        ("70", "general"),  # 70–160 includes 70
        ("69.99", "low"),
        ("0.1", "low"),
    ],
)
def test_lec_default_boundaries(score: str, level: str) -> None:
    assert level_for_score("lec", Decimal(score), LEC) == level


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (25, "major"),
        (20, "major"),
        (19, "significant"),
        (16, "significant"),
        (15, "significant"),
        (14, "general"),
        (12, "general"),
        (9, "general"),
        (8, "low"),
        (1, "low"),
    ],
)
def test_ls_default_boundaries(score: int, level: str) -> None:
    assert level_for_score("ls", Decimal(score), LS) == level


@pytest.mark.parametrize(
    ("l", "e", "c", "score", "level"),
    [
        ("10", "10", "100", "10000", "major"),
        ("6", "6", "15", "540", "major"),
        ("3", "6", "40", "720", "major"),
        ("6", "6", "7", "252", "significant"),
        ("3", "6", "15", "270", "significant"),
        ("6", "2", "15", "180", "significant"),
        ("3", "10", "7", "210", "significant"),
        ("1", "10", "15", "150", "general"),
        ("1", "10", "7", "70", "general"),  # exactly on the lower boundary of yellow
        ("10", "1", "7", "70", "general"),
        ("3", "3", "7", "63", "low"),
        ("0.5", "1", "1", "0.5", "low"),
        ("0.1", "0.5", "1", "0.05", "low"),
    ],
)
def test_lec_products_and_levels(l: str, e: str, c: str, score: str, level: str) -> None:  # noqa: E741
    result = assess("lec", {"l": l, "e": e, "c": c})
    assert result.score == Decimal(score)
    assert result.level == level
    assert result.thresholds == LEC


def test_every_lec_combination_gets_the_level_of_its_band() -> None:
    for lv in LEC_L:
        for ev in LEC_E:
            for cv in LEC_C:
                d = lv * ev * cv
                expected = (
                    "major"
                    if d > 320
                    else "significant"
                    if d >= 160
                    else "general"
                    if d >= 70
                    else "low"
                )
                assert assess("lec", {"l": lv, "e": ev, "c": cv}).level == expected, d


@pytest.mark.parametrize(
    ("l", "s", "level"),
    [
        (5, 5, "major"),
        (4, 5, "major"),  # 20
        (5, 4, "major"),
        (4, 4, "significant"),  # 16
        (3, 5, "significant"),  # 15
        (3, 4, "general"),  # 12
        (3, 3, "general"),  # 9
        (2, 4, "low"),  # 8
        (1, 1, "low"),
    ],
)
def test_ls_matrix(l: int, s: int, level: str) -> None:  # noqa: E741
    result = assess("ls", {"l": l, "s": s})
    assert result.score == l * s and result.level == level


def test_custom_thresholds_move_the_bands_with_the_same_rule() -> None:
    t = {"major": 360, "significant": 180, "general": 90}
    assert assess("lec", {"l": 6, "e": 6, "c": 15}, t).level == "major"  # 540
    # 360 = 3×3×40 equals the major threshold: not above it, so significant.
    assert assess("lec", {"l": 3, "e": 3, "c": 40}, t).level == "significant"
    assert assess("lec", {"l": 6, "e": 2, "c": 15}, t).level == "significant"  # 180 = threshold
    assert assess("lec", {"l": 6, "e": 1, "c": 15}, t).level == "general"  # 90 = threshold
    assert assess("lec", {"l": 6, "e": 2, "c": 7}, t).level == "low"  # 84
    ls = {"major": 16, "significant": 12, "general": 6}
    assert assess("ls", {"l": 4, "s": 4}, ls).level == "major"
    assert assess("ls", {"l": 3, "s": 4}, ls).level == "significant"
    assert assess("ls", {"l": 2, "s": 3}, ls).level == "general"
    assert assess("ls", {"l": 1, "s": 5}, ls).level == "low"


def test_direct_judgement_is_major_and_needs_a_situation() -> None:
    result = assess(
        "direct", {}, major_criterion="干式除尘系统未采取泄爆、惰化、抑爆等任一种爆炸防控措施"
    )
    assert result.level == "major" and result.score is None
    with pytest.raises(DomainError) as e:
        assess("direct", {}, major_criterion="  ")
    assert e.value.field == "major_criterion"


def test_a_major_situation_overrides_a_low_score() -> None:
    result = assess("lec", {"l": "0.1", "e": "0.5", "c": "1"}, major_criterion="自行填写的重大情形")
    assert result.level == "major" and result.score == Decimal("0.05")
    result = assess("ls", {"l": 1, "s": 1}, major_criterion="有限空间作业现场未设置监护人员")
    assert result.level == "major" and result.score == 1


@pytest.mark.parametrize(
    ("inputs", "field", "words"),
    [
        ({"l": 2, "e": 6, "c": 15}, "l", "L只能取 10、6、3、1、0.5、0.2、0.1，不能是 2"),
        ({"l": 6, "e": 4, "c": 15}, "e", "不能是 4"),
        ({"l": 6, "e": 6, "c": 10}, "c", "不能是 10"),
        ({"l": 6, "e": 6}, "c", "请选择"),
        ({"l": "abc", "e": 6, "c": 15}, "l", "应为数字"),
        ({"l": "NaN", "e": 6, "c": 15}, "l", "应为数字"),
        ({"l": True, "e": 6, "c": 15}, "l", "请选择"),
        ({"l": -6, "e": 6, "c": 15}, "l", "不能是 -6"),
    ],
)
def test_lec_refuses_values_off_the_tables(inputs: dict, field: str, words: str) -> None:
    with pytest.raises(DomainError) as e:
        assess("lec", inputs)
    assert e.value.field == field and words in e.value.message


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"l": 0, "s": 3}, "l"),
        ({"l": 6, "s": 3}, "l"),
        ({"l": 3, "s": 2.5}, "s"),
        ({"l": 3}, "s"),
    ],
)
def test_ls_refuses_values_outside_one_to_five(inputs: dict, field: str) -> None:
    with pytest.raises(DomainError) as e:
        assess("ls", inputs)
    assert e.value.field == field


def test_unknown_method_is_refused() -> None:
    with pytest.raises(DomainError) as e:
        assess("jha", {})
    assert e.value.field == "method"


@pytest.mark.parametrize(
    ("method", "t", "field"),
    [
        ("lec", {"major": 160, "significant": 160, "general": 70}, "major"),
        ("lec", {"major": 320, "significant": 70, "general": 160}, "significant"),
        ("lec", {"major": 20000, "significant": 160, "general": 70}, "major"),
        ("lec", {"major": 320, "significant": 160, "general": 0}, "general"),
        ("lec", {"major": 320, "significant": 160}, "general"),
        ("ls", {"major": 26, "significant": 15, "general": 9}, "major"),
        ("ls", {"major": 20, "significant": 20, "general": 9}, "major"),
        ("ls", {"major": 20, "significant": "x", "general": 9}, "significant"),
        ("direct", {"major": 20, "significant": 15, "general": 9}, "method"),
    ],
)
def test_thresholds_must_be_strictly_decreasing_and_in_range(
    method: str, t: dict, field: str
) -> None:
    with pytest.raises(DomainError) as e:
        validate_thresholds(method, t)
    assert e.value.field == field


def test_region_is_the_province_code_of_the_jurisdiction() -> None:
    assert region_of("320500.320585.320585100") == "32"
    assert region_of("110000") == "11"
    assert region_of("") == "default"
    assert region_of(None) == "default"
    assert region_of("x1") == "default"


def test_rule_text_states_the_boundaries() -> None:
    assert rule_text("lec", LEC) == {
        "major": "D > 320",
        "significant": "160 ≤ D ≤ 320",
        "general": "70 ≤ D < 160",
        "low": "D < 70",
    }
    assert rule_text("ls", LS)["major"] == "R ≥ 20"
