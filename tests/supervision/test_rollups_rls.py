"""Row-level security of the roll-up tables as the application role, across towns, levels and
sectors; and the JSON API `GET /api/v1/rollups` answering each principal with its own place."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Connection

from anwang.platform.principal import SYSTEM, Principal
from anwang.supervision.rollups import service
from anwang.supervision.rollups.refresh import rebuild_all
from tests.aio import run_as
from tests.api import token
from tests.conftest import as_principal
from tests.supervision.rollups_support import scope_of
from tests.tenants.factories import committed, tenant_of


def gov(path: str, role: str = "officer") -> Principal:
    return Principal(kind="gov", role=role, scope=path)


def towns(owner_db: Connection) -> list[str]:
    return list(
        owner_db.execute(
            text("select path::text from jurisdiction where level = 'town' order by code")
        )
        .scalars()
        .all()
    )


@pytest.fixture
def built(app_db: Connection) -> Connection:
    """The figures rebuilt inside the test's transaction, as the scheduled job does."""
    as_principal(app_db, SYSTEM)
    rebuild_all(app_db)
    return app_db


def paths(db: Connection, table: str) -> list[str]:
    return list(db.execute(text(f"select jurisdiction_path::text from {table}")).scalars().all())


def test_a_town_sees_only_itself_and_below(built: Connection, owner_db: Connection) -> None:
    mine, other = towns(owner_db)[:2]
    as_principal(built, gov(mine))
    for table in ("area_figures", "area_month", "enterprise_figures", "enterprise_month"):
        seen = paths(built, table)
        assert seen, table
        assert all(p == mine or p.startswith(mine + ".") for p in seen), table
    grids = owner_db.execute(
        text("select count(*) from jurisdiction where path <@ cast(:p as ltree)"), {"p": mine}
    ).scalar_one()
    assert (
        built.execute(text("select count(*) from area_figures where sector = ''")).scalar_one()
        == grids
    )
    units = owner_db.execute(
        text("select count(*) from enterprise where jurisdiction_path <@ cast(:p as ltree)"),
        {"p": mine},
    ).scalar_one()
    assert built.execute(text("select count(*) from enterprise_figures")).scalar_one() == units
    # the other town's rows, asked for by id, are not there
    other_id = owner_db.execute(
        text("select id from jurisdiction where path = cast(:p as ltree)"), {"p": other}
    ).scalar_one()
    assert (
        built.execute(
            text("select count(*) from area_figures where jurisdiction_id = :i"), {"i": other_id}
        ).scalar_one()
        == 0
    )


def test_district_and_city_see_their_subtrees(built: Connection, owner_db: Connection) -> None:
    district, city = scope_of(owner_db, "bureau"), scope_of(owner_db, "city")
    as_principal(built, gov(city))
    everything = sorted(paths(built, "area_figures"))
    as_principal(built, gov(district))
    below = sorted(paths(built, "area_figures"))
    assert below and set(below) < set(everything)
    assert city not in below and city in everything


def test_a_sector_sees_only_its_sector(built: Connection, owner_db: Connection) -> None:
    scope = scope_of(owner_db, "edu")
    as_principal(built, Principal(kind="sector", role="sector_officer", scope=scope,
                                  sector="education"))  # fmt: skip
    for table in ("area_figures", "area_month", "enterprise_figures", "enterprise_month"):
        sectors = set(built.execute(text(f"select sector from {table}")).scalars().all())
        assert sectors == {"education"}, table
    schools = owner_db.execute(
        text(
            "select count(*) from enterprise where sector = 'education'"
            " and jurisdiction_path <@ cast(:p as ltree)"
        ),
        {"p": scope},
    ).scalar_one()
    row = built.execute(
        text(
            "select enterprises + sites from area_figures a join jurisdiction j"
            " on j.id = a.jurisdiction_id where j.path = cast(:p as ltree)"
        ),
        {"p": scope},
    ).scalar_one()
    assert row == schools > 0


