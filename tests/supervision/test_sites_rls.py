"""Row-level security of the sector department's writes, as the application role: it inserts
only public sites of its own sector inside its jurisdiction; it writes risk points, measures and
assessments only of its own sector's sites (never an ordinary enterprise's, even of its sector);
it adds only a root unit to a site; and another district's education bureau sees none of this
district's schools but its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from anwang.platform.principal import Principal
from tests.conftest import as_principal
from tests.supervision.operations_support import DISTRICT, sector_officer, site_of
from tests.supervision.sites_support import (
    District,
    add_other_district,
    credit_code,
    grid_of,
    remove_other_district,
    unique_name,
)
from tests.tenants.factories import committed


@pytest.fixture(scope="module")
def other(owner_url: str) -> Iterator[District]:
    with committed(owner_url) as conn:
        d = add_other_district(conn)
    yield d
    with committed(owner_url) as conn:
        remove_other_district(conn)


def insert_site(
    conn: Connection, grid: int, *, sector: str = "education", kind: str = "public_site",
    site_type: str | None = "school",
) -> int:  # fmt: skip
    return int(
        conn.execute(
            text(
                "insert into enterprise (kind, site_type, name, credit_code, industry, scale,"
                " jurisdiction_id, jurisdiction_path, sector)"
                " select :k, :t, :n, :c, '教育', 'small', j.id, j.path, :s"
                " from jurisdiction j where j.id = :g returning id"
            ),
            {"k": kind, "t": site_type, "n": unique_name(), "c": credit_code(), "s": sector,
             "g": grid},
        ).scalar_one()
    )  # fmt: skip


def root_of(conn: Connection, tenant: int) -> int:
    return int(
        conn.execute(
            text("select id from org_unit where tenant_id = :t and parent_id is null"),
            {"t": tenant},
        ).scalar_one()
    )


def insert_point(conn: Connection, tenant: int, unit: int) -> int:
    return int(
        conn.execute(
            text(
                "insert into risk_point (tenant_id, org_unit_id, name, kind, inspection_frequency,"
                " level) values (:t, :u, '配电房', 'place', 'monthly', 'general') returning id"
            ),
            {"t": tenant, "u": unit},
        ).scalar_one()
    )


def refused(conn: Connection, sql: str, **params: object) -> None:
    with (
        pytest.raises(DBAPIError, match=r"row-level security|permission denied"),
        conn.begin_nested(),
    ):
        conn.execute(text(sql), params)


def seen(conn: Connection, principal: Principal, sql: str, **params: object) -> set[int]:
    as_principal(conn, principal)
    return set(conn.execute(text(sql), params).scalars())


def test_sites_of_the_sector_only(app_db: Connection, owner_db: Connection) -> None:
    mine = set(
        owner_db.execute(
            text(
                "select id from enterprise where sector = 'education'"
                " and jurisdiction_path <@ cast(:p as ltree)"
            ),
            {"p": DISTRICT},
        ).scalars()
    )
    assert mine
    assert seen(app_db, sector_officer("education"), "select id from enterprise") == mine
    health = seen(app_db, sector_officer("health"), "select id from enterprise")
    assert health and not health & mine


def test_education_inserts_its_own_kind_of_site_in_its_district_only(
    app_db: Connection, owner_db: Connection, other: District
) -> None:
    grid = grid_of(owner_db)
    as_principal(app_db, sector_officer("education"))
    with app_db.begin_nested():
        school = insert_site(app_db, grid)
        # …and its root unit, once; no other unit.
        app_db.execute(
            text("insert into org_unit (tenant_id, name, kind) values (:t, '学校', 'company')"),
            {"t": school},
        )
        root = app_db.execute(
            text("select id from org_unit where tenant_id = :t"), {"t": school}
        ).scalar_one()
        refused(
            app_db,
            "insert into org_unit (tenant_id, parent_id, name, kind) values (:t, :p, '教学楼', 'department')",
            t=school,
            p=root,
        )
    for sector, kind, grid_id in (
        ("health", "public_site", grid),  # another sector
        ("education", "enterprise", grid),  # not a public site
        ("education", "public_site", other.grid),  # another district
    ):
        with pytest.raises(DBAPIError, match="row-level security"), app_db.begin_nested():
            insert_site(app_db, grid_id, sector=sector, kind=kind)


def test_another_districts_education_bureau_sees_only_its_own(
    app_db: Connection, other: District
) -> None:
    theirs = sector_officer("education", other.path)
    as_principal(app_db, theirs)
    with app_db.begin_nested():
        own = insert_site(app_db, other.grid)
        assert seen(app_db, theirs, "select id from enterprise") == {own}
        assert not seen(app_db, theirs, "select id from risk_point")


def test_risk_points_of_its_own_sites_only(app_db: Connection, owner_db: Connection) -> None:
    school, hospital = site_of(owner_db, "school"), site_of(owner_db, "hospital")
    industrial = owner_db.execute(
        text(
            "select min(id) from enterprise where kind = 'enterprise' and sector = 'industry'"
            " and jurisdiction_path <@ cast(:p as ltree)"
        ),
        {"p": DISTRICT},
    ).scalar_one()
    units = {t: root_of(owner_db, t) for t in (school, hospital, industrial)}
    as_principal(app_db, sector_officer("education"))
    with app_db.begin_nested():
        point = insert_point(app_db, school, units[school])
        app_db.execute(
            text(
                "insert into control_measure (tenant_id, risk_point_id, kind, content)"
                " values (:t, :p, 'management', '每月检查一次')"
            ),
            {"t": school, "p": point},
        )
        app_db.execute(
            text(
                "insert into risk_assessment (tenant_id, risk_point_id, method, l, s, score, level)"
                " values (:t, :p, 'ls', 3, 3, 9, 'general')"
            ),
            {"t": school, "p": point},
        )
        updated = app_db.execute(
            text("update risk_point set level = 'significant' where id = :p returning id"),
            {"p": point},
        )
        assert updated.scalar_one() == point
        app_db.execute(text("delete from control_measure where risk_point_id = :p"), {"p": point})
    # A hospital is health's, and a sector never writes an ordinary enterprise's points.
    with pytest.raises(DBAPIError, match="row-level security"), app_db.begin_nested():
        insert_point(app_db, hospital, units[hospital])
    as_principal(app_db, sector_officer("industry"))
    assert industrial in seen(app_db, sector_officer("industry"), "select id from enterprise")
    with pytest.raises(DBAPIError, match="row-level security"), app_db.begin_nested():
        insert_point(app_db, industrial, units[industrial])
    as_principal(app_db, sector_officer("industry"))
    changed = app_db.execute(
        text("update risk_point set level = 'low' where tenant_id = :t returning id"),
        {"t": industrial},
    )
    assert changed.all() == []
    refused(
        app_db,
        "insert into risk_assessment (tenant_id, risk_point_id, method, level)"
        " select tenant_id, id, 'direct', 'major' from risk_point where tenant_id = :t limit 1",
        t=industrial,
    )
