"""Row-level security of spot_check, spot_check_target and spot_check_finding as the
application role: a town sees its own draws and none of another town's, the district sees
both, a sector department only its sector's, a grid inspector no draw, an enterprise its own
rows and its draw only once published (without the population or the seed); nobody writes
outside their scope."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from anwang.platform.principal import Principal
from tests.conftest import as_principal
from tests.supervision.support import gov_principal


@dataclass(frozen=True)
class Place:
    officer: Principal
    tenant: int  # an active enterprise (industry sector) of the place
    jurisdiction_id: int


def _place(conn: Connection, p: Principal, sector: str | None = None) -> Place:
    row = conn.execute(
        text(
            "select e.id, j.id as jid from enterprise e, jurisdiction j"
            " where j.path = cast(:p as ltree) and e.jurisdiction_path <@ j.path"
            " and e.status = 'active' and e.sector = :s order by e.id limit 1"
        ),
        {"p": p.scope, "s": sector or "industry"},
    ).one()
    return Place(p, int(row.id), int(row.jid))


@pytest.fixture
def places(owner_db: Connection) -> dict[str, Place]:
    town = gov_principal(owner_db, "town")
    other = owner_db.execute(
        text(
            "select u.username from app_user u join gov_membership g on g.user_id = u.id"
            " join jurisdiction j on j.id = g.jurisdiction_id where g.role = 'officer'"
            " and j.level = 'town' and j.path <> cast(:p as ltree) order by u.id limit 1"
        ),
        {"p": town.scope},
    ).scalar_one()
    edu = gov_principal(owner_db, "edu")
    return {
        "a": _place(owner_db, town),
        "b": _place(owner_db, gov_principal(owner_db, other)),
        "edu": _place(owner_db, edu, "education"),
    }


def _draw(conn: Connection, at: Place, *, sector: str | None = None) -> int:
    """A draw of one enterprise with one finding, written as the place's officer."""
    as_principal(conn, at.officer)
    sid = conn.execute(
        text(
            "insert into spot_check (title, jurisdiction_id, jurisdiction_path, sector,"
            " population_ids, checker_pool, sample_size, seed, review_from, review_to, drawn_by)"
            " values ('隔离测试', :j, cast(:path as ltree), :sector, array[:t]::bigint[],"
            " array[:u]::bigint[], 1, 7, current_date - 30, current_date, :u) returning id"
        ),
        {
            "j": at.jurisdiction_id,
            "path": at.officer.scope,
            "sector": sector,
            "t": at.tenant,
            "u": at.officer.user_id,
        },
    ).scalar_one()
    conn.execute(
        text(
            "insert into spot_check_target (tenant_id, spot_check_id, position, checker_user_id)"
            " values (:t, :s, 1, :u)"
        ),
        {"t": at.tenant, "s": sid, "u": at.officer.user_id},
    )
    conn.execute(
        text(
            "insert into spot_check_finding (tenant_id, spot_check_id, item, verdict, note,"
            " decided_by) values (:t, :s, 'other', 'fail', '隔离测试', :u)"
        ),
        {"t": at.tenant, "s": sid, "u": at.officer.user_id},
    )
    return int(sid)


def _seen(conn: Connection, p: Principal, ids: list[int]) -> dict[str, set[int]]:
    """Which of the draws `ids` p sees in each table."""
    as_principal(conn, p)
    out: dict[str, set[int]] = {}
    for table, column in (
        ("spot_check", "id"),
        ("spot_check_target", "spot_check_id"),
        ("spot_check_finding", "spot_check_id"),
    ):
        rows = conn.execute(
            text(f"select {column} from {table} where {column} = any(:ids)"), {"ids": ids}
        )
        out[table] = {int(i) for (i,) in rows}
    return out


def _inside(conn: Connection, tenant: int, p: Principal) -> bool:
    return bool(
        conn.execute(
            text("select jurisdiction_path <@ cast(:p as ltree) from enterprise where id = :t"),
            {"p": p.scope, "t": tenant},
        ).scalar_one()
    )


def _refused(conn: Connection, sql: str, params: dict[str, object]) -> None:
    with pytest.raises(DBAPIError), conn.begin_nested():
        conn.execute(text(sql), params)


def test_towns_district_and_sectors_see_only_their_own(
    app_db: Connection, owner_db: Connection, places: dict[str, Place]
) -> None:
    a, b, edu = places["a"], places["b"], places["edu"]
    ida, idb = _draw(app_db, a), _draw(app_db, b)
    ide = _draw(app_db, edu, sector="education")
    ids = [ida, idb, ide]
    every = {"spot_check", "spot_check_target", "spot_check_finding"}

    rows = {"spot_check_target", "spot_check_finding"}
    # A town reads its own draws; of the others' (the district's sector draw), only the rows
    # about enterprises of the town, as with every tenant row.
    for place, own in ((a, ida), (b, idb)):
        seen = _seen(app_db, place.officer, ids)
        school = {ide} if _inside(owner_db, edu.tenant, place.officer) else set()
        assert seen["spot_check"] == {own}, seen
        assert all(seen[t] == {own} | school for t in rows), seen
    seen = _seen(app_db, gov_principal(owner_db, "bureau"), ids)
    assert all(seen[t] == {ida, idb, ide} for t in every), seen
    seen = _seen(app_db, edu.officer, ids)
    assert all(seen[t] == {ide} for t in every), seen
    seen = _seen(app_db, gov_principal(owner_db, "health"), ids)
    assert all(seen[t] == set() for t in every), seen

    # A grid inspector sees no draw of the town above (nor of another grid's enterprise).
    grid = gov_principal(owner_db, "grid")
    seen = _seen(app_db, grid, ids)
    assert seen["spot_check"] == set()
    expected = {i for i, t in ((ida, a.tenant), (ide, edu.tenant)) if _inside(owner_db, t, grid)}
    assert seen["spot_check_target"] == expected


