"""The demo-city seed: shape and counts, valid credit codes, geography, determinism,
refusal to seed twice, and the fixed demo logins."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from anwang.platform.identity.passwords import verify_password
from anwang.platform.migrate import upgrade
from anwang.platform.registry.credit_code import is_valid_credit_code
from anwang.platform.seed import SeedSummary, seed_city
from anwang.platform.seed.build import Builder
from anwang.platform.seed.sites import TAICANG_SITES

FIXED_LOGINS = ["boss", "safety", "worker", "grid", "town", "bureau", "city", "zhifa", "command",
                "edu", "health"]  # fmt: skip


def _rows(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def scratch(owner_url: str) -> Iterator[Callable[..., tuple[str, SeedSummary | None]]]:
    """Makes throw-away databases on the test server: migrated, and seeded unless told not to."""
    admin = make_url(owner_url).set(database="postgres").render_as_string(hide_password=False)
    made: list[str] = []

    def make(scale: str = "small", seed: int | None = 1) -> tuple[str, SeedSummary | None]:
        name = f"anwang_seed_{os.getpid()}_{len(made)}"
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f"drop database if exists {name} with (force)")
            c.execute(f"create database {name}")
        made.append(name)
        url = make_url(owner_url).set(database=name).render_as_string(hide_password=False)
        if seed is None:
            return url, None
        upgrade(url)
        return url, seed_city(url, scale, seed)

    yield make
    with psycopg.connect(admin, autocommit=True) as c:
        for name in made:
            c.execute(f"drop database if exists {name} with (force)")


@pytest.fixture(scope="module")
def small(scratch: Callable[..., tuple[str, SeedSummary]]) -> tuple[str, SeedSummary]:
    return scratch("small", 1)


def test_small_city_shape_and_counts(small: tuple[str, SeedSummary]) -> None:
    url, summary = small
    levels = dict(_rows(url, "select level, count(*) from jurisdiction group by level"))
    assert levels == {"city": 1, "district": 1, "town": 2, "grid": 4}
    kinds = dict(_rows(url, "select kind, count(*) from enterprise group by kind"))
    assert kinds["enterprise"] == summary.enterprises == 40
    assert kinds["public_site"] == summary.public_sites
    site_types = {r[0] for r in _rows(url, "select distinct site_type from enterprise")}
    assert site_types == {None, *TAICANG_SITES}
    bodies = dict(_rows(url, "select kind, count(*) from gov_body group by kind"))
    assert bodies == {"emergency_bureau": 4, "sector_department": 10}
    assert _rows(url, "select count(*) from app_user")[0][0] == summary.users
    (path,) = _rows(url, "select path::text from jurisdiction where level = 'grid' order by id")[0]
    assert path == "320500.320585.320585100.320585100001"
    unbossed = _rows(
        url,
        "select e.id from enterprise e where not exists (select 1 from tenant_membership m"
        " join app_user u on u.id = m.user_id where m.tenant_id = e.id and m.role = 'boss'"
        " and u.username = 'e' || lpad(e.id::text, 2, '0'))",
    )
    assert unbossed == []


def test_every_credit_code_is_valid_and_unique(small: tuple[str, SeedSummary]) -> None:
    url, _ = small
    rows = _rows(url, "select credit_code, kind, site_type from enterprise")
    assert all(is_valid_credit_code(code) for code, _, _ in rows)
    assert len({code for code, _, _ in rows}) == len(rows)
    assert all(code.startswith("91") for code, kind, _ in rows if kind == "enterprise")
    religious = [code for code, _, site in rows if site == "religious_site"]
    assert religious and all(code.startswith("71") for code in religious)


def test_every_enterprise_lies_inside_its_grid(small: tuple[str, SeedSummary]) -> None:
    url, _ = small
    rows = _rows(
        url,
        "select e.lon, e.lat, j.level, j.boundary, e.jurisdiction_path = j.path from enterprise e"
        " join jurisdiction j on j.id = e.jurisdiction_id",
    )
    for lon, lat, level, boundary, path_ok in rows:
        assert level == "grid" and path_ok
        ring = boundary["coordinates"][0]
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        assert min(xs) < lon < max(xs) and min(ys) < lat < max(ys)


def test_grids_lie_inside_their_town_and_county(small: tuple[str, SeedSummary]) -> None:
    url, _ = small
    rows = _rows(
        url,
        "select c.boundary, p.boundary from jurisdiction c join jurisdiction p on p.id = c.parent_id",
    )
    for child, parent in rows:
        (cx, cy), (px, py) = (list(zip(*b["coordinates"][0], strict=True)) for b in (child, parent))
        assert min(px) <= min(cx) < max(cx) <= max(px)
        assert min(py) <= min(cy) < max(cy) <= max(py)


def test_same_seed_same_city_other_seed_another(
    small: tuple[str, SeedSummary], scratch: Callable[..., tuple[str, SeedSummary]]
) -> None:
    query = "select id, name, credit_code, lon, lat, jurisdiction_id from enterprise order by id"
    again, _ = scratch("small", 1)
    other, _ = scratch("small", 2)
    assert _rows(small[0], query) == _rows(again, query)
    users = "select id, username, display_name, phone from app_user order by id"
    assert _rows(small[0], users) == _rows(again, users)
    names = {r[1] for r in _rows(small[0], query)}
    assert names != {r[1] for r in _rows(other, query)}


def test_refuses_to_seed_twice(owner_url: str) -> None:
    before = _rows(owner_url, "select count(*) from enterprise")
    with pytest.raises(ValueError, match="已有企业"):
        seed_city(owner_url, "small", 1)
    assert _rows(owner_url, "select count(*) from enterprise") == before


def test_refuses_unmigrated_database_and_unknown_scale(
    scratch: Callable[..., tuple[str, SeedSummary | None]], owner_url: str
) -> None:
    empty, _ = scratch(seed=None)
    with pytest.raises(ValueError, match="尚未迁移"):
        seed_city(empty)
    with pytest.raises(ValueError, match="未知规模"):
        seed_city(owner_url, "shanghai")


def test_progress_reaches_every_stage(
    scratch: Callable[..., tuple[str, SeedSummary | None]],
) -> None:
    url, _ = scratch(seed=None)
    upgrade(url)
    calls: list[tuple[str, int, int]] = []
    summary = seed_city(url, "small", 3, progress=lambda *c: calls.append(c))
    finals = {stage: (done, total) for stage, done, total in calls}
    assert finals["写入企业和公共场所"] == (47, 47) == (summary.enterprises + 7, 47)
    assert all(done == total for done, total in finals.values())
    assert [u for u, _, _ in summary.logins] == FIXED_LOGINS


def test_fixed_demo_logins_have_the_right_memberships(owner_url: str) -> None:
    tenant = dict(
        _rows(
            owner_url,
            "select u.username, m.role || ':' || m.tenant_id from app_user u"
            " join tenant_membership m on m.user_id = u.id"
            " where u.username in ('boss', 'safety', 'worker')",
        )
    )
    (first,) = _rows(
        owner_url,
        "select min(e.id) from enterprise e join jurisdiction j on j.id = e.jurisdiction_id"
        " where j.code = '320585100001' and e.kind = 'enterprise'",
    )[0]
    assert tenant == {"boss": f"boss:{first}", "safety": f"safety_manager:{first}",
                      "worker": f"worker:{first}"}  # fmt: skip
    gov = {
        r[0]: r[1:]
        for r in _rows(
            owner_url,
            "select u.username, g.role, j.level, j.name, b.kind, b.sector from app_user u"
            " join gov_membership g on g.user_id = u.id join jurisdiction j on j.id = g.jurisdiction_id"
            " join gov_body b on b.id = g.gov_body_id",
        )
    }
    bureau = "emergency_bureau"
    assert gov["grid"] == ("grid_inspector", "grid", "城厢镇第1网格", bureau, None)
    assert gov["town"] == ("officer", "town", "城厢镇", bureau, None)
    assert gov["bureau"] == ("officer", "district", "太仓市", bureau, None)
    assert gov["city"] == ("officer", "city", "苏州市", bureau, None)
    assert gov["zhifa"] == ("enforcement_officer", "district", "太仓市", bureau, None)
    assert gov["command"] == ("command_centre", "city", "苏州市", bureau, None)
    assert gov["edu"] == ("sector_officer", "district", "太仓市", "sector_department", "education")
    assert gov["health"] == ("sector_officer", "district", "太仓市", "sector_department", "health")
    assert gov["grid320585101002"][:3] == ("grid_inspector", "grid", "沙溪镇第2网格")
    assert gov["education320585"][4] == "education"
    hashes = dict(
        _rows(
            owner_url,
            "select username, password_hash from app_user where username = any(%s)",
            [*FIXED_LOGINS, "e01", "grid320585100001", "education320585"],
        )
    )
    assert verify_password(hashes["boss"], "anwang123")
    assert len(set(hashes.values())) == 1  # one hash computed once, shared by every demo user


@pytest.mark.parametrize("scale, districts", [("taicang", 1), ("suzhou", 10)])
def test_large_scales_have_the_source_numbers(scale: str, districts: int) -> None:
    ids = dict.fromkeys(("jurisdiction", "gov_body", "enterprise", "app_user", "gov_membership"), 0)
    rows = Builder(scale, 1, ids, "x").build(lambda _done, _total: None)
    kinds = [e.site_type or e.kind for e in rows.enterprise]
    assert kinds.count("enterprise") == 6057 * districts
    for site_type, n in TAICANG_SITES.items():
        assert kinds.count(site_type) == n * districts
    towns = [a for a in rows.areas if a.level == "town"]
    if scale == "taicang":
        assert [t.name for t in towns] == ["城厢镇", "沙溪镇", "浏河镇", "浮桥镇", "璜泾镇",
                                           "双凤镇", "娄东街道", "陆渡街道"]  # fmt: skip
    assert all(15 <= len(t.children) <= 25 for t in towns)
    assert len({e.credit_code for e in rows.enterprise}) == len(rows.enterprise)
    assert len({e.name for e in rows.enterprise}) == len(rows.enterprise)
