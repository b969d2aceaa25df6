"""Patrol pages. `/inspector` is the tablet page of everyone who patrols (grid inspectors,
town officers, sector officers; `/patrol` leads there): today's list and this cycle's, nearest
first when the tablet gives a location, and the visit form, which keeps working offline (the
service worker `/inspector/sw.js` caches the page, the visit waits in IndexedDB and is sent
with its idempotency key when the network is back). `/patrol/overview`: coverage and lateness
per inspector, grid and town, and who is not visited yet. `/patrol/visits/{id}`: one visit.

The tablet sends visits to `/inspector/visits` with its session cookie and the CSRF token in a
header, not to `/api/...`: the API takes bearer tokens only and is exempt from CSRF checks,
so a cookie accepted there would let any site post visits in the inspector's name."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

from litestar import Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy import RowMapping

from anwang.platform.attachments import service as attachments
from anwang.platform.clock import cn_date, cn_time, today
from anwang.platform.errors import DomainError, InvalidInput
from anwang.platform.principal import Principal
from anwang.platform.registry.sectors import SECTORS
from anwang.platform.web import shell_queries as queries
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.shells import PageNumber, Req
from anwang.supervision.pages import render
from anwang.supervision.patrol import repository, service
from anwang.supervision.patrol.checklist import CHECKLIST, RESULTS
from anwang.supervision.patrol.controllers import VISIT_BODY_LIMIT, read_visit_upload
from anwang.supervision.patrol.controllers import routes as api_routes
from anwang.supervision.patrol.planning import DEFAULT_MONTHS, DUE_SOON_DAYS
from anwang.supervision.patrol.schemas import RuleSet
from anwang.supervision.vocabulary import PATROL_KINDS
from anwang.tenants.vocabulary import HAZARD_STATES

STATIC = Path(__file__).resolve().parent.parent / "static"
# Who patrols with the tablet page, and who reads the coverage.
PATROLLERS = require("gov", "sector", roles=("grid_inspector", "officer", "sector_officer"))
OVERVIEW_READERS = require("gov", "sector", roles=("officer", "sector_officer"))
OFFICER = require("gov", roles=("officer",))
STATUS_NAMES = {"planned": "待巡查", "visited": "已巡查", "missed": "漏巡"}
STATUS_BADGES = {"planned": "info", "visited": "active", "missed": "closed"}
Kind = Annotated[str | None, QueryParameter(pattern="^(grid|town|sector)$")]
IsoDate = Annotated[str | None, QueryParameter(pattern=r"^\d{4}-\d{2}-\d{2}$")]


def _active(p: Principal) -> str:
    return "/inspector" if p.role == "grid_inspector" else "/patrol/overview"


def _weekday(d: date) -> str:
    return "一二三四五六日"[d.weekday()]


# --- the tablet page ---------------------------------------------------------------------


@get("/inspector", guards=[PATROLLERS], include_in_schema=False)
async def inspector_home(request: Req, db: Db, page: PageNumber = 1) -> Template:
    """Today's and this cycle's list, the visit form, the outbox, and the area's enterprises."""
    p: Principal = request.user
    day = today()
    cycles = await repository.my_cycles(db, p.user_id or 0, day)
    rows = await repository.my_assignments(db, p.user_id or 0, day)
    total = sum(int(c["total"]) for c in cycles)
    visited = sum(int(c["visited"]) for c in cycles)
    ends = min((c["ends_on"] for c in cycles), default=None)
    items = [
        {
            "id": r["id"],
            "tenant_id": r["tenant_id"],
            "name": r["enterprise_name"],
            "address": r["address"],
            "lat": r["lat"],
            "lon": r["lon"],
            "due_on": r["due_on"].isoformat(),
            "due_text": f"{r['due_on'].month}月{r['due_on'].day}日（周{_weekday(r['due_on'])}）",
            "status": r["status"],
            "today": r["status"] == "planned" and r["due_on"] <= day,
            "late": r["status"] == "planned" and r["due_on"] < day,
        }
        for r in rows
    ]
    data = {
        "user_id": p.user_id,
        "today": day.isoformat(),
        # Shown when the page is the service worker's offline copy: how old the list is.
        "rendered_at": datetime.now(UTC).isoformat(),
        "checklist": [{"code": c, "name": n, "hint": h} for c, (n, h) in CHECKLIST.items()],
        "results": RESULTS,
        "photo_limit": service.PHOTOS_MAX,
        "findings_max": service.FINDINGS_MAX,
        "photo_bytes": attachments.MAX_UPLOAD_BYTES,
        "body_bytes": VISIT_BODY_LIMIT,
    }
    return render(
        "patrol/inspector.html",
        request,
        _active(p),
        day=day,
        cycles=cycles,
        total=total,
        visited=visited,
        days_left=(ends - day).days + 1 if ends else None,
        due_soon=DUE_SOON_DAYS,
        items=items,
        today_count=sum(1 for i in items if i["today"]),
        alarms=await repository.my_open_alarms(db, p.user_id or 0),
        data=data,
        kinds=PATROL_KINDS,
        statuses=STATUS_NAMES,
        badges=STATUS_BADGES,
        cn=cn_date,
        totals=await queries.totals(db),
        listing=await queries.enterprise_page(db, page=page, size=100),
    )


