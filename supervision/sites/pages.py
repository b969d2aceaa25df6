"""The sector department's pages 联管联处: `/sector` (its fixed sites by type, each with its risk
picture), registering a site, one site with its risk points and the form that gives it a new
one, and one point with its assessment history and reassessment. Row-level security limits a
sector principal to its own sector inside its jurisdiction. Forms go through the same service
as the API and come back with everything typed kept when refused."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any

from litestar import get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.errors import DomainError
from anwang.platform.web import shell_queries as queries
from anwang.platform.web.deps import Db
from anwang.platform.web.labels import SITE_TYPES
from anwang.platform.web.registry_pages import field_errors
from anwang.platform.web.shell_queries import Page
from anwang.platform.web.shells import SECTOR, PageNumber, Req, Text
from anwang.supervision import pages as gov_pages
from anwang.supervision.rollups import service as rollups
from anwang.supervision.rollups.schemas import PlaceFigures
from anwang.supervision.sites import repository, service
from anwang.supervision.sites.controllers import SiteController
from anwang.supervision.sites.schemas import SiteCreate, SitePointCreate
from anwang.tenants import vocabulary as V
from anwang.tenants.risk import grading
from anwang.tenants.risk import service as risk
from anwang.tenants.risk.pages import OTHER_CRITERION, AssessForm, PointForm, cn_date

HOME = "/sector"
PAGE_SIZE = 20
COLOURS = {"red": "major", "orange": "significant", "yellow": "general", "blue": "low"}


def _render(template: str, request: Req, **context: Any) -> Template:
    # The risk forms' shared boxes (risk/_assess.html) read the enterprise vocabulary as V.
    return gov_pages.render(template, request, HOME, V=V, **context)


# --- the sector's home: sites by type ---------------------------------------------------


@get(HOME, guards=[SECTOR], include_in_schema=False)
async def sector_home(
    request: Req,
    db: Db,
    type_: Annotated[str, QueryParameter(name="type", max_length=40)] = "",
    q: Text = "",
    page: PageNumber = 1,
    registered: FromQuery[str] = "",
) -> Template:
    """The sector's fixed sites in its jurisdiction by type, each with its risk picture."""
    by_type = await repository.type_counts(db)
    chosen = type_ if type_ in by_type and type_ else ""
    rows = await repository.sites(
        db, site_type=chosen or None, q=q.strip(), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    if not rows and page > 1:
        page = 1
        rows = await repository.sites(db, site_type=chosen or None, q=q.strip(), limit=PAGE_SIZE)
    total = int(rows[0]["total"]) if rows else 0
    just = await service.get_site(db, int(registered)) if registered.isdigit() else None
    figures: PlaceFigures | None
    try:
        # The roll-up part's materialised sums of the sector (refreshed every minute).
        figures = await rollups.sector_figures(db, request.user)
    except DomainError:
        figures = None
    return _render(
        "sites/home.html",
        request,
        by_type=sorted(by_type.items(), key=lambda kv: (kv[0] == "", -kv[1], kv[0])),
        total=sum(by_type.values()),
        colours=await repository.colour_counts(db),
        open_hazards=await repository.open_hazards(db),
        chosen=chosen,
        q=q.strip(),
        sites=[service.site_read(r) for r in rows],
        listing=Page(rows=[], total=total, page=page, size=PAGE_SIZE),
        registrable=service.site_types(request.user.sector),
        just=just,
        figures=figures,
        pct=_pct,
        cn_date=cn_date,
        SITE_TYPES=SITE_TYPES,
        LEVELS=V.LEVELS,
        COLOURS=COLOURS,
    )


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


# --- registering a site ----------------------------------------------------------------


@dataclass
class SiteForm:
    """The registration form exactly as typed."""

    name: str = ""
    site_type: str = ""
    credit_code: str = ""
    scale: str = "small"
    jurisdiction_id: str = ""
    address: str = ""
    legal_representative: str = ""
    lon: str = ""
    lat: str = ""

    def to_create(self) -> SiteCreate:
        typed = {k: v.strip() for k, v in asdict(self).items()}
        payload = {k: v for k, v in typed.items() if v or k not in ("lon", "lat")}
        return SiteCreate.model_validate(payload)


async def _site_form_page(
    request: Req,
    db: AsyncSession,
    form: SiteForm,
    *,
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Template:
    errors = errors or {}
    page = _render(
        "sites/form.html",
        request,
        f=form,
        errors=errors,
        error=error,
        first_error=next((k for k in asdict(form) if k in errors), ""),
        types=service.site_types(request.user.sector),
        grids=await queries.grid_groups(db, request.user.scope or ""),
    )
    page.status_code = status
    return page


@get(f"{HOME}/sites/new", guards=[SECTOR], include_in_schema=False)
async def site_new(request: Req, db: Db) -> Template:
    """The blank form 登记场所."""
    types = service.site_types(request.user.sector)
    return await _site_form_page(request, db, SiteForm(site_type=next(iter(types), "")))


@post(f"{HOME}/sites/new", guards=[SECTOR], include_in_schema=False, status_code=303)
async def site_create(
    request: Req,
    db: Db,
    data: Annotated[SiteForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect | Template:
    """Register through the same schema and service as the API; a refusal keeps the form."""
    try:
        site = await service.register(db, request.user, data.to_create())
    except ValidationError as e:
        errors = field_errors(e, data)  # type: ignore[arg-type]
        return await _site_form_page(request, db, data, errors=errors, status=400)
    except DomainError as e:
        # Nothing of a refused registration may reach the commit at the end of the request.
        await db.rollback()
        raw = e.errors if isinstance(e, service.Invalid) else {e.field or "": e.message}
        errors = {k: v for k, v in raw.items() if k in asdict(data)}
        return await _site_form_page(
            request, db, data, errors=errors, error="" if errors else e.message,
            status=e.status_code,
        )  # fmt: skip
    return Redirect(f"{HOME}/sites/{site.id}?registered=1", status_code=303)


# --- one site and its risk points --------------------------------------------------------


def _assess_context() -> dict[str, Any]:
    return {"G": grading, "criteria": grading.MAJOR_CRITERIA, "other_criterion": OTHER_CRITERION}


def _errors_of(e: DomainError, a: AssessForm) -> dict[str, str]:
    """Service errors as form boxes ('assessment.l' → 'lec_l' for LEC)."""
    raw = e.errors if isinstance(e, risk.Invalid) else {e.field or "": e.message}
    errors: dict[str, str] = {}
    for key, message in raw.items():
        name = a.field_of(key) if key.startswith("assessment.") else key
        errors.setdefault(name, message)
    return errors


async def _site_page(
    request: Req,
    db: AsyncSession,
    site_id: int,
    *,
    form: PointForm | None = None,
    a: AssessForm | None = None,
    level: str = "",
    errors: dict[str, str] | None = None,
    error: str = "",
    saved: str = "",
    status: int = 200,
) -> Template:
    site = await service.get_site(db, site_id)
    labels = await service.unit_labels(db, site_id)
    page = _render(
        "sites/detail.html",
        request,
        site=site,
        points=await service.points(db, site_id),
        units=sorted(labels.items(), key=lambda kv: kv[1]),
        f=form or PointForm(kind="place", inspection_frequency="monthly"),
        a=a or AssessForm(),
        level=level,
        errors=errors or {},
        error=error,
        saved=saved,
        editable=site.kind == "public_site",
        record=await queries.place_trail(db, await _path(db, site_id)),
        **_assess_context(),
    )
    page.status_code = status
    return page


async def _path(db: AsyncSession, site_id: int) -> str:
    tenant = await repository.get_tenant(db, site_id)
    return str(tenant.jurisdiction_path) if tenant else ""


@get(f"{HOME}/sites/{{site_id:int}}", guards=[SECTOR], include_in_schema=False)
async def site_detail(
    request: Req, db: Db, site_id: FromPath[int], registered: FromQuery[str] = "",
    saved: FromQuery[str] = "",
) -> Template:  # fmt: skip
    """One site: its record, its risk points by level, and the form for a new point."""
    return await _site_page(request, db, site_id, saved="registered" if registered else saved[:20])


@post(f"{HOME}/sites/{{site_id:int}}/risk-points", guards=[SECTOR], include_in_schema=False,
      status_code=303)  # fmt: skip
async def point_create(request: Req, db: Db, site_id: FromPath[int]) -> Redirect | Template:
    """Give the site a risk point; a refusal shows the site again with the form as typed."""
    raw = await request.form()
    form, a = PointForm.read(raw), AssessForm.read(raw)
    level = str(raw.get("level", "")).strip()
    unit = form.org_unit_id.strip()
    try:
        if unit and not unit.isdigit():
            raise risk.Invalid({"org_unit_id": "请从列表中选择部门"})
        data = SitePointCreate(
            org_unit_id=int(unit) if unit else None,
            name=form.name[:100],
            kind=form.kind,
            location=form.location[:200],
            hazard_factors=form.hazard_factors,
            accident_types=form.accident_types,
            inspection_frequency=form.inspection_frequency,
            responsible_name=form.responsible_name[:50],
            measures=form.measure_list(),
            control_leader=(a.control_leader or form.control_leader)[:50],
            level=level or None,
            assessment=a.to_in() if a.method else None,
        )
        point = await service.add_point(db, request.user, site_id, data)
    except DomainError as e:
        await db.rollback()
        return await _site_page(
            request, db, site_id, form=form, a=a, level=level, errors=_errors_of(e, a),
            error="" if isinstance(e, risk.Invalid) else e.message, status=e.status_code,
        )  # fmt: skip
    return Redirect(f"{HOME}/sites/{site_id}?saved={point.id}#points", status_code=303)


async def _point_page(
    request: Req,
    db: AsyncSession,
    site_id: int,
    point_id: int,
    *,
    a: AssessForm | None = None,
    errors: dict[str, str] | None = None,
    done: str = "",
    status: int = 200,
) -> Template:
    site = await service.get_site(db, site_id)
    point = await service.point(db, site_id, point_id)
    history = await risk.read_assessments(db, point_id)
    page = _render(
        "sites/point.html",
        request,
        site=site,
        point=point,
        history=list(reversed(history)),
        a=a or AssessForm(method=point.method or "lec", control_leader=point.control_leader),
        errors=errors or {},
        done=done,
        editable=site.kind == "public_site",
        cn_date=cn_date,
        **_assess_context(),
    )
    page.status_code = status
    return page


@get(f"{HOME}/sites/{{site_id:int}}/risk-points/{{point_id:int}}", guards=[SECTOR],
     include_in_schema=False)  # fmt: skip
async def point_detail(
    request: Req, db: Db, site_id: FromPath[int], point_id: FromPath[int], done: FromQuery[str] = ""
) -> Template:
    """One risk point of a site with its measures and assessment history."""
    return await _point_page(request, db, site_id, point_id, done=done[:20])


@post(f"{HOME}/sites/{{site_id:int}}/risk-points/{{point_id:int}}/assess", guards=[SECTOR],
      include_in_schema=False, status_code=303)  # fmt: skip
async def point_assess(
    request: Req, db: Db, site_id: FromPath[int], point_id: FromPath[int]
) -> Redirect | Template:
    a = AssessForm.read(await request.form())
    try:
        await service.reassess(db, request.user, site_id, point_id, a.to_in())
    except DomainError as e:
        await db.rollback()
        return await _point_page(
            request, db, site_id, point_id, a=a, errors=_errors_of(e, a), status=e.status_code
        )
    return Redirect(f"{HOME}/sites/{site_id}/risk-points/{point_id}?done=assessed", status_code=303)


@post(f"{HOME}/sites/{{site_id:int}}/risk-points/{{point_id:int}}/retire", guards=[SECTOR],
      include_in_schema=False, status_code=303)  # fmt: skip
async def point_retire(
    request: Req, db: Db, site_id: FromPath[int], point_id: FromPath[int]
) -> Redirect:
    await service.retire(db, request.user, site_id, point_id)
    return Redirect(f"{HOME}/sites/{site_id}?saved=retired#points", status_code=303)


page_routes: list[Any] = [
    sector_home,
    site_new,
    site_create,
    site_detail,
    point_create,
    point_detail,
    point_assess,
    point_retire,
]

# The JSON API beside the pages; the supervision routes collect both from here.
routes: list[Any] = [SiteController, *page_routes]
