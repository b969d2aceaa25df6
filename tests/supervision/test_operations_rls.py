"""Row-level security of dangerous_operation, as the application role: an enterprise reads and
writes only its own permits (and never deletes one); a town officer reads its town's, not
another town's; the district reads both; a sector department reads its sector's sites only;
government principals write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from anwang.platform.principal import SYSTEM, Principal
from tests.conftest import as_principal
from tests.supervision.operations_support import (
    DISTRICT,
    OTHER_TOWN,
    TOWN,
    enterprise_in,
    enterprise_principal,
    insert_operation,
    officer,
    sector_officer,
    site_of,
)
from tests.tenants.factories import committed


@dataclass(frozen=True)
class Permits:
    tenant: int  # the demo town's enterprise
    other_tenant: int  # an enterprise of another town
    own: int
    other_town: int
    school: int
    hospital: int

    @property
    def all(self) -> set[int]:
        return {self.own, self.other_town, self.school, self.hospital}


@pytest.fixture(scope="module")
def permits(owner_url: str) -> Iterator[Permits]:
    with committed(owner_url) as conn:
        tenant = enterprise_in(conn, TOWN)
        other = enterprise_in(conn, OTHER_TOWN)
        p = Permits(
            tenant,
            other,
            insert_operation(conn, tenant),
            insert_operation(conn, other, kind="lifting", grade="third"),
            insert_operation(conn, site_of(conn, "school"), kind="confined_space", grade=None),
            insert_operation(conn, site_of(conn, "hospital"), kind="work_at_height"),
        )
    yield p
    with committed(owner_url) as conn:
        conn.execute(text("delete from dangerous_operation where id = any(:i)"), {"i": list(p.all)})


def visible(conn: Connection, principal: Principal, ids: set[int]) -> set[int]:
    as_principal(conn, principal)
    rows = conn.execute(
        text("select id from dangerous_operation where id = any(:i)"), {"i": sorted(ids)}
    )
    return set(rows.scalars())


def test_an_enterprise_reads_only_its_own(app_db: Connection, permits: Permits) -> None:
    p = enterprise_principal(permits.tenant)
    assert visible(app_db, p, permits.all) == {permits.own}


def test_a_town_reads_its_town_and_the_district_both(app_db: Connection, permits: Permits) -> None:
    town = visible(app_db, officer(TOWN), permits.all)
    assert permits.own in town and permits.other_town not in town
    other = visible(app_db, officer(OTHER_TOWN), permits.all)
    assert permits.other_town in other and permits.own not in other
    assert visible(app_db, officer(DISTRICT), permits.all) == permits.all
    assert visible(app_db, SYSTEM, permits.all) == permits.all


def test_a_sector_reads_its_own_sector_only(app_db: Connection, permits: Permits) -> None:
    assert visible(app_db, sector_officer("education"), permits.all) == {permits.school}
    assert visible(app_db, sector_officer("health"), permits.all) == {permits.hospital}
    # The education bureau of another district sees none of this district's schools.
    assert visible(app_db, sector_officer("education", "320500.999999"), permits.all) == set()


def test_an_enterprise_writes_its_own_but_never_deletes(
    app_db: Connection, permits: Permits
) -> None:
    as_principal(app_db, enterprise_principal(permits.tenant))
    with app_db.begin_nested():
        insert_operation(app_db, permits.tenant, kind="lifting", grade="first")
    with pytest.raises(DBAPIError, match="row-level security"), app_db.begin_nested():
        insert_operation(app_db, permits.other_tenant, kind="lifting", grade="first")
    updated = app_db.execute(
        text("update dangerous_operation set measures = 'x' where id = any(:i) returning id"),
        {"i": sorted(permits.all)},
    )
    assert set(updated.scalars()) == {permits.own}
    with pytest.raises(DBAPIError, match="permission denied"), app_db.begin_nested():
        app_db.execute(text("delete from dangerous_operation where id = :i"), {"i": permits.own})


@pytest.mark.parametrize("principal", [officer(TOWN), officer(DISTRICT), sector_officer()])
def test_government_principals_write_nothing(
    app_db: Connection, permits: Permits, principal: Principal
) -> None:
    as_principal(app_db, principal)
    with pytest.raises(DBAPIError, match="permission denied"), app_db.begin_nested():
        app_db.execute(
            text("update dangerous_operation set status = 'cancelled' where id = :i"),
            {"i": permits.own},
        )
    with pytest.raises(DBAPIError, match="permission denied"), app_db.begin_nested():
        insert_operation(app_db, permits.tenant)
