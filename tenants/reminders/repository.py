"""Every query of the reminders part. Queries run as the caller: row-level security already
limits them to the tenant, so none of them filters by tenant."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import RowMapping, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.tenants.org.models import OrgUnit, Staff
from anwang.tenants.reminders.models import Alarm, Certificate, Equipment
from anwang.tenants.reminders.scan import RAISE_ONE, RESOLVE_ONE, subject_params
from anwang.tenants.risk.models import RiskPoint


async def rows(db: AsyncSession, sql: str, **params: Any) -> list[RowMapping]:
    result = await db.exec(text(sql), params=params)  # type: ignore[call-overload]
    return list(result.mappings())


def _unit_filter(column: str, units: set[int] | None) -> str:
    """SQL limiting `column` to the caller's units (`:units`); nothing when all are allowed."""
    return "" if units is None else f" and {column} = any(:units)"


# --- certificates -----------------------------------------------------------------------


_CERTIFICATES = """
select c.*, s.name as staff_name, u.name as org_unit_name
from certificate c
left join staff s on s.tenant_id = c.tenant_id and s.id = c.staff_id
left join org_unit u on u.tenant_id = c.tenant_id
  and u.id = coalesce(c.org_unit_id, (select id from org_unit where parent_id is null))
where true {where}
order by c.expires_on nulls last, c.id
"""


async def certificates(db: AsyncSession, units: set[int] | None = None) -> list[RowMapping]:
    """Certificates, the soonest to expire first; `units` limits them to those showing at
    those units (company certificates show at the root)."""
    where = _unit_filter("coalesce(c.org_unit_id, u.id)", units)
    return await rows(db, _CERTIFICATES.format(where=where), units=list(units or ()))


async def certificate_row(db: AsyncSession, certificate_id: int) -> RowMapping | None:
    found = await rows(db, _CERTIFICATES.format(where=" and c.id = :id"), id=certificate_id)
    return found[0] if found else None


async def get_certificate(db: AsyncSession, certificate_id: int) -> Certificate | None:
    return (await db.exec(select(Certificate).where(Certificate.id == certificate_id))).first()


async def get_staff(db: AsyncSession, staff_id: int) -> Staff | None:
    return (await db.exec(select(Staff).where(Staff.id == staff_id))).first()


async def staff_choices(db: AsyncSession) -> list[tuple[int, str]]:
    """Active people with their unit, for the holder select box."""
    found = await rows(
        db,
        "select s.id, s.name, u.name as unit from staff s"
        " join org_unit u on u.tenant_id = s.tenant_id and u.id = s.org_unit_id"
        " where s.active order by u.path, s.name",
    )
    return [(int(r["id"]), f"{r['name']}（{r['unit']}）") for r in found]


async def root_unit(db: AsyncSession) -> OrgUnit | None:
    return (await db.exec(select(OrgUnit).where(col(OrgUnit.parent_id).is_(None)))).first()


# --- equipment ---------------------------------------------------------------------------


_EQUIPMENT = """
select q.*, u.name as org_unit_name, r.name as risk_point_name, r.level as risk_level
from equipment q
join org_unit u on u.tenant_id = q.tenant_id and u.id = q.org_unit_id
left join risk_point r on r.tenant_id = q.tenant_id and r.id = q.risk_point_id
where true {where}
order by (q.status = 'in_use') desc, least(q.next_inspection_on, q.end_of_life_on) nulls last, q.id
"""


async def equipment_list(db: AsyncSession, units: set[int] | None = None) -> list[RowMapping]:
    where = _unit_filter("q.org_unit_id", units)
    return await rows(db, _EQUIPMENT.format(where=where), units=list(units or ()))


async def equipment_row(db: AsyncSession, equipment_id: int) -> RowMapping | None:
    found = await rows(db, _EQUIPMENT.format(where=" and q.id = :id"), id=equipment_id)
    return found[0] if found else None


async def get_equipment(db: AsyncSession, equipment_id: int) -> Equipment | None:
    return (await db.exec(select(Equipment).where(Equipment.id == equipment_id))).first()


async def get_unit(db: AsyncSession, unit_id: int) -> OrgUnit | None:
    return (await db.exec(select(OrgUnit).where(OrgUnit.id == unit_id))).first()


async def get_risk_point(db: AsyncSession, risk_point_id: int) -> RiskPoint | None:
    return (await db.exec(select(RiskPoint).where(RiskPoint.id == risk_point_id))).first()


async def risk_point_choices(db: AsyncSession) -> list[tuple[int, str]]:
    found = await rows(
        db,
        "select r.id, r.name, u.name as unit from risk_point r"
        " join org_unit u on u.tenant_id = r.tenant_id and u.id = r.org_unit_id"
        " where r.status = 'active' order by u.path, r.name",
    )
    return [(int(r["id"]), f"{r['name']}（{r['unit']}）") for r in found]


