"""The demo-city seed: shape and counts, valid credit codes, geography, determinism,
refusal to seed twice, the fixed demo logins, and the enterprise side (org trees, graded risk
points, checklists and checks, hazards whose states and timelines agree)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy.engine import make_url

from anwang.platform.identity.passwords import verify_password
from anwang.platform.migrate import upgrade
from anwang.platform.registry.credit_code import is_valid_credit_code
from anwang.platform.seed import SeedSummary, seed_city
from anwang.platform.seed.build import Builder
from anwang.platform.seed.dual_prevention import COLUMNS as DOMAIN_COLUMNS
from anwang.platform.seed.sites import TAICANG_SITES
from anwang.tenants import vocabulary
from anwang.tenants.checks.generation import period_of
from anwang.tenants.hazards.states import TRANSITIONS
from anwang.tenants.risk.grading import assess

# The scratch databases are seeded as of this day, so they are comparable run to run.
TODAY = date(2026, 11, 24)
CLOCK = datetime.combine(TODAY, time(0), ZoneInfo("Asia/Shanghai"))

FIXED_LOGINS = ["boss", "safety", "worker", "chejian", "banzu", "grid", "town", "bureau", "city",
                "zhifa", "command", "edu", "health"]  # fmt: skip


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
        return url, seed_city(url, scale, seed, today=TODAY)

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
    for table, columns in DOMAIN_COLUMNS.items():
        # qr_token and created_at defaults are left to the database (unguessable, not seeded)
        cols = ", ".join(c for c in columns)
        order = ", ".join(c for c in columns if c in ("tenant_id", "id", "check_id", "item_id",
                                                      "org_unit_id", "user_id"))  # fmt: skip
        sql = f"select {cols} from {table} order by {order}"
        assert _rows(small[0], sql) == _rows(again, sql), table
    hazards = "select id, tenant_id, state, title, found_at from hazard order by id"
    assert _rows(small[0], hazards) != _rows(other, hazards)


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
            " where u.username in ('boss', 'safety', 'worker', 'chejian', 'banzu')",
        )
    )
    (first,) = _rows(
        owner_url,
        "select min(e.id) from enterprise e join jurisdiction j on j.id = e.jurisdiction_id"
        " where j.code = '320585100001' and e.kind = 'enterprise'",
    )[0]
    assert tenant == {"boss": f"boss:{first}", "safety": f"safety_manager:{first}",
                      "worker": f"worker:{first}", "chejian": f"unit_head:{first}",
                      "banzu": f"unit_head:{first}"}  # fmt: skip
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


def test_every_tenant_has_an_org_tree_with_a_safety_department(
    small: tuple[str, SeedSummary],
) -> None:
    url, _ = small
    rows = _rows(
        url,
        "select e.id, e.kind, count(*) filter (where u.parent_id is null),"
        " count(*) filter (where u.kind = 'department'),"
        " count(*) filter (where u.is_safety_department and u.kind = 'department'),"
        " count(*) filter (where u.kind = 'workshop'), count(*) filter (where u.kind = 'post'),"
        " (select count(*) from staff s where s.tenant_id = e.id)"
        " from enterprise e left join org_unit u on u.tenant_id = e.id group by e.id, e.kind",
    )
    assert len(rows) == 47
    for tenant, _kind, roots, depts, safety, workshops, posts, staff in rows:
        assert roots == 1, tenant
        assert 2 <= depts <= 4 and safety == 1 and workshops >= 1 and posts >= 1, tenant
        assert staff >= posts, tenant
    # the path is what the org_unit_set_path trigger computes: the parent's path, then the id
    wrong = _rows(
        url,
        "select u.id from org_unit u left join org_unit p"
        " on p.tenant_id = u.tenant_id and p.id = u.parent_id"
        " where u.path is distinct from coalesce(p.path || u.id::text, u.id::text::ltree)",
    )
    assert wrong == []
    root_names = _rows(
        url,
        "select count(*) from org_unit u join enterprise e on e.id = u.tenant_id"
        " where u.parent_id is null and u.name <> e.name",
    )
    assert root_names == [(0,)]


def test_scope_columns_match_the_tenant_and_triggers_are_back_on(
    small: tuple[str, SeedSummary],
) -> None:
    url, summary = small
    for table in DOMAIN_COLUMNS:
        bad = _rows(
            url,
            f"select count(*) from {table} x join enterprise e on e.id = x.tenant_id"
            " where x.jurisdiction_path <> e.jurisdiction_path or x.sector <> e.sector",
        )
        assert bad == [(0,)], table
        assert summary.domain_rows[table] == _rows(url, f"select count(*) from {table}")[0][0]
    disabled = _rows(
        url,
        "select tgrelid::regclass::text, tgname from pg_trigger"
        " where not tgisinternal and tgenabled = 'D'",
    )
    assert disabled == []
    # the demo rows are not in the audit log; the next change to them is
    assert _rows(url, "select count(*) from audit_event where table_name = 'hazard'") == [(0,)]


def test_demo_tenant_managers_and_staff(small: tuple[str, SeedSummary]) -> None:
    url, _ = small
    managed = {
        r[0]: r[1:]
        for r in _rows(
            url,
            "select u.username, o.kind, o.id, o.path::text, m.duty from unit_manager m"
            " join app_user u on u.id = m.user_id join org_unit o"
            " on o.tenant_id = m.tenant_id and o.id = m.org_unit_id"
            " where u.username in ('boss', 'safety', 'chejian', 'banzu')",
        )
    }
    assert managed["boss"][0] == "company" and managed["safety"][0] == "department"
    assert managed["chejian"][0] == "workshop" and managed["banzu"][0] == "team"
    assert managed["banzu"][2].startswith(managed["chejian"][2] + ".")
    ((post_kind, post_path),) = _rows(
        url,
        "select o.kind, o.path::text from staff s join app_user u on u.id = s.user_id"
        " join org_unit o on o.tenant_id = s.tenant_id and o.id = s.org_unit_id"
        " where u.username = 'worker'",
    )
    assert post_kind == "post" and post_path.startswith(managed["banzu"][2] + ".")
    # every enterprise's boss heads its company, its safety manager the safety department
    heads = _rows(
        url,
        "select count(distinct m.tenant_id) from unit_manager m join tenant_membership t"
        " on t.tenant_id = m.tenant_id and t.user_id = m.user_id join org_unit o"
        " on o.tenant_id = m.tenant_id and o.id = m.org_unit_id"
        " where (t.role = 'boss' and o.parent_id is null)"
        " or (t.role = 'safety_manager' and o.is_safety_department)",
    )
    assert heads == [(47,)]


def test_risk_points_are_graded_consistently(small: tuple[str, SeedSummary]) -> None:
    url, _ = small
    per_tenant = _rows(
        url,
        "select e.kind, count(r.id) from enterprise e left join risk_point r"
        " on r.tenant_id = e.id group by e.id, e.kind",
    )
    assert all(n >= 16 for kind, n in per_tenant if kind == "enterprise")
    assert all(n >= 5 for _, n in per_tenant)
    levels = dict(_rows(url, "select level, count(*) from risk_point group by 1"))
    assert set(levels) == set(vocabulary.LEVELS)
    total = sum(levels.values())
    assert levels["major"] < levels["significant"] < levels["general"] < levels["low"]
    assert 0.01 < levels["major"] / total < 0.06 and levels["low"] / total > 0.35
    points = _rows(
        url,
        "select r.id, r.level, r.method, r.score, r.kind, r.accident_types, r.hazard_factors,"
        " r.inspection_frequency, r.control_level, r.control_unit_id is not null,"
        " (select count(*) from control_measure m where m.tenant_id = r.tenant_id"
        "  and m.risk_point_id = r.id),"
        " (select array_agg(m.kind) from control_measure m where m.tenant_id = r.tenant_id"
        "  and m.risk_point_id = r.id),"
        " (select row(a.method, a.l, a.e, a.c, a.s, a.score, a.level, a.major_criterion)::text"
        "  from risk_assessment a where a.tenant_id = r.tenant_id and a.risk_point_id = r.id"
        "  order by a.assessed_at desc limit 1)"
        " from risk_point r",
    )
    for (pid, level, _method, _score, kind, accidents, factors, freq, control, has_unit,
         n_measures, kinds, _latest) in points:  # fmt: skip
        assert kind in vocabulary.RISK_POINT_KINDS and freq in vocabulary.FREQUENCIES
        assert set(accidents) <= set(vocabulary.ACCIDENT_TYPES) and accidents
        assert set(factors) <= set(vocabulary.HAZARD_FACTORS) and factors
        assert set(kinds) <= set(vocabulary.CONTROL_MEASURE_KINDS)
        assert 2 <= n_measures <= 4, pid
        assert control == vocabulary.DEFAULT_CONTROL_LEVEL[level] and has_unit
    latest = _rows(
        url,
        "select distinct on (a.tenant_id, a.risk_point_id) a.method, a.l, a.e, a.c, a.s,"
        " a.score, a.level, a.major_criterion, r.level, r.score, r.method"
        " from risk_assessment a join risk_point r on r.tenant_id = a.tenant_id"
        " and r.id = a.risk_point_id order by a.tenant_id, a.risk_point_id, a.assessed_at desc",
    )
    assert len(latest) == len(points)
    for method, lv, ev, cv, sv, score, level, criterion, p_level, p_score, p_method in latest:
        inputs = {"l": lv, "e": ev, "c": cv} if method == "lec" else {"l": lv, "s": sv}
        graded = assess(method, inputs if method != "direct" else {}, major_criterion=criterion)
        assert graded.level == level == p_level and method == p_method
        if method != "direct":
            assert Decimal(graded.score or 0) == score == p_score
    history = _rows(url, "select count(*) from risk_assessment")[0][0]
    assert history > len(points)  # some points were reassessed: the history keeps both


def test_checklists_and_monthly_self_checks(small: tuple[str, SeedSummary]) -> None:
    url, _ = small
    # every tenant has its monthly comprehensive checklist and ten done rounds, one per month
    rounds = _rows(
        url,
        "select c.tenant_id, count(distinct t.period_key), count(k.id),"
        " bool_and(t.status = 'done') from checklist c"
        " join inspection_task t on t.tenant_id = c.tenant_id and t.checklist_id = c.id"
        " join inspection_check k on k.tenant_id = t.tenant_id and k.task_id = t.id"
        " where c.kind = 'comprehensive' group by c.tenant_id",
    )
    assert len(rounds) == 47 and all(r[1:] == (10, 10, True) for r in rounds)
    tasks = _rows(
        url,
        "select t.period_key, t.starts_at, t.due_at, k.started_at, k.finished_at"
        " from inspection_task t join inspection_check k on k.tenant_id = t.tenant_id"
        " and k.task_id = t.id",
    )
    for key, starts, due, started, finished in tasks:
        period = period_of("monthly", started)
        assert (period.key, period.starts_at, period.due_at) == (key, starts, due)
        assert starts <= started < finished < due <= CLOCK
    # routine checklists come from the control measures, per unit and frequency
    routine = _rows(
        url,
        "select count(*), count(*) filter (where i.control_measure_id is null),"
        " count(*) filter (where m.risk_point_id <> i.risk_point_id)"
        " from checklist c join checklist_item i on i.tenant_id = c.tenant_id"
        " and i.checklist_id = c.id left join control_measure m on m.tenant_id = i.tenant_id"
        " and m.id = i.control_measure_id where c.kind = 'routine'",
    )
    assert routine[0][0] > 0 and routine[0][1:] == (0, 0)
    freqs = {r[0] for r in _rows(url, "select distinct frequency from checklist")}
    assert {"shift", "daily", "weekly", "monthly"} <= freqs
    # results: one per item of the checked list; not-ok ones point at their hazard
    results = _rows(
        url,
        "select count(*), count(*) filter (where i.checklist_id <> k.checklist_id),"
        " count(*) filter (where r.result = 'not_ok'),"
        " count(*) filter (where r.result = 'not_ok' and (h.id is null or h.check_id <> k.id"
        "  or h.source <> 'check' or h.risk_point_id <> i.risk_point_id)),"
        " count(*) filter (where r.result <> 'not_ok' and r.hazard_id is not null)"
        " from check_result r join inspection_check k on k.tenant_id = r.tenant_id"
        " and k.id = r.check_id join checklist_item i on i.tenant_id = r.tenant_id"
        " and i.id = r.item_id left join hazard h on h.tenant_id = r.tenant_id"
        " and h.id = r.hazard_id",
    )
    total, foreign, not_ok, unlinked, stray = results[0]
    assert foreign == unlinked == stray == 0
    assert 0.01 < not_ok / total < 0.15
    missing = _rows(
        url,
        "select count(*) from inspection_check k join checklist_item i"
        " on i.tenant_id = k.tenant_id and i.checklist_id = k.checklist_id"
        " where not exists (select 1 from check_result r where r.tenant_id = k.tenant_id"
        " and r.check_id = k.id and r.item_id = i.id)",
    )
    assert missing == [(0,)]
    checked = _rows(url, "select count(*) from hazard where source = 'check' and check_id is null")
    assert checked == [(0,)]


def test_hazards_states_agree_with_their_timelines(small: tuple[str, SeedSummary]) -> None:
    url, _ = small
    total = _rows(url, "select count(*) from hazard")[0][0]
    assert total == round(105_101 * 40 / 6_057)
    hazards = _rows(
        url,
        "select h.id, h.state, h.tier, h.source, h.found_at, h.reported_by, h.rectified_by,"
        " h.accepted_by, h.closed_at, h.deadline, h.responsible_user_id, h.confirmed_by,"
        " h.five_implementations, h.reported_to_bureau_at, h.updated_at,"
        " array_agg(array[ev.action, coalesce(ev.from_state, ''), ev.to_state]"
        "  order by ev.at, ev.id), array_agg(ev.at order by ev.at, ev.id),"
        " array_agg(ev.actor_user_id order by ev.at, ev.id)"
        " from hazard h join hazard_event ev on ev.tenant_id = h.tenant_id"
        " and ev.hazard_id = h.id group by h.tenant_id, h.id",
    )
    assert len(hazards) == total  # every hazard has at least one event
    states: dict[str, int] = {}
    for (hid, state, tier, source, found, reporter, rectifier, acceptor, closed, deadline,
         responsible, confirmer, five, to_bureau, updated, steps, ats, actors) in hazards:  # fmt: skip
        states[state] = states.get(state, 0) + 1
        assert steps[0] == ["report", "", "reported"] and ats[0] == found, hid
        assert actors[0] == reporter
        current: str | None = None
        for action, before, after in steps:
            assert (before or None) == current, hid
            assert TRANSITIONS[current, action].to == after, (hid, action)
            current = after
        assert current == state and ats == sorted(ats) and ats[-1] == updated < CLOCK
        if tier == "on_spot":
            assert state == "closed" and rectifier == reporter and closed is not None
        if state == "closed" and tier != "on_spot":
            assert acceptor is not None and rectifier is not None and acceptor != rectifier
            assert steps[-1][0] == "accept" and closed == ats[-1]
        if state in ("confirmed", "rectifying", "awaiting_acceptance"):
            assert deadline is not None and responsible is not None and closed is None
        if state == "reported":
            assert tier is None and confirmer is None
        if tier == "major":
            assert five is not None and set(five) >= {"responsibility", "measures", "funds",
                                                      "emergency_plan"}  # fmt: skip
            assert (to_bureau is not None) == ("report_to_bureau" in [s[0] for s in steps])
        if source == "check":
            assert tier != "rejected"
    assert states["closed"] / total > 0.85
    assert len(states) >= 4  # recent ones are still open, in several states
    tiers = dict(_rows(url, "select coalesce(tier, '-'), count(*) from hazard group by 1"))
    assert 0.2 < tiers["on_spot"] / total < 0.4 and tiers["general"] / total > 0.5
    sources = dict(_rows(url, "select source, count(*) from hazard group by 1"))
    assert (sources["check"] + sources["report"]) / total > 0.85
    overdue = _rows(
        url,
        "select count(*) from hazard where state in ('confirmed', 'rectifying') and deadline < %s",
        TODAY,
    )
    assert overdue[0][0] >= 1


def test_certificates_and_equipment_fall_due(small: tuple[str, SeedSummary]) -> None:
    url, _ = small
    due = _rows(
        url,
        "select count(*) filter (where d < %s), count(*) filter (where d between %s and %s + 30),"
        " count(*) from (select expires_on as d from certificate union all"
        " select next_inspection_on from equipment where next_inspection_on is not null) x",
        TODAY,
        TODAY,
        TODAY,
    )
    expired, soon, total = due[0]
    assert expired >= 1 and soon >= 1 and expired + soon < total / 3
    kinds = {r[0] for r in _rows(url, "select distinct kind from certificate")}
    assert {"special_operation", "standardisation"} <= kinds
    special = _rows(
        url,
        "select count(*) filter (where c.staff_id is null) from certificate c"
        " where c.kind = 'special_operation'",
    )
    assert special == [(0,)]
    assert _rows(url, "select bool_or(is_special) from equipment") == [(True,)]
