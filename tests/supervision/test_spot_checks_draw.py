"""Drawing a spot check through the service, as the application role: the population is what
row-level security lets the officer see (a town officer draws only from the town, a sector
officer only from the sector), it is stored ascending with the seed, and the stored sample
and checkers are the ones the sampling function gives for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.clock import today
from anwang.platform.errors import DomainError, Forbidden
from anwang.platform.principal import Principal
from anwang.supervision.spot_checks import repository, sampling, service
from anwang.supervision.spot_checks.schemas import Criteria, SpotCheckCreate
from tests.aio import run_as
from tests.supervision.spot_checks_support import active_ids, user_ids
from tests.supervision.support import enterprise_principal, gov_principal
from tests.tenants.factories import committed


@dataclass(frozen=True)
class Demo:
    town: Principal  # 城厢镇's officer (the grid of boss's enterprise)
    town2: Principal  # the same town's second officer
    other_town: Principal  # 沙溪镇's officer
    bureau: Principal  # 太仓市
    edu: Principal  # 太仓市 education department
    grid: Principal
    boss: Principal
    town_ids: list[int]
    other_town_ids: list[int]
    district_ids: list[int]
    edu_ids: list[int]
    grid_path: str


@pytest.fixture(scope="module")
def demo(owner_url: str) -> Demo:
    with committed(owner_url) as conn:
        town = gov_principal(conn, "town")
        other = conn.execute(
            text(
                "select u.username from app_user u join gov_membership g on g.user_id = u.id"
                " join jurisdiction j on j.id = g.jurisdiction_id"
                " where g.role = 'officer' and j.level = 'town' and j.path <> cast(:p as ltree)"
                " order by u.id limit 1"
            ),
            {"p": town.scope},
        ).scalar_one()
        second = conn.execute(
            text(
                "select u.username from app_user u join gov_membership g on g.user_id = u.id"
                " join jurisdiction j on j.id = g.jurisdiction_id"
                " where g.role = 'officer' and j.path = cast(:p as ltree) and u.username <> 'town'"
                " order by u.id limit 1"
            ),
            {"p": town.scope},
        ).scalar_one()
        bureau = gov_principal(conn, "bureau")
        edu = gov_principal(conn, "edu")
        grid = gov_principal(conn, "grid")
        other_town = gov_principal(conn, other)
        assert town.scope and other_town.scope and bureau.scope and edu.scope and grid.scope
        return Demo(
            town=town,
            town2=gov_principal(conn, second),
            other_town=other_town,
            bureau=bureau,
            edu=edu,
            grid=grid,
            boss=enterprise_principal(conn, "boss"),
            town_ids=active_ids(conn, town.scope),
            other_town_ids=active_ids(conn, other_town.scope),
            district_ids=active_ids(conn, bureau.scope),
            edu_ids=active_ids(conn, edu.scope, "education"),
            grid_path=grid.scope,
        )


def _create(**kw: object) -> SpotCheckCreate:
    base: dict[str, object] = {"sample_percent": 100}
    base.update(kw)
    return SpotCheckCreate.model_validate(base)


async def _targets(db: AsyncSession, spot_check_id: int) -> list[tuple[int, int, int | None]]:
    return await repository.stored_targets(db, spot_check_id)


def test_town_officer_draws_only_from_the_town(app_url: str, demo: Demo) -> None:
    async def go(db: AsyncSession) -> tuple[list[int], list[int]]:
        sc = await service.draw(db, demo.town, _create())
        return list(sc.population_ids), [t for _, t, _ in await _targets(db, sc.id or 0)]

    population, sample = run_as(app_url, demo.town, go)
    assert population == demo.town_ids  # every active one of the town, ascending
    assert sorted(sample) == demo.town_ids
    assert not set(sample) & set(demo.other_town_ids)


def test_district_officer_draws_from_every_town(app_url: str, demo: Demo) -> None:
    async def go(db: AsyncSession) -> list[int]:
        sc = await service.draw(db, demo.bureau, _create(sample_size=3, sample_percent=None))
        return list(sc.population_ids)

    population = run_as(app_url, demo.bureau, go)
    assert population == demo.district_ids
    assert set(demo.town_ids) < set(population) and set(demo.other_town_ids) < set(population)


def test_sector_officer_draws_only_from_the_sector(app_url: str, demo: Demo) -> None:
    async def go(db: AsyncSession) -> tuple[list[int], str | None, list[int]]:
        # Asking for another sector does not widen it: a department draws its own only.
        sc = await service.draw(db, demo.edu, _create(criteria=Criteria(sector="health")))
        sample = [t for _, t, _ in await _targets(db, sc.id or 0)]
        return list(sc.population_ids), sc.sector, sample

    population, sector, sample = run_as(app_url, demo.edu, go)
    assert demo.edu_ids and population == demo.edu_ids
    assert sector == "education"
    assert sorted(sample) == demo.edu_ids


def test_stored_draw_is_reproducible_from_its_seed(app_url: str, demo: Demo) -> None:
    async def go(db: AsyncSession) -> tuple[object, ...]:
        sc = await service.draw(
            db, demo.bureau, _create(sample_size=5, sample_percent=None, seed=20261124)
        )
        stored = await _targets(db, sc.id or 0)
        again = await service.draw(
            db, demo.bureau, _create(sample_size=5, sample_percent=None, seed=20261124)
        )
        other = await service.draw(
            db, demo.bureau, _create(sample_size=5, sample_percent=None, seed=20261125)
        )
        verification = await service.verify(db, sc.id or 0)
        return (
            sc,
            stored,
            await _targets(db, again.id or 0),
            await _targets(db, other.id or 0),
            verification,
        )

    sc, stored, again, other, verification = run_as(app_url, demo.bureau, go)
    assert isinstance(sc, service.SpotCheck)
    assert sc.seed == 20261124 and sc.algorithm == sampling.ALGORITHM
    assert list(sc.population_ids) == sorted(sc.population_ids) == demo.district_ids
    # The stored sample and checkers are exactly what the pure function gives.
    redo = sampling.draw(sc.population_ids, sc.seed, sc.sample_size, sc.checker_pool)
    assert stored == redo.targets()
    assert again == stored  # same population and seed: same sample, same checkers
    assert [t for _, t, _ in other] != [t for _, t, _ in stored]
    assert isinstance(verification, sampling.Verification) and verification.ok


def test_seed_is_drawn_when_not_given(app_url: str, demo: Demo) -> None:
    async def go(db: AsyncSession) -> list[int]:
        return [
            (await service.draw(db, demo.town, _create(sample_size=1, sample_percent=None))).seed
            for _ in range(3)
        ]

    seeds = run_as(app_url, demo.town, go)
    assert all(0 <= s <= sampling.MAX_SEED for s in seeds)
    assert len(set(seeds)) == 3


def test_checkers_are_the_officers_of_the_place(app_url: str, owner_url: str, demo: Demo) -> None:
    async def go(db: AsyncSession) -> tuple[set[int], list[int | None], list[int]]:
        candidates = {c.user_id for c in await service.checker_candidates(db, demo.town)}
        sc = await service.draw(db, demo.town, _create())
        checkers = [c for _, _, c in await _targets(db, sc.id or 0)]
        return candidates, checkers, list(sc.checker_pool)

    candidates, checkers, pool = run_as(app_url, demo.town, go)
    assert demo.town.user_id in candidates and demo.town2.user_id in candidates
    assert demo.grid.user_id not in candidates  # a grid inspector sees only the grid
    assert sorted(pool) == sorted(candidates)
    assert set(checkers) == candidates  # every checker gets some (sample ≥ pool here)

    with committed(owner_url) as conn:
        (outsider,) = user_ids(conn, "grid")

    async def refused(db: AsyncSession) -> None:
        await service.draw(db, demo.town, _create(checker_ids=[outsider]))

    with pytest.raises(DomainError) as e:
        run_as(app_url, demo.town, refused)
    assert e.value.field == "checker_ids"


def test_one_checker_chosen(app_url: str, demo: Demo) -> None:
    async def go(db: AsyncSession) -> set[int | None]:
        sc = await service.draw(db, demo.town, _create(checker_ids=[demo.town2.user_id]))
        return {c for _, _, c in await _targets(db, sc.id or 0)}

    assert run_as(app_url, demo.town, go) == {demo.town2.user_id}


def test_population_filters(app_url: str, owner_url: str, demo: Demo) -> None:
    with committed(owner_url) as conn:
        grid_ids = active_ids(conn, demo.grid_path)
        sites = [
            int(i)
            for (i,) in conn.execute(
                text(
                    "select id from enterprise where status = 'active' and kind = 'public_site'"
                    " and jurisdiction_path <@ cast(:p as ltree) order by id"
                ),
                {"p": demo.bureau.scope},
            )
        ]
        majors = [
            int(i)
            for (i,) in conn.execute(
                text(
                    "select e.id from enterprise e where e.status = 'active'"
                    " and e.jurisdiction_path <@ cast(:p as ltree) and exists (select 1 from"
                    " hazard h where h.tenant_id = e.id and h.tier = 'major'"
                    " and h.state in ('confirmed', 'rectifying', 'awaiting_acceptance'))"
                    " order by e.id"
                ),
                {"p": demo.bureau.scope},
            )
        ]

    async def go(db: AsyncSession) -> tuple[int, int, int]:
        p = demo.bureau
        _, in_grid = await service.population(db, p, Criteria(under=demo.grid_path))
        _, in_sites = await service.population(db, p, Criteria(kind="public_site"))
        _, with_majors = await service.population(db, p, Criteria(major_hazards=True))
        return in_grid, in_sites, with_majors

    assert run_as(app_url, demo.bureau, go) == (len(grid_ids), len(sites), len(majors))

    async def outside(db: AsyncSession) -> None:
        # A place outside the officer's town is refused, not silently empty.
        await service.population(db, demo.town, Criteria(under=str(demo.other_town.scope)))

    with pytest.raises(DomainError) as e:
        run_as(app_url, demo.town, outside)
    assert e.value.field == "under"


def test_criteria_narrowing_is_stored(app_url: str, demo: Demo) -> None:
    async def go(db: AsyncSession) -> tuple[dict[str, object], list[int]]:
        sc = await service.draw(
            db, demo.town, _create(criteria=Criteria(under=demo.grid_path, kind="enterprise"))
        )
        return dict(sc.criteria), list(sc.population_ids)

    criteria, population = run_as(app_url, demo.town, go)
    assert criteria["under"] == demo.grid_path and criteria["kind"] == "enterprise"
    assert criteria["under_name"] and criteria["sample_percent"] == 100
    assert set(population) <= set(demo.town_ids)


@pytest.mark.parametrize(
    ("who", "data", "field"),
    [
        ("grid", {"sample_size": 1}, None),
        ("boss", {"sample_size": 1}, None),
        ("town", {}, "sample_size"),
        ("town", {"sample_size": 1, "sample_percent": 5}, "sample_size"),
        ("town", {"sample_size": 100_000}, "sample_size"),
        ("town", {"sample_percent": 0}, "sample_percent"),
        ("town", {"sample_size": 1, "seed": -1}, "seed"),
        ("town", {"sample_size": 1, "title": "长" * 101}, "title"),
        ("town", {"sample_size": 1, "checker_ids": []}, "checker_ids"),
        (
            "town",
            {"sample_size": 1, "review_from": "2026-03-01", "review_to": "2026-02-01"},
            "review_to",
        ),
        ("town", {"sample_size": 1, "criteria": {"kind": "shop"}}, "kind"),
        ("town", {"sample_size": 1, "criteria": {"site_type": "zoo"}}, "site_type"),
    ],
)
def test_refused_draws_write_nothing(
    app_url: str, demo: Demo, who: str, data: dict[str, object], field: str | None
) -> None:
    p: Principal = getattr(demo, who)

    count = text("select count(*) from spot_check")

    async def go(db: AsyncSession) -> int:
        before = (await db.execute(count)).scalar_one()
        with pytest.raises(DomainError) as e:
            await service.draw(db, p, SpotCheckCreate.model_validate(data))
        if field is None:
            assert isinstance(e.value, Forbidden)
        else:
            assert e.value.field == field, e.value.message
        return int(before) - int((await db.execute(count)).scalar_one())

    assert run_as(app_url, p, go) == 0


def test_empty_population_is_explained(app_url: str, demo: Demo) -> None:
    async def go(db: AsyncSession) -> None:
        await service.draw(db, demo.town, _create(criteria=Criteria(industry="不存在的行业")))

    with pytest.raises(DomainError) as e:
        run_as(app_url, demo.town, go)
    assert "没有在营企业" in e.value.message


def test_default_review_period_is_the_three_previous_months() -> None:
    start, end = service.default_review_period(date(2026, 11, 24))
    assert (start, end) == (date(2026, 8, 1), date(2026, 10, 31))
    start, end = service.default_review_period(date(2026, 2, 10))
    assert (start, end) == (date(2025, 11, 1), date(2026, 1, 31))
    assert service.default_review_period()[1] < today()
    assert service.default_review_period()[1] == today().replace(day=1) - timedelta(days=1)
