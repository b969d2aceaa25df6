"""The figures of a place as a person asks for them: which place (inside the caller's scope),
its sums, the places below it, the trend; rates derived from the stored counts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import RowMapping
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform import clock
from anwang.platform.errors import NotFound
from anwang.platform.principal import Principal
from anwang.supervision.rollups import repository
from anwang.supervision.rollups.refresh import (
    COLOURS,
    LEVELS,
    OPEN_STATES,
    PATROL_KINDS,
    PATROL_MEASURES,
    SCALES,
    STATES,
    STATUSES,
    TIERS,
)
from anwang.supervision.rollups.schemas import (
    ChildFigures,
    Completion,
    EnterpriseRow,
    FigureSet,
    MonthPoint,
    PatrolCycleFigures,
    PatrolFigures,
    Place,
    PlaceFigures,
    ratio,
)

TREND_MONTHS = 12
NOT_IN_SCOPE = "辖区不存在或不在您的管辖范围内"


def figures_of(row: Mapping[str, Any] | RowMapping | None) -> FigureSet:
    """A FigureSet from a row of area_figures or enterprise_figures (None: all zero)."""
    r: Mapping[Any, Any] = row or {}

    def n(name: str) -> int:
        return int(r.get(name) or 0)

    hazards = {t: {s: n(f"h_{t}_{s}") for s in STATES} for t in TIERS}
    found = sum(c for t in hazards.values() for s, c in t.items() if s != "rejected")
    closed = sum(hazards[t]["closed"] for t in TIERS)
    is_enterprise = "tenant_id" in r
    if is_enterprise:
        kind = r.get("kind")
        enterprises, sites = int(kind == "enterprise"), int(kind == "public_site")
        highest = r.get("highest_level")
        colours = {c.removeprefix("ent_"): int(highest == lv) for lv, c in COLOURS.items()}
        colours["none"] = int(highest is None)
        statuses = {st: int(kind == "enterprise" and r.get("status") == st) for st in STATUSES}
        scales = {sc: int(kind == "enterprise" and r.get("scale") == sc) for sc in SCALES}
    else:
        enterprises, sites = n("enterprises"), n("sites")
        colours = {c.removeprefix("ent_"): n(c) for c in (*COLOURS.values(), "ent_none")}
        statuses = {st: n(f"status_{st}") for st in STATUSES}
        scales = {sc: n(f"scale_{sc}") for sc in SCALES}
    return FigureSet(
        enterprises=enterprises,
        sites=sites,
        colours=colours,
        statuses=statuses,
        scales=scales,
        risk_points={
            **{lv: n(f"risk_{lv}") for lv in LEVELS},
            "unassessed": n("risk_unassessed"),
        },
        hazards=hazards,
        hazards_found=found,
        hazards_open=sum(hazards[t][s] for t in TIERS for s in OPEN_STATES),
        hazards_closed=closed,
        hazards_overdue=n("hazards_overdue"),
        closed_on_time=n("closed_on_time"),
        major_open=sum(hazards["major"][s] for s in OPEN_STATES),
        major_overdue=n("major_overdue"),
        listed_open=n("listed_open"),
        listed_overdue=n("listed_overdue"),
        selfcheck_this_month=Completion.of(n("selfcheck_due_this"), n("selfcheck_done_this")),
        selfcheck_last_month=Completion.of(n("selfcheck_due_last"), n("selfcheck_done_last")),
        patrol={kind: _patrol(n, kind) for kind in PATROL_KINDS},
        rectification_rate=ratio(closed, found),
        on_time_rate=ratio(n("closed_on_time"), closed),
        highest_level=r.get("highest_level") if is_enterprise else None,
    )


def _patrol(n: Callable[[str], int], kind: str) -> PatrolFigures:
    cur, prev = (
        PatrolCycleFigures.of(*(n(f"patrol_{kind}_{slot}_{what}") for what in PATROL_MEASURES))
        for slot in ("cur", "prev")
    )
    return PatrolFigures(cur, prev)


def first_trend_month(today: date) -> date:
    """The first of the twelve months ending with this one."""
    months = today.year * 12 + today.month - 1 - (TREND_MONTHS - 1)
    return date(months // 12, months % 12 + 1, 1)


def trend(rows: list[Any], today: date) -> list[MonthPoint]:
    """One point per month of the last twelve, zero where nothing happened."""
    by_month = {r["month"]: r for r in rows}
    first = first_trend_month(today)
    out = []
    for i in range(TREND_MONTHS):
        m = first.year * 12 + first.month - 1 + i
        month = date(m // 12, m % 12 + 1, 1)
        r = by_month.get(month)
        out.append(
            MonthPoint(f"{month:%Y-%m}", int(r["found"]) if r else 0, int(r["closed"]) if r else 0)
        )
    return out


def _inside(path: str, scope: str) -> bool:
    return path == scope or path.startswith(scope + ".")


async def place_in_scope(db: AsyncSession, p: Principal, under: str = "") -> Place:
    """The caller's own place, or `under` when it lies inside their scope; else 404."""
    scope = p.scope or ""
    path = under or scope
    row = await repository.place_by_path(db, path) if scope and _inside(path, scope) else None
    if row is None:
        raise NotFound(NOT_IN_SCOPE)
    return Place(int(row["id"]), str(row["name"]), str(row["level"]), str(row["path"]))


async def place_figures(
    db: AsyncSession, p: Principal, under: str = "", *, today: date | None = None
) -> PlaceFigures:
    """The figures of the caller's place or of `under` inside it. A sector principal gets the
    sums of their own sector; everyone else those of all sectors."""
    place = await place_in_scope(db, p, under)
    sector = p.sector if p.kind == "sector" else None
    key = sector or repository.ALL_SECTORS
    today = today or clock.today()
    child_rows = await repository.children(db, place.id, key)
    children = [
        ChildFigures(
            Place(int(c["place_id"]), c["place_name"], c["place_level"], c["place_path"]),
            figures_of(c if c["jurisdiction_id"] is not None else None),
        )
        for c in child_rows
    ]
    enterprises = []
    if not children:
        enterprises = [
            EnterpriseRow(int(e["tenant_id"]), e["name"], e["kind"], e["site_type"], figures_of(e))
            for e in await repository.enterprises_at(db, place.id, sector)
        ]
    state = await repository.state(db)
    return PlaceFigures(
        place=place,
        sector=sector,
        figures=figures_of(await repository.area(db, place.id, key)),
        children=children,
        enterprises=enterprises,
        trend=trend(await repository.months(db, place.id, first_trend_month(today), key), today),
        as_of=state["as_of"] if state else None,
        refreshed_at=state["refreshed_at"] if state else None,
    )


async def sector_figures(db: AsyncSession, p: Principal, under: str = "") -> PlaceFigures:
    """The figures of a sector department's own sector in its jurisdiction (or in `under`
    inside it): for the sector pages."""
    if p.kind != "sector" or not p.sector:
        raise NotFound(NOT_IN_SCOPE)
    return await place_figures(db, p, under)


async def enterprise_figures(
    db: AsyncSession, tenant_id: int
) -> tuple[FigureSet, list[MonthPoint]]:
    """One visible enterprise's figures and trend; 404 when it is not visible."""
    row = await repository.enterprise(db, tenant_id)
    if row is None:
        raise NotFound("企业不存在或不在您的管辖范围内")
    today = clock.today()
    months = await repository.enterprise_months(db, tenant_id, first_trend_month(today))
    return figures_of(row), trend(months, today)