@get("/patrol", guards=[PATROLLERS], include_in_schema=False, sync_to_thread=False)
def patrol_home() -> Redirect:
    """The patrol page of officers and sector officers is the inspectors' tablet page."""
    return Redirect("/inspector")


@functools.cache
def _worker_script() -> bytes:
    return (STATIC / "patrol-sw.js").read_bytes()


@get(
    "/inspector/sw.js",
    exclude_from_auth=True,
    include_in_schema=False,
    sync_to_thread=False,
    media_type="text/javascript",
)
def service_worker() -> Response[bytes]:
    """The patrol page's service worker, served under /inspector so its scope can be the
    page itself (Service-Worker-Allowed); always revalidated, so a new version is picked up
    at the next visit online."""
    return Response(
        _worker_script(),
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/inspector", "Cache-Control": "no-cache"},
    )


@post(
    "/inspector/visits",
    guards=[PATROLLERS],
    request_max_body_size=VISIT_BODY_LIMIT,
    include_in_schema=False,
)
async def send_visit(request: Req, db: Db) -> Response[dict[str, Any]]:
    """A visit from the tablet's outbox (multipart like POST /api/v1/patrol/visits, with the
    session cookie and the CSRF header): 201 stored, 200 already stored (same idempotency
    key); errors as JSON with a Chinese message, and nothing of the visit kept."""
    try:
        data, photos, finding_photos = await read_visit_upload(request)
        done = await service.record_visit(db, request.user, data, photos, finding_photos)
        body = (await service.read(db, done.visit)).model_dump(mode="json")
    except DomainError as e:
        await db.rollback()  # the request's unit of work must not commit a half visit
        errors = e.errors if isinstance(e, InvalidInput) else {}
        return Response(
            {"detail": e.message, "field": e.field, "errors": errors}, status_code=e.status_code
        )
    return Response(body, status_code=HTTP_201_CREATED if done.created else HTTP_200_OK)


# --- one visit ----------------------------------------------------------------------------------


@get("/patrol/visits/{visit_id:int}", guards=[require("gov", "sector")], include_in_schema=False)
async def visit_page(request: Req, db: Db, visit_id: FromPath[int]) -> Template:
    v = await service.get_visit(db, visit_id)
    view = await service.read(db, v)
    hazards = await repository.visit_hazards(db, v)
    names = await queries.display_names(db, [v.inspector_user_id])
    results = {r.get("code"): r for r in view.results}
    return render(
        "patrol/visit.html",
        request,
        _active(request.user),
        v=view,
        inspector=names.get(v.inspector_user_id, ""),
        rows=[
            (name, hint, results.get(code, {}).get("result"), results.get(code, {}).get("note"))
            for code, (name, hint) in CHECKLIST.items()
        ],
        result_names=RESULTS,
        hazards=hazards,
        hazard_states=HAZARD_STATES,
        kinds=PATROL_KINDS,
        cn_time=cn_time,
    )


