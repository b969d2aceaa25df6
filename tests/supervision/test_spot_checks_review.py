"""The review of a sampled enterprise and its verdicts, through the service as the application
role: the records shown are those of the review period (monthly comprehensive self-checks
with their results, hazards with their before/after photos, daily photo duties), a failure
becomes a hazard (also for a sector department) or a supervision order, the last verdict
marks the draw done, and only the drawer publishes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.clock import today
from anwang.platform.errors import Conflict, DomainError, Forbidden
from anwang.platform.principal import Principal
from anwang.supervision.spot_checks import repository, sampling, service
from anwang.supervision.spot_checks.schemas import (
    Criteria,
    FindingCreate,
    SpotCheckCreate,
    VerdictCreate,
)
from tests.aio import run_as
from tests.supervision.spot_checks_support import active_ids
from tests.supervision.support import enterprise_principal, gov_principal
from tests.tenants.factories import committed
from tests.tenants.hazards_support import act_as

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def people(owner_url: str) -> dict[str, Any]:
    with committed(owner_url) as conn:
        town = gov_principal(conn, "town")
        second = conn.execute(
            text(
                "select u.username from app_user u join gov_membership g on g.user_id = u.id"
                " join jurisdiction j on j.id = g.jurisdiction_id where g.role = 'officer'"
                " and j.path = cast(:p as ltree) and u.username <> 'town' order by u.id limit 1"
            ),
            {"p": town.scope},
        ).scalar_one()
        boss = enterprise_principal(conn, "boss")
        edu = gov_principal(conn, "edu")
        assert town.scope and edu.scope
        school = active_ids(conn, edu.scope, "education")[0]
        return {
            "town": town,
            "town2": gov_principal(conn, second),
            "bureau": gov_principal(conn, "bureau"),
            "edu": edu,
            "boss": boss,
            "population": active_ids(conn, town.scope),
            "school": school,
            "edu_population": active_ids(conn, edu.scope, "education"),
        }


def _seed_for(population: list[int], tenant: int, size: int, pool: list[int]) -> int:
    return next(
        s for s in range(10_000) if tenant in sampling.draw(population, s, size, pool).sample
    )


async def _draw_with(
    db: AsyncSession, p: Principal, tenant: int, population: list[int], **kw: Any
) -> int:
    """A draw by `p` of two enterprises including `tenant`, checked by `p` alone."""
    assert p.user_id is not None
    data = SpotCheckCreate(
        sample_size=2,
        seed=_seed_for(population, tenant, 2, [p.user_id]),
        checker_ids=[p.user_id],
        **kw,
    )
    sc = await service.draw(db, p, data)
    assert sc.id is not None
    return sc.id


async def _insert(db: AsyncSession, sql: str, **params: Any) -> int:
    return int((await db.execute(text(sql + " returning id"), params)).scalar_one())


async def _photo(db: AsyncSession, tenant: int, table: str, subject: int, role: str) -> int:
    return await _insert(
        db,
        "insert into attachment (tenant_id, kind, storage_key, content_type, bytes, sha256,"
        " subject_table, subject_id, subject_role) values (:t, 'photo', :k, 'image/jpeg', 100,"
        " 'x', :table, :s, :r)",
        t=tenant,
        k=f"test/{uuid.uuid4().hex}.jpg",
        table=table,
        s=subject,
        r=role,
    )


async def _records(db: AsyncSession, boss: Principal) -> dict[str, Any]:
    """As the enterprise: a daily dust-cleaning point with three days of tasks (two checked,
    with photos), a hazard of the period with before/after photos, an older closed hazard and
    an older open one."""
    t = boss.tenant_id
    unit = int(
        (
            await db.execute(
                text("select id from org_unit where tenant_id = :t and parent_id is null"),
                {"t": t},
            )
        ).scalar_one()
    )
    point = await _insert(
        db,
        "insert into risk_point (tenant_id, org_unit_id, name, kind, inspection_frequency,"
        " method, level, control_level) values (:t, :u, '抛光车间粉尘清扫', 'place', 'daily',"
        " 'direct', 'significant', 'department')",
        t=t,
        u=unit,
    )
    checklist = await _insert(
        db,
        "insert into checklist (tenant_id, org_unit_id, name, kind, frequency)"
        " values (:t, :u, '粉尘清扫每日检查', 'routine', 'daily')",
        t=t,
        u=unit,
    )
    item = await _insert(
        db,
        "insert into checklist_item (tenant_id, checklist_id, risk_point_id, content)"
        " values (:t, :c, :p, '除尘设施清扫并拍照')",
        t=t,
        c=checklist,
        p=point,
    )
    photos: list[int] = []
    for days_ago, status in ((3, "done"), (2, "done"), (1, "missed")):
        start = NOW - timedelta(days=days_ago)
        task = await _insert(
            db,
            "insert into inspection_task (tenant_id, checklist_id, org_unit_id, period_key,"
            " starts_at, due_at, status) values (:t, :c, :u, :k, :s, :d, :st)",
            t=t,
            c=checklist,
            u=unit,
            k=f"test-{uuid.uuid4().hex[:8]}",
            s=start,
            d=start + timedelta(hours=20),
            st=status,
        )
        if status == "done":
            check = await _insert(
                db,
                "insert into inspection_check (tenant_id, checklist_id, task_id, started_at,"
                " finished_at) values (:t, :c, :k, :s, :s)",
                t=t,
                c=checklist,
                k=task,
                s=start + timedelta(hours=1),
            )
            await db.execute(
                text(
                    "insert into check_result (tenant_id, check_id, item_id, result)"
                    " values (:t, :c, :i, 'ok')"
                ),
                {"t": t, "c": check, "i": item},
            )
            photos.append(await _photo(db, t, "inspection_check", check, "evidence"))
            if days_ago == 3:
                photos.append(await _photo(db, t, "inspection_check", check, "evidence"))
    hazard = await _insert(
        db,
        "insert into hazard (tenant_id, source, state, tier, title, found_at, measure)"
        " values (:t, 'report', 'closed', 'general', '除尘管道积尘', :f, '已清理积尘')",
        t=t,
        f=NOW - timedelta(days=4),
    )
    before = await _photo(db, t, "hazard", hazard, "before")
    after = await _photo(db, t, "hazard", hazard, "after")
    long_ago = NOW - timedelta(days=400)
    old_closed = await _insert(
        db,
        "insert into hazard (tenant_id, source, state, tier, title, found_at, closed_at)"
        " values (:t, 'report', 'closed', 'general', '早已销号的隐患', :f, :f)",
        t=t,
        f=long_ago,
    )
    old_open = await _insert(
        db,
        "insert into hazard (tenant_id, source, state, tier, title, found_at, deadline)"
        " values (:t, 'report', 'rectifying', 'general', '迟迟未改的隐患', :f, :d)",
        t=t,
        f=long_ago,
        d=(NOW - timedelta(days=300)).date(),
    )
    return {
        "point": point,
        "photos": photos,
        "hazard": hazard,
        "before": before,
        "after": after,
        "old_closed": old_closed,
        "old_open": old_open,
    }


def test_review_shows_the_period_records_with_photos(app_url: str, people: dict[str, Any]) -> None:
    town, boss = people["town"], people["boss"]

    async def go(db: AsyncSession) -> tuple[dict[str, Any], service.Review, int]:
        await act_as(db, boss)
        made = await _records(db, boss)
        await act_as(db, town)
        sid = await _draw_with(
            db,
            town,
            boss.tenant_id,
            people["population"],
            review_from=today() - timedelta(days=100),
            review_to=today(),
        )
        sc = await service.get(db, sid)
        expected_tasks = (
            await db.execute(
                text(
                    "select count(*) from inspection_task t join checklist c on c.tenant_id ="
                    " t.tenant_id and c.id = t.checklist_id where t.tenant_id = :t and"
                    " c.kind = 'comprehensive' and t.starts_at < :e and t.due_at > :s"
                ),
                {
                    "t": boss.tenant_id,
                    **dict(
                        zip("se", service.period_bounds(sc.review_from, sc.review_to), strict=True)
                    ),
                },
            )
        ).scalar_one()
        return made, await service.review(db, sc, boss.tenant_id or 0), int(expected_tasks)

    made, review, expected_tasks = run_as(app_url, town, go)
    # Every comprehensive self-check of the period, with its results counted.
    assert len(review.self_checks) == expected_tasks > 0
    done = [c for c in review.self_checks if c["check_id"]]
    assert done and all(c["ok"] + c["not_ok"] + c["na"] > 0 for c in done)
    # Hazards: the period's and the still-open older one, not the long-closed one.
    by_id = {h["id"]: h for h in review.hazards}
    assert made["hazard"] in by_id and made["old_open"] in by_id
    assert made["old_closed"] not in by_id
    assert by_id[made["hazard"]]["before_photo_ids"] == [made["before"]]
    assert by_id[made["hazard"]]["after_photo_ids"] == [made["after"]]
    # The daily duty: tasks by status, the days with photos, the photos newest first.
    duty = next(d for d in review.daily_duties if d["id"] == made["point"])
    assert duty["tasks"] == {"done": 2, "missed": 1}
    assert duty["days_with_photos"] == 2 and duty["photo_count"] == 3
    assert set(duty["photo_ids"]) == set(made["photos"])
    assert duty["photo_ids"][0] == made["photos"][-1]  # the newest check's photo first


def test_failures_become_a_hazard_or_an_order(app_url: str, people: dict[str, Any]) -> None:
    town, boss = people["town"], people["boss"]

    async def go(db: AsyncSession) -> dict[str, Any]:
        await act_as(db, boss)
        made = await _records(db, boss)
        await act_as(db, town)
        sid = await _draw_with(db, town, boss.tenant_id, people["population"])
        t = boss.tenant_id or 0
        duty = await service.record_finding(
            db,
            town,
            sid,
            t,
            FindingCreate(
                item="daily_photos",
                subject_id=made["point"],
                verdict="fail",
                note="11月有1天未拍照",
                action="hazard",
            ),
        )
        rect = await service.record_finding(
            db,
            town,
            sid,
            t,
            FindingCreate(
                item="rectification",
                subject_id=made["hazard"],
                verdict="fail",
                note="整改后照片看不出已清理",
                action="order",
                deadline=today() + timedelta(days=10),
            ),
        )
        hazard = (
            await db.execute(
                text(
                    "select source, state, reported_by, risk_point_id, title from hazard"
                    " where tenant_id = :t and id = :h"
                ),
                {"t": t, "h": duty.hazard_id},
            )
        ).one()
        order = (
            await db.execute(
                text(
                    "select subject, tenant_id, hazard_id, title, deadline from supervision_order"
                    " where id = :o"
                ),
                {"o": rect.order_id},
            )
        ).one()
        await act_as(db, boss)  # the enterprise sees the hazard in its own loop
        seen = (
            await db.execute(
                text("select count(*) from hazard where id = :h and source = 'spot_check'"),
                {"h": duty.hazard_id},
            )
        ).scalar_one()
        return {"made": made, "hazard": hazard, "order": order, "seen": seen}

    out = run_as(app_url, town, go)
    h = out["hazard"]
    assert (h.source, h.state, h.reported_by) == ("spot_check", "reported", town.user_id)
    assert h.risk_point_id == out["made"]["point"]
    assert h.title == "线上抽查：每日检查拍照不符合要求"
    o = out["order"]
    assert (o.subject, o.tenant_id, o.hazard_id) == (
        "hazard",
        boss.tenant_id,
        out["made"]["hazard"],
    )
    assert o.title == "隐患“除尘管道积尘”整改不到位"
    assert out["seen"] == 1


def test_sector_officer_reviews_and_opens_a_hazard(app_url: str, people: dict[str, Any]) -> None:
    edu = people["edu"]

    async def go(db: AsyncSession) -> tuple[str, str | None]:
        sid = await _draw_with(db, edu, people["school"], people["edu_population"])
        f = await service.record_finding(
            db,
            edu,
            sid,
            people["school"],
            FindingCreate(item="other", verdict="fail", note="消防通道堆放杂物", action="hazard"),
        )
        row = (
            await db.execute(
                text("select source, sector from hazard where id = :h"), {"h": f.hazard_id}
            )
        ).one()
        return str(row.source), row.sector

    assert run_as(app_url, edu, go) == ("spot_check", "education")


def test_records_of_another_enterprise_are_refused(app_url: str, people: dict[str, Any]) -> None:
    town, boss = people["town"], people["boss"]

    async def go(db: AsyncSession) -> None:
        sid = await _draw_with(db, town, boss.tenant_id, people["population"])
        other_hazard = (
            await db.execute(
                text("select id from hazard where tenant_id <> :t order by id limit 1"),
                {"t": boss.tenant_id},
            )
        ).scalar_one()
        await service.record_finding(
            db,
            town,
            sid,
            boss.tenant_id or 0,
            FindingCreate(item="rectification", subject_id=other_hazard, verdict="pass"),
        )

    with pytest.raises(DomainError) as e:
        run_as(app_url, town, go)
    assert e.value.field == "subject_id"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"item": "weather", "verdict": "pass"}, "item"),
        ({"item": "other", "verdict": "maybe"}, "verdict"),
        ({"item": "other", "verdict": "fail", "note": ""}, "note"),
        ({"item": "other", "verdict": "pass", "action": "hazard"}, "action"),
        ({"item": "other", "verdict": "fail", "note": "x", "action": "fine"}, "action"),
        ({"item": "other", "verdict": "fail", "note": "x", "action": "order"}, "deadline"),
        ({"item": "self_check", "verdict": "pass"}, "subject_id"),
        ({"item": "other", "verdict": "pass", "note": "长" * 1001}, "note"),
    ],
)
def test_bad_findings_are_refused(
    app_url: str, people: dict[str, Any], data: dict[str, Any], field: str
) -> None:
    town, boss = people["town"], people["boss"]

    async def go(db: AsyncSession) -> int:
        sid = await _draw_with(db, town, boss.tenant_id, people["population"])
        with pytest.raises(DomainError) as e:
            await service.record_finding(
                db, town, sid, boss.tenant_id or 0, FindingCreate.model_validate(data)
            )
        assert e.value.field == field, e.value.message
        return len(await repository.findings(db, sid))

    assert run_as(app_url, town, go) == 0


def test_last_verdict_marks_done_and_only_the_drawer_publishes(
    app_url: str, people: dict[str, Any]
) -> None:
    town, town2 = people["town"], people["town2"]

    async def go(db: AsyncSession) -> list[str]:
        assert town2.user_id is not None
        sc = await service.draw(
            db,
            town,
            SpotCheckCreate(sample_size=2, checker_ids=[town2.user_id], criteria=Criteria()),
        )
        sid = sc.id or 0
        targets = await repository.stored_targets(db, sid)
        states = [sc.status]
        with pytest.raises(Conflict):
            await service.publish(db, town, sid)
        # Another officer of the bureau (not drawn for it, not the drawer) may not record.
        await act_as(db, people["bureau"])
        with pytest.raises(Forbidden):
            await service.record_verdict(
                db, people["bureau"], sid, targets[0][1], VerdictCreate(verdict="pass")
            )
        await act_as(db, town2)
        with pytest.raises(DomainError) as e:
            await service.record_verdict(
                db, town2, sid, targets[0][1], VerdictCreate(verdict="fail")
            )
        assert e.value.field == "summary"
        for _, tenant, _ in targets:
            await service.record_verdict(db, town2, sid, tenant, VerdictCreate(verdict="pass"))
            states.append((await service.get(db, sid)).status)
        with pytest.raises(Forbidden):
            await service.publish(db, town2, sid)
        await act_as(db, town)
        published = await service.publish(db, town, sid)
        states.append(published.status)
        assert published.published_at is not None and published.published_by == town.user_id
        with pytest.raises(Conflict):
            await service.record_finding(
                db, town, sid, targets[0][1], FindingCreate(item="other", verdict="pass")
            )
        return states

    assert run_as(app_url, town, go) == ["reviewing", "reviewing", "done", "published"]