def test_enterprise_reads_its_own_rows_and_the_draw_once_published(
    app_db: Connection, places: dict[str, Place]
) -> None:
    a, b = places["a"], places["b"]
    ida, idb = _draw(app_db, a), _draw(app_db, b)
    me = Principal(kind="enterprise", tenant_id=a.tenant, user_id=None, role="boss")
    seen = _seen(app_db, me, [ida, idb])
    assert seen == {
        "spot_check": set(),  # not published yet
        "spot_check_target": {ida},
        "spot_check_finding": {ida},
    }
    as_principal(app_db, a.officer)
    app_db.execute(
        text("update spot_check set status = 'published', published_at = now() where id = :s"),
        {"s": ida},
    )
    seen = _seen(app_db, me, [ida, idb])
    assert seen["spot_check"] == {ida}
    # The population, the checker pool and the seed stay with the government.
    as_principal(app_db, me)
    title = app_db.execute(
        text("select title from spot_check where id = :s"), {"s": ida}
    ).scalar_one()
    assert title == "隔离测试"
    _refused(app_db, "select population_ids from spot_check where id = :s", {"s": ida})
    _refused(app_db, "select seed from spot_check where id = :s", {"s": ida})
    # …and writes none of the three tables.
    _refused(
        app_db,
        "update spot_check_target set verdict = 'pass' where spot_check_id = :s",
        {"s": ida},
    )
    _refused(
        app_db,
        "insert into spot_check_finding (tenant_id, spot_check_id, item, verdict, decided_by)"
        " values (:t, :s, 'other', 'pass', 1)",
        {"t": a.tenant, "s": ida},
    )


def test_nobody_writes_outside_their_scope(
    app_db: Connection, owner_db: Connection, places: dict[str, Place]
) -> None:
    a, b, edu = places["a"], places["b"], places["edu"]
    ida, idb = _draw(app_db, a), _draw(app_db, b)
    as_principal(app_db, a.officer)
    # A draw placed in another town.
    _refused(
        app_db,
        "insert into spot_check (title, jurisdiction_id, jurisdiction_path, population_ids,"
        " sample_size, seed, review_from, review_to, drawn_by) values ('越权', :j,"
        " cast(:p as ltree), array[:t]::bigint[], 1, 1, current_date, current_date, :u)",
        {"j": b.jurisdiction_id, "p": b.officer.scope, "t": b.tenant, "u": a.officer.user_id},
    )
    # Another town's enterprise added to one's own draw.
    _refused(
        app_db,
        "insert into spot_check_target (tenant_id, spot_check_id, position) values (:t, :s, 2)",
        {"t": b.tenant, "s": ida},
    )
    # Another town's rows are not even there to change.
    for sql in (
        "update spot_check set title = '改' where id = :s",
        "update spot_check_target set verdict = 'pass' where spot_check_id = :s",
        "delete from spot_check_finding where spot_check_id = :s",
    ):
        assert app_db.execute(text(sql), {"s": idb}).rowcount == 0
    # Moving one's own draw into another town is refused.
    _refused(
        app_db,
        "update spot_check set jurisdiction_path = cast(:p as ltree) where id = :s",
        {"p": b.officer.scope, "s": ida},
    )

    as_principal(app_db, edu.officer)
    # A sector department writes its own sector only.
    _refused(
        app_db,
        "insert into spot_check (title, jurisdiction_id, jurisdiction_path, sector,"
        " population_ids, sample_size, seed, review_from, review_to, drawn_by) values"
        " ('越权', :j, cast(:p as ltree), 'health', array[1]::bigint[], 1, 1, current_date,"
        " current_date, :u)",
        {"j": edu.jurisdiction_id, "p": edu.officer.scope, "u": edu.officer.user_id},
    )
    ide = _draw(app_db, edu, sector="education")
    _refused(
        app_db,
        "insert into spot_check_target (tenant_id, spot_check_id, position) values (:t, :s, 2)",
        {"t": a.tenant, "s": ide},  # an industry enterprise, not the sector's
    )
    grid = gov_principal(owner_db, "grid")
    as_principal(app_db, grid)
    _refused(
        app_db,
        "insert into spot_check (title, jurisdiction_id, jurisdiction_path, population_ids,"
        " sample_size, seed, review_from, review_to, drawn_by) values ('越权', :j,"
        " cast(:p as ltree), array[1]::bigint[], 1, 1, current_date, current_date, :u)",
        {"j": a.jurisdiction_id, "p": a.officer.scope, "u": grid.user_id},
    )
