"""Validity limits of dangerous-operation permits at their boundaries, per kind and grade
(GB 30871-2022: 特级/一级动火 ≤ 8 h, 二级动火 ≤ 72 h, 受限空间 ≤ 24 h; lifting and height by
our own labelled default), the report-before-start rule with its clock-skew allowance, the
gas analysis, and the database's own check of the standard's caps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from anwang.supervision.operations import limits, service
from anwang.supervision.operations.schemas import GasTest, OperationCreate
from tests.supervision.operations_support import TOWN, enterprise_in, insert_operation

NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 14:00 in Beijing
GOOD_GAS = GasTest(o2=Decimal("20.8"), flammable=Decimal(0), tested_at=NOW, tester="李分析")


def report(
    kind: str, grade: str | None, *, start: timedelta, hours: float, **kw: object
) -> OperationCreate:
    valid_from = NOW + start
    values: dict[str, object] = {
        "kind": kind,
        "grade": grade,
        "permit_no": "DH-1",
        "location": "二号车间",
        "content": "管道焊接",
        "supervisor": "张监护",
        "gas_test": GOOD_GAS if kind in limits.GAS_TEST_KINDS else None,
        "valid_from": valid_from,
        "valid_to": valid_from + timedelta(hours=hours),
        **kw,
    }
    return OperationCreate.model_validate(values)


def errors_of(data: OperationCreate) -> dict[str, str]:
    return service.check(data, NOW)[1]


CAPS = [
    ("hot_work", "special", 8, True),
    ("hot_work", "first", 8, True),
    ("hot_work", "second", 72, True),
    ("confined_space", None, 24, True),
    ("lifting", "first", limits.DEFAULT_OWN_CAP_HOURS, False),
    ("lifting", "third", limits.DEFAULT_OWN_CAP_HOURS, False),
    ("work_at_height", "first", limits.DEFAULT_OWN_CAP_HOURS, False),
    ("work_at_height", "fourth", limits.DEFAULT_OWN_CAP_HOURS, False),
]


@pytest.mark.parametrize(("kind", "grade", "hours", "standard"), CAPS)
def test_validity_up_to_the_cap_is_accepted_and_a_minute_more_refused(
    kind: str, grade: str | None, hours: int, standard: bool
) -> None:
    lim = limits.limit_for(kind, grade)
    assert (lim.hours, lim.from_standard) == (hours, standard)
    assert ("GB 30871-2022" in lim.basis) == standard
    assert errors_of(report(kind, grade, start=timedelta(minutes=10), hours=hours)) == {}
    over = errors_of(report(kind, grade, start=timedelta(minutes=10), hours=hours + 1 / 60))
    assert set(over) == {"valid_to"}
    assert f"{hours}小时" in over["valid_to"]


def test_our_own_caps_for_lifting_and_height_are_configurable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANWANG_OPERATION_LIFTING_MAX_HOURS", "12")
    assert limits.limit_for("lifting", "second").hours == 12
    assert limits.limit_for("work_at_height", "second").hours == limits.DEFAULT_OWN_CAP_HOURS
    assert errors_of(report("lifting", "second", start=timedelta(hours=1), hours=12)) == {}
    assert "valid_to" in errors_of(report("lifting", "second", start=timedelta(hours=1), hours=13))
    monkeypatch.setenv("ANWANG_OPERATION_LIFTING_MAX_HOURS", "not a number")
    assert limits.limit_for("lifting", "second").hours == limits.DEFAULT_OWN_CAP_HOURS


def test_a_start_in_the_past_is_refused_beyond_the_clock_skew() -> None:
    skew = limits.START_SKEW
    assert errors_of(report("hot_work", "second", start=-skew, hours=2)) == {}
    late = errors_of(report("hot_work", "second", start=-skew - timedelta(seconds=1), hours=2))
    assert set(late) == {"valid_from"}
    assert "开始前报备" in late["valid_from"]
    assert "valid_from" in errors_of(
        report("hot_work", "second", start=-timedelta(days=1), hours=2)
    )


def test_end_before_start_and_far_future_are_refused() -> None:
    assert "valid_to" in errors_of(report("lifting", "first", start=timedelta(hours=2), hours=0))
    far = errors_of(report("lifting", "first", start=limits.MAX_LEAD + timedelta(hours=1), hours=2))
    assert set(far) == {"valid_from"}


def test_times_without_a_zone_are_beijing_time() -> None:
    # 14:30 Beijing is 06:30 UTC: half an hour after NOW, so not in the past.
    data = report("hot_work", "first", start=timedelta(0), hours=1)
    data.valid_from = datetime(2026, 11, 24, 14, 30)
    data.valid_to = datetime(2026, 11, 24, 22, 30)
    assert errors_of(data) == {}
    data.valid_to = datetime(2026, 11, 24, 22, 31)
    assert set(errors_of(data)) == {"valid_to"}


@pytest.mark.parametrize(
    ("kind", "grade", "field"),
    [
        ("hot_work", None, "grade"),
        ("hot_work", "third", "grade"),
        ("lifting", "special", "grade"),
        ("work_at_height", "fifth", "grade"),
        ("blasting", None, "kind"),
    ],
)
def test_grades_belong_to_their_kind(kind: str, grade: str | None, field: str) -> None:
    assert field in errors_of(report(kind, grade, start=timedelta(hours=1), hours=1))


def test_confined_space_has_no_grade_and_ignores_one_given() -> None:
    clean, errors = service.check(
        report("confined_space", "first", start=timedelta(hours=1), hours=2), NOW
    )
    assert errors == {} and clean["grade"] is None


def test_gas_readings_outside_the_limits_are_refused_and_lifting_needs_none() -> None:
    bad = GasTest(o2=Decimal("18.0"), flammable=Decimal(12), tested_at=NOW)
    errors = errors_of(
        report("confined_space", None, start=timedelta(hours=1), hours=2, gas_test=bad)
    )
    assert {"gas_test.o2", "gas_test.flammable"} <= set(errors)
    rich = GasTest(o2=Decimal("23.6"), flammable=Decimal("9.9"), tested_at=NOW)
    errors = errors_of(
        report("hot_work", "first", start=timedelta(hours=1), hours=2, gas_test=rich)
    )
    assert set(errors) == {"gas_test.o2"}
    # No analysis yet at the report: allowed, it is required at the start.
    assert (
        errors_of(report("hot_work", "first", start=timedelta(hours=1), hours=2, gas_test=None))
        == {}
    )
    clean, errors = service.check(
        report("lifting", "first", start=timedelta(hours=1), hours=2, gas_test=GOOD_GAS), NOW
    )
    assert errors == {} and clean["gas_test"] is None


def test_required_texts_are_named_in_chinese() -> None:
    errors = errors_of(
        report("lifting", "first", start=timedelta(hours=1), hours=2, permit_no=" ", supervisor="")
    )
    assert errors["permit_no"] == "请填写作业票编号"
    assert errors["supervisor"] == "请填写监护人"


@pytest.mark.parametrize(
    ("kind", "grade", "hours"),
    [("hot_work", "first", 8.5), ("hot_work", "special", 9), ("hot_work", "second", 73),
     ("confined_space", None, 25)],
)  # fmt: skip
def test_the_database_refuses_permits_beyond_the_standard(
    owner_db: Connection, kind: str, grade: str | None, hours: float
) -> None:
    tenant = enterprise_in(owner_db, TOWN)
    with (
        pytest.raises(IntegrityError, match="dangerous_operation_validity"),
        owner_db.begin_nested(),
    ):
        insert_operation(owner_db, tenant, kind=kind, grade=grade, hours=hours)
    insert_operation(owner_db, tenant, kind=kind, grade=grade, hours=int(hours) - 1)


def test_the_database_refuses_a_grade_of_another_kind(owner_db: Connection) -> None:
    tenant = enterprise_in(owner_db, TOWN)
    with pytest.raises(IntegrityError, match="dangerous_operation_grade"), owner_db.begin_nested():
        insert_operation(owner_db, tenant, kind="confined_space", grade="first", hours=2)
