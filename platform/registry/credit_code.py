"""The unified social credit code 统一社会信用代码 (GB 32100-2015): 18 characters,
the last a check character over the first 17."""

from __future__ import annotations

import random

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_error(code: str) -> str | None:
    """Why `code` is not a valid credit code (in Chinese), or None if it is."""
    code = code.strip().upper()
    if len(code) != 18:
        return f"统一社会信用代码应为18位，当前为{len(code)}位"
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        return f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用 I、O、S、V、Z）"
    if not code[2:8].isdigit():
        return "统一社会信用代码第3至8位应为行政区划码（数字）"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位错误：第18位应为 {expected}，请核对"
    return None


def is_valid_credit_code(code: str) -> bool:
    return credit_code_error(code) is None


def make_credit_code(
    rng: random.Random, region_code: str = "320585", registration: str = "9", category: str = "1"
) -> str:
    """A valid code for demo data: registration authority (9 = 市场监管, 1 = 机构编制, 5 = 民政),
    category, the region, a random organisation code, and the check character."""
    org = "".join(rng.choice(ALPHABET[:10] if i < 8 else ALPHABET) for i in range(9))
    first17 = f"{registration}{category}{region_code}{org}"
    return first17 + check_character(first17)
