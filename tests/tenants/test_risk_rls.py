"""Row-level security of the risk tables, as the application role: a tenant sees and changes only
its own risk points, measures, assessments and thresholds; grading_rule is read-only to it; a
government principal reads the points of its jurisdiction only."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from anwang.platform.principal import Principal
from tests.conftest import as_principal
from tests.tenants.factories import committed, company, make_risk_point, tenant_of

TABLES = ("risk_point", "control_measure", "risk_assessment", "tenant_grading_rule")


def enterprise(tenant_id: int) -> Principal:
    return Principal(kind="enterprise", tenant_id=tenant_id, role="safety_manager")


@pytest.fixture(scope="module")
def two(owner_url: str) -> tuple[int, int, int, int]:
    """Two enterprises other than the demo tenant (whose thresholds other tests use), each
    with a point, a measure, an assessment and thresholds of its own; committed, so the
    application role sees them."""
    with committed(owner_url) as conn:
        demo = tenant_of(conn, "boss")
        a = conn.execute(
            text("select min(id) from enterprise where kind = 'enterprise' and id <> :d"),
            {"d": demo},
        ).scalar_one()
        # b lies in another town than a, so a town officer of a's town sees only a.
        b = conn.execute(
            text(
                "select min(e.id) from enterprise e, enterprise x where x.id = :a"
                " and e.kind = 'enterprise' and e.id <> :d"
                " and not e.jurisdiction_path <@ subpath(x.jurisdiction_path, 0, 3)"
            ),
            {"a": a, "d": demo},
        ).scalar_one()
        points = []
        for t in (a, b):
            rp = make_risk_point(conn, t, company(conn, t), name=f"RLS点{t}")
            conn.execute(
                text(
                    "insert into risk_assessment (tenant_id, risk_point_id, method, l, s, score,"
                    " level) values (:t, :rp, 'ls', 2, 2, 4, 'low')"
                ),
                {"t": t, "rp": rp},
            )
            conn.execute(
                text(
                    "insert into tenant_grading_rule (tenant_id, method, thresholds) values"
                    ' (:t, \'ls\', \'{"major": 16, "significant": 12, "general": 6}\')'
                    " on conflict do nothing"
                ),
                {"t": t},
            )
            points.append(rp)
    return a, b, points[0], points[1]


def test_each_table_shows_only_the_own_tenants_rows(
    app_db: Connection, two: tuple[int, int, int, int]
) -> None:
    a, _, mine, theirs = two
    as_principal(app_db, enterprise(a))
    for table in TABLES:
        tenants = set(app_db.execute(text(f"select distinct tenant_id from {table}")).scalars())
        assert tenants == {a}, table
    seen = app_db.execute(
        text("select id from risk_point where id in (:m, :t)"), {"m": mine, "t": theirs}
    )
    assert set(seen.scalars()) == {mine}


def test_writes_into_another_tenant_are_refused(
    app_db: Connection, two: tuple[int, int, int, int]
) -> None:
    a, b, _, theirs = two
    as_principal(app_db, enterprise(a))
    for table, where in (
        ("risk_point", f"id = {theirs}"),
        ("control_measure", f"risk_point_id = {theirs}"),
        ("risk_assessment", f"risk_point_id = {theirs}"),
        ("tenant_grading_rule", f"tenant_id = {b}"),
    ):
        assert (
            app_db.execute(text(f"update {table} set tenant_id = tenant_id where {where}")).rowcount
            == 0
        ), table
        assert app_db.execute(text(f"delete from {table} where {where}")).rowcount == 0, table
    with pytest.raises(DBAPIError, match="row-level security"), app_db.begin_nested():
        app_db.execute(
            text(
                "insert into tenant_grading_rule (tenant_id, method, thresholds)"
                " values (:b, 'lec', '{}')"
            ),
            {"b": b},
        )
    with pytest.raises(DBAPIError, match="row-level security"), app_db.begin_nested():
        app_db.execute(
            text(
                "insert into control_measure (tenant_id, risk_point_id, kind, content)"
                " values (:b, :rp, 'management', '越权写入')"
            ),
            {"b": b, "rp": theirs},
        )


def test_grading_rule_is_read_only_to_tenants(
    app_db: Connection, two: tuple[int, int, int, int]
) -> None:
    as_principal(app_db, enterprise(two[0]))
    assert (
        app_db.execute(
            text("select count(*) from grading_rule where region = 'default'")
        ).scalar_one()
        == 2
    )
    with pytest.raises(DBAPIError, match="permission denied"), app_db.begin_nested():
        app_db.execute(text("update grading_rule set thresholds = '{}'"))


def test_government_reads_the_points_of_its_jurisdiction_only(
    owner_db: Connection, app_db: Connection, two: tuple[int, int, int, int]
) -> None:
    a, _, mine, theirs = two
    town = owner_db.execute(
        text("select subpath(jurisdiction_path, 0, 3)::text from enterprise where id = :a"),
        {"a": a},
    ).scalar_one()
    as_principal(app_db, Principal(kind="gov", scope=town, role="officer"))
    seen = set(
        app_db.execute(
            text("select id from risk_point where id in (:m, :t)"), {"m": mine, "t": theirs}
        ).scalars()
    )
    assert seen == {mine}
    with pytest.raises(DBAPIError, match="permission denied"), app_db.begin_nested():
        app_db.execute(text("update risk_point set name = 'x' where id = :m"), {"m": mine})
