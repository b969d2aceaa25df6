"""Dangerous-operation pages. The enterprise's `/enterprise/operations` (now / upcoming / past,
the report form, one permit with its steps) and the supervising view `/operations/live` of
bureaus and sector departments (under way now and later today, by kind, on a schematic map
of the jurisdiction, and past permits by date). Forms go through the same service as the API
and come back with everything typed kept when refused."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any, ClassVar

from litestar import get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.clock import CHINA, cn_time
from anwang.platform.errors import DomainError, InvalidInput
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.forms import form_errors
from anwang.platform.web.listing import ListAddress
from anwang.platform.web.shell_queries import Page
from anwang.platform.web.shells import Req
from anwang.supervision import pages as gov_pages
from anwang.supervision.operations import limits, repository, service
from anwang.supervision.operations.models import DangerousOperation
from anwang.supervision.operations.schemas import GasTest, OperationAction, OperationCreate
from anwang.tenants import pages as tenant_pages
from anwang.tenants.org.repository import unit_choices

ENTERPRISE = require("enterprise")
SUPERVISORS = require("gov", "sector")
LIST = "/enterprise/operations"
LIVE = "/operations/live"
PAGE_SIZE = 20
TABS: dict[str, str] = {"now": "当前作业", "upcoming": "待作业", "past": "历史作业"}
PHASE_BADGES: dict[str, str] = {
    "upcoming": "info",
    "open": "info",
    "active": "suspended",
    "overrun": "missing",
    "expired": "closed",
    "finished": "active",
    "cancelled": "closed",
}
BUTTONS: dict[str, str] = {
    "start": "开始作业",
    "finish": "作业完毕，关闭作业票",
    "cancel": "取消作业",
}


def cn_span(start: datetime, end: datetime) -> str:
    """The validity window, the end's date left out when it is the same day."""
    a, b = start.astimezone(CHINA), end.astimezone(CHINA)
    tail = f"{b:%H:%M}" if a.date() == b.date() else cn_time(b)
    return f"{cn_time(a)} 至 {tail}"