# --- the overview -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    total: int
    visited: int
    late: int
    missed: int
    behind: int

    @property
    def rate(self) -> float:
        return 100.0 * self.visited / self.total if self.total else 0.0

    @property
    def late_rate(self) -> float:
        return 100.0 * self.late / self.visited if self.visited else 0.0


def _coverage(r: RowMapping) -> Coverage:
    return Coverage(*(int(r[k]) for k in ("total", "visited", "late", "missed", "behind")))


def _sum(rows: list[RowMapping]) -> Coverage:
    return Coverage(
        *(sum(int(r[k]) for r in rows) for k in ("total", "visited", "late", "missed", "behind"))
    )


@get("/patrol/overview", guards=[OVERVIEW_READERS], include_in_schema=False)
async def overview(
    request: Req,
    db: Db,
    kind: Kind = None,
    period: IsoDate = None,
) -> Template:
    """Coverage and lateness of one kind of patrol over one period (the current one unless
    `period` names another's first day)."""
    p: Principal = request.user
    kinds = ["sector"] if p.kind == "sector" else ["grid", "town", "sector"]
    chosen = kind if kind in kinds else kinds[0]
    day = today()
    periods = await repository.cycle_periods(db, chosen)
    current = None
    if period:
        current = next((x for x in periods if x["starts_on"].isoformat() == period), None)
    if current is None:
        current = next(
            (x for x in periods if x["starts_on"] <= day <= x["ends_on"]),
            periods[0] if periods else None,
        )
    context: dict[str, Any] = {
        "kinds": {k: PATROL_KINDS[k] for k in kinds},
        "kind": chosen,
        "periods": periods,
        "current": current,
        "day": day,
        "cn": cn_date,
        "statuses": STATUS_NAMES,
        "badges": STATUS_BADGES,
        "sectors": SECTORS,
    }
    if current is not None:
        s, e = current["starts_on"], current["ends_on"]
        inspectors = await repository.coverage_by_inspector(db, chosen, s, e, day)
        towns = await repository.coverage_by_area(db, chosen, s, e, day, "town")
        grids = (
            await repository.coverage_by_area(db, chosen, s, e, day, "grid")
            if chosen == "grid"
            else []
        )
        context.update(
            inspectors=inspectors,
            towns=towns,
            grids=grids,
            whole=_sum(inspectors),
            cover=_coverage,
            unvisited=await repository.unvisited(db, chosen, s, e),
            unvisited_total=await repository.unvisited_count(db, chosen, s, e),
            ended=e < day,
        )
    context.update(await _rules_context(db, p))
    return render("patrol/overview.html", request, "/patrol/overview", **context)


async def _rules_context(db: Db, p: Principal) -> dict[str, Any]:
    own = await repository.jurisdiction_at(db, p.scope or "") if p.scope else None
    may_set = p.kind == "gov" and own is not None and own["level"] in ("district", "city")
    places = await repository.rule_places(db, str(own["path"])) if may_set and own else []
    return {
        "rules": await repository.rules(db),
        "defaults": DEFAULT_MONTHS,
        "rule_kinds": PATROL_KINDS,
        "may_set_rules": may_set,
        "rule_places": places,
    }


@post("/patrol/rules", guards=[OFFICER], include_in_schema=False)
async def set_rule(request: Req, db: Db) -> Redirect:
    """The rule form of the overview page (district and city officers)."""
    form = await request.form()
    months = str(form.get("cycle_months") or "").strip()
    try:
        data = RuleSet(
            jurisdiction_id=int(str(form.get("jurisdiction_id") or "0")),
            patrol_kind=str(form.get("patrol_kind") or ""),
            sector=str(form.get("sector") or "") or None,
            cycle_months=int(months) if months else None,
        )
    except ValueError as e:
        raise DomainError("请选择辖区并填写1至12之间的月数") from e
    await service.set_rule(db, request.user, data)
    return Redirect("/patrol/overview#rules")


# The pages and the JSON API of patrols (supervision/routes.py collects this one list).
routes: list[Any] = [
    inspector_home,
    patrol_home,
    service_worker,
    send_visit,
    visit_page,
    overview,
    set_rule,
    *api_routes,
]