def test_an_enterprise_sees_its_own_row_and_no_area(
    built: Connection, owner_db: Connection
) -> None:
    tenant = tenant_of(owner_db, "boss")
    as_principal(built, Principal(kind="enterprise", tenant_id=tenant, role="boss"))
    assert built.execute(text("select tenant_id from enterprise_figures")).scalars().all() == [
        tenant
    ]
    with pytest.raises(Exception, match="permission denied"):
        built.execute(text("select count(*) from area_figures"))


def test_only_the_system_writes_figures(built: Connection, owner_db: Connection) -> None:
    as_principal(built, gov(scope_of(owner_db, "city")))
    with pytest.raises(Exception, match="permission denied"):
        built.execute(text("update area_figures set enterprises = 0"))


# --- the API ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def figures(owner_url: str) -> Iterator[None]:
    """Figures of the seeded city, committed for the app to read (the seed builds them too;
    a rebuild is idempotent)."""
    with committed(owner_url) as conn:
        rebuild_all(conn)
    yield


def test_api_answers_the_callers_place(
    client: TestClient, figures: None, owner_db: Connection
) -> None:
    town = scope_of(owner_db, "town")
    r = client.get("/api/v1/rollups", headers=token(client, "town"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["place"]["path"] == town and body["sector"] is None
    units = owner_db.execute(
        text(
            "select count(*) filter (where kind = 'enterprise'),"
            " count(*) filter (where kind = 'public_site')"
            " from enterprise where jurisdiction_path <@ cast(:p as ltree)"
        ),
        {"p": town},
    ).one()
    assert (body["figures"]["enterprises"], body["figures"]["sites"]) == tuple(units)
    assert [c["place"]["level"] for c in body["children"]] == ["grid"] * len(body["children"])
    assert sum(c["figures"]["enterprises"] for c in body["children"]) == units[0]
    assert len(body["trend"]) == 12
    rate = body["figures"]["rectification_rate"]
    f = body["figures"]
    assert rate == round(f["hazards_closed"] / f["hazards_found"], 4)


def test_api_outside_the_scope_is_404(
    client: TestClient, figures: None, owner_db: Connection
) -> None:
    mine = scope_of(owner_db, "town")
    other = next(t for t in towns(owner_db) if t != mine)
    headers = token(client, "town")
    for under in (other, scope_of(owner_db, "bureau"), "no.such.place", "320500..x"):
        r = client.get("/api/v1/rollups", params={"under": under}, headers=headers)
        assert r.status_code == 404, under
    # The city drills into the town, down to its grid and its enterprises.
    city = token(client, "city")
    r = client.get("/api/v1/rollups", params={"under": mine}, headers=city)
    assert r.status_code == 200 and r.json()["place"]["path"] == mine
    grid = r.json()["children"][0]["place"]["path"]
    r = client.get("/api/v1/rollups", params={"under": grid}, headers=city)
    assert r.json()["children"] == [] and r.json()["enterprises"]


def test_api_for_a_sector_and_refused_to_an_enterprise(
    client: TestClient, figures: None, owner_db: Connection
) -> None:
    r = client.get("/api/v1/rollups", headers=token(client, "health"))
    assert r.status_code == 200
    body = r.json()
    hospitals = owner_db.execute(
        text(
            "select count(*) from enterprise where sector = 'health'"
            " and jurisdiction_path <@ cast(:p as ltree)"
        ),
        {"p": scope_of(owner_db, "health")},
    ).scalar_one()
    assert body["sector"] == "health"
    assert body["figures"]["enterprises"] + body["figures"]["sites"] == hospitals > 0
    assert client.get("/api/v1/rollups", headers=token(client, "boss")).status_code == 403


def test_sector_figures_for_the_sector_pages(
    app_url: str, figures: None, owner_db: Connection
) -> None:
    scope = scope_of(owner_db, "edu")
    edu = Principal(kind="sector", role="sector_officer", scope=scope, sector="education")
    result = run_as(app_url, edu, lambda db: service.sector_figures(db, edu))
    assert result.sector == "education" and result.place.path == scope
    assert result.figures.units > 0