def duration(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时"
    return f"{hours}小时{mins}分" if hours else f"{mins}分钟"


def time_left(op: DangerousOperation, now: datetime) -> str:
    """What the supervisor reads beside a permit: time to its start, left, or past its end."""
    ph = service.phase(op, now)
    if ph == "upcoming":
        return f"{duration(op.valid_from - now)}后开始"
    if ph in ("open", "active"):
        return f"剩余{duration(op.valid_to - now)}"
    if ph == "overrun":
        return f"已超时{duration(now - op.valid_to)}"
    return "—"


def _local_input(at: datetime | None) -> str:
    """A time as a datetime-local field shows it (Beijing)."""
    return at.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M") if at else ""


def _parse_local(value: str) -> datetime | None:
    try:
        return service.aware(datetime.fromisoformat(value.strip())) if value.strip() else None
    except ValueError:
        return None


def _gas_view(op: DangerousOperation) -> GasTest | None:
    return GasTest.model_validate(op.gas_test) if op.gas_test else None


def _common() -> dict[str, Any]:
    return {
        "K": limits.KINDS,
        "KS": limits.KIND_SHORT,
        "G": limits.GRADES,
        "PHASES": service.PHASES,
        "BADGES": PHASE_BADGES,
        "cn_time": cn_time,
        "cn_span": cn_span,
    }


# --- the enterprise's list --------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    op: DangerousOperation
    phase: str
    left: str
    name: str = ""


@get(LIST, guards=[ENTERPRISE], include_in_schema=False)
async def operation_list(
    request: Req,
    db: Db,
    tab: FromQuery[str] = "now",
    page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
    reported: FromQuery[str] = "",
) -> Template:
    """The enterprise's permits: under way now, upcoming, past."""
    tab = tab if tab in TABS else "now"
    now = service.now_utc()
    counts = await repository.view_counts(db, now)
    total, rows = await repository.list_operations(
        db,
        repository.OperationFilter(view=tab),  # type: ignore[arg-type]
        now,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        newest_first=tab == "past",
    )
    just = await repository.get(db, int(reported)) if reported.isdigit() else None
    return tenant_pages.render(
        "operations/list.html",
        request,
        LIST,
        tab=tab,
        tabs=TABS,
        counts=counts,
        rows=[Row(op, service.phase(op, now), time_left(op, now)) for op, _ in rows],
        listing=Page(rows=[], total=total, page=page, size=PAGE_SIZE),
        may_report=request.user.role in service.REPORTERS,
        just=just,
        **_common(),
    )


# --- reporting --------------------------------------------------------------------------


@dataclass
class ReportForm:
    """The report form exactly as typed."""

    kind: str = "hot_work"
    grade: str = ""
    permit_no: str = ""
    location: str = ""
    content: str = ""
    org_unit_id: str = ""
    applicant: str = ""
    supervisor: str = ""
    operators: str = ""
    approver: str = ""
    measures: str = ""
    valid_from: str = ""
    valid_to: str = ""
    gas_o2: str = ""
    gas_flammable: str = ""
    gas_toxic: str = ""
    gas_tested_at: str = ""
    gas_tester: str = ""

    def parse(self, now: datetime) -> tuple[OperationCreate, dict[str, str]]:
        """The service's input and the fields that are not even readable (those are left
        out of the input: a blank gas analysis, a harmless placeholder window)."""
        errors: dict[str, str] = {}
        unit = None
        if self.org_unit_id.strip():
            if self.org_unit_id.strip().isdigit():
                unit = int(self.org_unit_id)
            else:
                errors["org_unit_id"] = "请从列表中选择作业单位"
        times: dict[str, datetime | None] = {}
        for name, label in (("valid_from", "开始时间"), ("valid_to", "截止时间")):
            value = getattr(self, name)
            times[name] = _parse_local(value)
            if times[name] is None:
                errors[name] = f"请选择有效期{label}" if not value.strip() else "时间格式不正确"
        grade = self.grade.strip()
        if ":" in grade:  # the form's options carry their kind: hot_work:first
            grade_kind, grade = grade.split(":", 1)
            if grade_kind != self.kind:
                errors["grade"] = "所选级别不属于所选的作业类别，请重新选择级别"
        gas, gas_errors = parse_gas(asdict(self))
        errors.update(gas_errors)
        start, end = times["valid_from"], times["valid_to"]
        if start is None or end is None:
            start, end = now + timedelta(hours=1), now + timedelta(hours=2)
        data = OperationCreate(
            kind=self.kind,
            grade=grade or None,
            permit_no=self.permit_no,
            location=self.location,
            content=self.content,
            org_unit_id=unit,
            applicant=self.applicant,
            supervisor=self.supervisor,
            operators=self.operators,
            approver=self.approver,
            gas_test=gas,
            measures=self.measures,
            valid_from=start,
            valid_to=end,
        )
        return data, errors


def parse_gas(typed: dict[str, str]) -> tuple[GasTest | None, dict[str, str]]:
    """The gas_* fields of a form as a GasTest (None when left empty), or what is unreadable."""
    errors: dict[str, str] = {}
    numbers: dict[str, str | None] = {}
    for name, label in (("gas_o2", "氧含量"), ("gas_flammable", "可燃气体浓度")):
        value = typed.get(name, "").strip()
        numbers[name] = value or None
        if value:
            try:
                float(value)
            except ValueError:
                errors[name] = f"{label}应为数字"
    tested_at = _parse_local(typed.get("gas_tested_at", ""))
    if typed.get("gas_tested_at", "").strip() and tested_at is None:
        errors["gas_tested_at"] = "时间格式不正确"
    if errors:
        return None, errors
    if not (numbers["gas_o2"] or numbers["gas_flammable"] or typed.get("gas_toxic", "").strip()):
        return None, {}
    gas = GasTest.model_validate(
        {
            "o2": numbers["gas_o2"],
            "flammable": numbers["gas_flammable"],
            "toxic": typed.get("gas_toxic", ""),
            "tested_at": tested_at,
            "tester": typed.get("gas_tester", ""),
        }
    )
    return gas, {}


def _form_errors(e: DomainError, known: set[str]) -> tuple[dict[str, str], str]:
    """A refusal as (field → message, message without a field) for a form."""
    return form_errors(e, known, rename=lambda k: k.replace("gas_test.", "gas_"))


def _limits_table() -> dict[str, dict[str, list[Any]]]:
    """kind → grade → [hours, from the standard, basis], for the form's hint."""
    table: dict[str, dict[str, list[Any]]] = {}
    for kind, grades in limits.GRADES.items():
        for grade in grades or {"": ""}:
            lim = limits.limit_for(kind, grade or None)
            table.setdefault(kind, {})[grade] = [lim.hours, lim.from_standard, lim.basis]
    return table


async def _report_page(
    request: Req,
    db: AsyncSession,
    form: ReportForm,
    *,
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Template:
    errors = errors or {}
    now = service.now_utc()
    page = tenant_pages.render(
        "operations/report.html",
        request,
        LIST,
        f=form,
        errors=errors,
        error=error,
        first_error=next((k for k in ReportForm.__dataclass_fields__ if k in errors), ""),
        units=await unit_choices(db),
        limits_json=json.dumps(_limits_table(), ensure_ascii=False),
        gas_kinds=sorted(limits.GAS_TEST_KINDS),
        min_start=_local_input(now - limits.START_SKEW),
        skew_minutes=int(limits.START_SKEW.total_seconds() // 60),
        O2=(service.O2_MIN, service.O2_MAX),
        FLAMMABLE_MAX=service.FLAMMABLE_MAX,
        **_common(),
    )
    page.status_code = status
    return page


@get(f"{LIST}/new", guards=[ENTERPRISE], include_in_schema=False)
async def report_form(request: Req, db: Db, kind: FromQuery[str] = "hot_work") -> Template:
    """The report form 危险作业报备, before the work starts."""
    start = (service.now_utc() + timedelta(minutes=30)).replace(second=0, microsecond=0)
    form = ReportForm(
        kind=kind if kind in limits.KINDS else "hot_work",
        valid_from=_local_input(start),
        valid_to=_local_input(start + timedelta(hours=4)),
    )
    return await _report_page(request, db, form)


@post(f"{LIST}/new", guards=[ENTERPRISE], include_in_schema=False, status_code=303)
async def report_submit(
    request: Req,
    db: Db,
    data: Annotated[ReportForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect | Template:
    """Report through the same service as the API; a refusal keeps everything typed."""
    form = ReportForm(**{k: str(v or "")[:2000] for k, v in asdict(data).items()})
    now = service.now_utc()
    try:
        parsed, errors = form.parse(now)
        if errors:
            # Everything else the service would refuse too, so one round fixes it all.
            _, more = service.check(parsed, now)
            raise InvalidInput({**more, **errors})
        op = await service.report(db, request.user, parsed, now=now)
    except DomainError as e:
        # Nothing of a refused report may reach the commit at the end of the request.
        await db.rollback()
        shown, error = _form_errors(e, set(ReportForm.__dataclass_fields__))
        return await _report_page(
            request, db, form, errors=shown, error=error, status=e.status_code
        )
    return Redirect(f"{LIST}?tab={'upcoming' if op.valid_from > now else 'now'}&reported={op.id}")


# --- one permit (the enterprise's page, with its steps) --------------------------------


async def _detail_page(
    request: Req,
    db: AsyncSession,
    op_id: int,
    *,
    errors: dict[str, str] | None = None,
    error: str = "",
    typed: dict[str, str] | None = None,
    done: str = "",
    status: int = 200,
) -> Template:
    op = await service.get(db, op_id)
    now = service.now_utc()
    units = dict(await unit_choices(db))
    page = tenant_pages.render(
        "operations/detail.html",
        request,
        LIST,
        op=op,
        phase=service.phase(op, now),
        left=time_left(op, now),
        limit=limits.limit_for(op.kind, op.grade),
        gas=_gas_view(op),
        unit=units.get(op.org_unit_id or 0, ""),
        actions=service.allowed_actions(request.user, op, now),
        needs_gas=op.kind in limits.GAS_TEST_KINDS and not op.gas_test,
        BUTTONS=BUTTONS,
        errors=errors or {},
        error=error,
        typed=typed or {},
        done=done if done in BUTTONS else "",
        now_input=_local_input(now),
        **_common(),
    )
    page.status_code = status
    return page


@get(f"{LIST}/{{op_id:int}}", guards=[ENTERPRISE], include_in_schema=False)
async def operation_detail(
    request: Req, db: Db, op_id: FromPath[int], done: FromQuery[str] = ""
) -> Template:
    """One permit: its data, validity, gas analysis, and the steps the user may take now."""
    return await _detail_page(request, db, op_id, done=done)


ACTION_FIELDS = ("reason", "gas_o2", "gas_flammable", "gas_toxic", "gas_tested_at", "gas_tester")


@post(
    f"{LIST}/{{op_id:int}}/actions/{{action:str}}",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def operation_action(
    request: Req, db: Db, op_id: FromPath[int], action: FromPath[str]
) -> Redirect | Template:
    """Take one step from the permit's page; a refusal shows the page again with the reason."""
    form = await request.form()
    typed = {k: str(form.get(k) or "")[:2000] for k in ACTION_FIELDS}
    try:
        gas, errors = parse_gas(typed)
        if errors:
            raise InvalidInput(errors)
        await service.act(
            db, request.user, op_id, action, OperationAction(gas_test=gas, reason=typed["reason"])
        )
    except DomainError as e:
        await db.rollback()
        shown, error = _form_errors(e, set(ACTION_FIELDS))
        return await _detail_page(
            request, db, op_id, errors=shown, error=error, typed=typed, status=e.status_code
        )
    return Redirect(f"{LIST}/{op_id}?done={action}")


# --- the supervising view ---------------------------------------------------------------


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    kind: str
    label: str


@dataclass(frozen=True)
class SchematicMap:
    """The jurisdiction's areas as outlines and the operations as dots, in a 1000-wide
    SVG box: no tiles, so it works on an intranet without a map service."""

    width: int
    height: int
    areas: list[tuple[str, str, float, float]]  # name, SVG path, label x, label y
    points: list[MapPoint]


def _ring(boundary: Any) -> list[tuple[float, float]]:
    try:
        if boundary.get("type") == "Polygon":
            return [(float(x), float(y)) for x, y in boundary["coordinates"][0]]
        if boundary.get("type") == "MultiPolygon":
            return [(float(x), float(y)) for x, y in boundary["coordinates"][0][0]]
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        pass
    return []


async def _schematic(
    db: AsyncSession, scope: str, spots: list[tuple[str, str, float | None, float | None]]
) -> SchematicMap | None:
    """The scope's child areas and the spots (kind, label, lon, lat) projected onto them."""
    rings = [(name, _ring(b)) for name, b in await repository.area_outlines(db, scope)]
    rings = [(n, ring) for n, ring in rings if len(ring) >= 3]
    if not rings:
        return None
    xs = [x for _, ring in rings for x, _ in ring]
    ys = [y for _, ring in rings for _, y in ring]
    west, east, south, north = min(xs), max(xs), min(ys), max(ys)
    if east <= west or north <= south:
        return None
    width = 1000
    height = max(200, min(1000, int(width * (north - south) / (east - west) * 1.17)))

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (
            round((lon - west) / (east - west) * width, 1),
            round((north - lat) / (north - south) * height, 1),
        )

    areas = []
    for name, ring in rings:
        pts = [project(x, y) for x, y in ring]
        path = "M" + " L".join(f"{x},{y}" for x, y in pts) + " Z"
        cx = sum(x for x, _ in pts[:-1]) / max(1, len(pts) - 1)
        cy = sum(y for _, y in pts[:-1]) / max(1, len(pts) - 1)
        areas.append((name, path, round(cx, 1), round(cy, 1)))
    points = []
    for kind, label, lon, lat in spots:
        if lon is None or lat is None or not (west <= lon <= east and south <= lat <= north):
            continue
        x, y = project(lon, lat)
        points.append(MapPoint(x, y, kind, label))
    return SchematicMap(width, height, areas, points)


@dataclass(frozen=True)
class LiveRow:
    op: DangerousOperation
    name: str
    phase: str
    left: str
    gas: GasTest | None


@dataclass(frozen=True)
class SearchQuery(ListAddress):
    """The search of past permits, as given in the address."""

    PATH: ClassVar[str] = LIVE
    on: str = ""
    kind: str = ""
    q: str = ""


@get(LIVE, guards=[SUPERVISORS], include_in_schema=False)
async def live_view(
    request: Req,
    db: Db,
    on: FromQuery[str] = "",
    kind: FromQuery[str] = "",
    q: Annotated[str, QueryParameter(max_length=50)] = "",
    page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
) -> Template:
    """Dangerous operations of the jurisdiction (or the sector) under way now and starting
    later today, by kind, on the map; past permits searched by date."""
    p = request.user
    now = service.now_utc()
    _, day_end = service.day_bounds(now)
    under: list[LiveRow] = []
    later: list[LiveRow] = []
    over: list[LiveRow] = []
    counts = dict.fromkeys(limits.KINDS, 0)
    spots: list[tuple[str, str, float | None, float | None]] = []
    for op, name, lon, lat in await repository.live(db, now, day_end):
        ph = service.phase(op, now)
        row = LiveRow(op, name, ph, time_left(op, now), _gas_view(op))
        if ph == "overrun":
            over.append(row)
        else:
            (later if ph == "upcoming" else under).append(row)
            counts[op.kind] += 1
        if ph != "upcoming":
            spots.append((op.kind, f"{name}：{limits.KIND_SHORT[op.kind]} {op.location}", lon, lat))
    # Past permits by date (any day; today when not given), by kind and words.
    try:
        day = date.fromisoformat(on) if on else now.astimezone(CHINA).date()
    except ValueError:
        day = now.astimezone(CHINA).date()
    sq = SearchQuery(day.isoformat(), kind if kind in limits.KINDS else "", q.strip())
    start, end = service.day_bounds(datetime(day.year, day.month, day.day, 12, tzinfo=CHINA))
    f = repository.OperationFilter(
        view="all", kind=sq.kind or None, day_start=start, day_end=end, q=sq.q
    )
    total, found = await repository.list_operations(
        db, f, now, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, newest_first=True
    )
    return gov_pages.render(
        "operations/live.html",
        request,
        LIVE,
        now=now,
        under=under,
        later=later,
        over=over,
        counts=counts,
        total_live=sum(counts.values()),
        schematic=await _schematic(db, p.scope or "", spots) if p.scope else None,
        sq=sq,
        found=[LiveRow(op, n, service.phase(op, now), "", _gas_view(op)) for op, n in found],
        listing=Page(rows=[], total=total, page=page, size=PAGE_SIZE),
        **_common(),
    )


@get(f"{LIVE}/{{op_id:int}}", guards=[SUPERVISORS], include_in_schema=False)
async def live_detail(request: Req, db: Db, op_id: FromPath[int]) -> Template:
    """One permit as a supervisor reads it (another area's id answers 404)."""
    op = await service.get(db, op_id)
    now = service.now_utc()
    return gov_pages.render(
        "operations/permit.html",
        request,
        LIVE,
        op=op,
        name=await repository.enterprise_name(db, op.tenant_id),
        phase=service.phase(op, now),
        left=time_left(op, now),
        limit=limits.limit_for(op.kind, op.grade),
        gas=_gas_view(op),
        **_common(),
    )


page_routes: list[Any] = [
    operation_list,
    report_form,
    report_submit,
    operation_detail,
    operation_action,
    live_view,
    live_detail,
]