# --- alarms ------------------------------------------------------------------------------


_ALARMS = """
select a.*, u.name as org_unit_name
from alarm a
left join org_unit u on u.tenant_id = a.tenant_id and u.id = a.org_unit_id
where a.resolved_at is null {where}
order by (a.severity = 'alarm') desc, a.escalation_level desc, a.raised_at desc, a.id desc
{limit}
"""


async def open_alarms(
    db: AsyncSession, units: set[int] | None = None, limit: int | None = None
) -> list[RowMapping]:
    """Open alarms, the most severe and newest first; with `units`, those showing there."""
    where = _unit_filter("a.org_unit_id", units)
    sql = _ALARMS.format(where=where, limit=f"limit {int(limit)}" if limit else "")
    return await rows(db, sql, units=list(units or ()))


async def get_alarm(db: AsyncSession, alarm_id: int) -> Alarm | None:
    return (await db.exec(select(Alarm).where(Alarm.id == alarm_id))).first()


async def refresh_alarms(
    db: AsyncSession, today: date, subject_table: str, subject_id: int
) -> None:
    """Bring one subject's reminders and alarms up to date after an edit (the daily scan's
    own statements, narrowed to the subject; RLS keeps them inside the tenant)."""
    params = subject_params(today, subject_table, subject_id)
    await db.execute(RESOLVE_ONE, params)
    await db.execute(RAISE_ONE, params)


async def resolve_subject_alarms(db: AsyncSession, subject_table: str, subject_id: int) -> None:
    """Every open alarm of a subject that is gone."""
    await db.execute(
        text(
            "update alarm set resolved_at = now() where resolved_at is null"
            " and subject_table = :t and subject_id = :i"
        ),
        {"t": subject_table, "i": subject_id},
    )


# --- QR codes ----------------------------------------------------------------------------


async def by_token(db: AsyncSession, token: str) -> tuple[str, int] | None:
    """What a QR token names: ('risk_point' | 'equipment' | 'post', id), if visible."""
    found = await rows(
        db,
        "select 'risk_point' as kind, id from risk_point where qr_token = :t"
        " union all select 'equipment', id from equipment where qr_token = :t"
        " union all select 'post', id from org_unit where qr_token = :t and kind = 'post'",
        t=token,
    )
    return (str(found[0]["kind"]), int(found[0]["id"])) if found else None


async def risk_points_at(db: AsyncSession, unit_id: int) -> list[RiskPoint]:
    query = (
        select(RiskPoint)
        .where(RiskPoint.org_unit_id == unit_id, RiskPoint.status == "active")
        .order_by(col(RiskPoint.name))
    )
    return list((await db.exec(query)).all())


async def measures_of(db: AsyncSession, risk_point_ids: list[int]) -> dict[int, list[RowMapping]]:
    """The control measures of some risk points, by point, in their order."""
    if not risk_point_ids:
        return {}
    found = await rows(
        db,
        "select risk_point_id, kind, content from control_measure"
        " where risk_point_id = any(:ids) order by risk_point_id, sort, id",
        ids=risk_point_ids,
    )
    by_point: dict[int, list[RowMapping]] = {}
    for r in found:
        by_point.setdefault(int(r["risk_point_id"]), []).append(r)
    return by_point


async def label_rows(db: AsyncSession, kind: str, ids: Iterable[int] | None) -> list[RowMapping]:
    """Name, unit, level and token of the things to print labels for (all when `ids` is None)."""
    wanted = None if ids is None else sorted(set(ids))
    where = "" if wanted is None else " and x.id = any(:ids)"
    match kind:
        case "risk_point":
            sql = (
                "select x.id, x.name, x.qr_token, x.level, u.name as unit from risk_point x"
                " join org_unit u on u.tenant_id = x.tenant_id and u.id = x.org_unit_id"
                f" where x.status = 'active'{where} order by u.path, x.name"
            )
        case "equipment":
            sql = (
                "select x.id, x.name, x.qr_token, r.level, u.name as unit from equipment x"
                " join org_unit u on u.tenant_id = x.tenant_id and u.id = x.org_unit_id"
                " left join risk_point r on r.tenant_id = x.tenant_id and r.id = x.risk_point_id"
                f" where x.status <> 'scrapped'{where} order by u.path, x.name"
            )
        case "post":
            sql = (
                "select x.id, x.name, x.qr_token, p.name as unit,"
                " (select r.level from risk_point r where r.tenant_id = x.tenant_id"
                "   and r.org_unit_id = x.id and r.status = 'active' and r.level is not null"
                "   order by array_position(array['major','significant','general','low'],"
                "   r.level) limit 1) as level"
                " from org_unit x left join org_unit p"
                " on p.tenant_id = x.tenant_id and p.id = x.parent_id"
                f" where x.kind = 'post'{where} order by x.path"
            )
        case _:
            raise ValueError(kind)
    return await rows(db, sql, ids=wanted or [])
