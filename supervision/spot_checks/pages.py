"""The spot-check pages: `/spot-checks` (the draws with their progress, and the form to draw a
new one with a live count of the population), one draw `/spot-checks/{id}` (how it was drawn,
its verification, the sampled enterprises), the review of one sampled enterprise
`/spot-checks/{id}/targets/{tenant_id}` (its self-checks, hazards with before/after photos and
daily photo duties, with a verdict per item and overall), and the published results
`/spot-checks/published` with their Excel/CSV export. Forms go through the same service as
the API and come back with what was typed when refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.clock import cn_date, cn_time
from anwang.platform.errors import DomainError, InvalidInput
from anwang.platform.registry.sectors import SECTORS
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.forms import ActionForm, form_errors
from anwang.platform.web.shell_queries import Page, display_names
from anwang.platform.web.shells import Req
from anwang.supervision.pages import render
from anwang.supervision.spot_checks import export, repository, sampling, service
from anwang.supervision.spot_checks.controllers import draw_record
from anwang.supervision.spot_checks.controllers import routes as api_routes
from anwang.supervision.spot_checks.schemas import (
    Criteria,
    FindingCreate,
    SpotCheckCreate,
    VerdictCreate,
)
from anwang.supervision.vocabulary import SPOT_CHECK_STATUSES, SPOT_CHECK_VERDICTS
from anwang.tenants import vocabulary as tenant_vocabulary

READERS = require("gov", "sector")
HOME = "/spot-checks"
PAGE_SIZE = 20
STATUS_BADGES = {"reviewing": "info", "done": "suspended", "published": "active"}
VERDICT_BADGES = {"pass": "active", "fail": "missing"}
HAZARD_BADGES = {
    "reported": "info",
    "confirmed": "suspended",
    "rectifying": "suspended",
    "awaiting_acceptance": "info",
    "closed": "active",
    "rejected": "closed",
}
DRAW_FIELDS = (
    "title",
    "under",
    "kind",
    "site_type",
    "industry",
    "sector",
    "major_hazards",
    "size_mode",
    "sample_size",
    "sample_percent",
    "review_from",
    "review_to",
    "seed",
)
FINDING_FIELDS = ("item", "subject_id", "verdict", "note", "action", "title", "deadline")


def _typed(form: FormMultiDict, names: tuple[str, ...]) -> dict[str, str]:
    return {k: str(form.get(k) or "").strip()[:2000] for k in names}


def _int(value: str, errors: dict[str, str], name: str, message: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > 19:
        errors[name] = message
        return None
    return int(value)


def _day(value: str, errors: dict[str, str], name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "日期格式不正确，请重新选择"
        return None


def _criteria(typed: dict[str, str]) -> Criteria:
    return Criteria(
        under=typed.get("under", ""),
        kind=typed.get("kind", ""),
        site_type=typed.get("site_type", ""),
        industry=typed.get("industry", ""),
        sector=typed.get("sector", ""),
        major_hazards=bool(typed.get("major_hazards")),
    )


# --- the list and the draw form ------------------------------------------------------------


@dataclass
class DrawForm:
    typed: dict[str, str] = field(default_factory=dict)
    checker_ids: set[int] | None = None  # None: every candidate ticked
    errors: dict[str, str] = field(default_factory=dict)
    error: str = ""

    def value(self, name: str, default: str = "") -> str:
        return self.typed.get(name) or default

    def err(self, name: str) -> str:
        return self.errors.get(name, "")


async def _home_page(
    request: Req,
    db: AsyncSession,
    *,
    status_filter: str = "",
    page: int = 1,
    form: DrawForm | None = None,
    status: int = 200,
) -> Template:
    p = request.user
    total, rows = await repository.list_draws(
        db,
        p.user_id,
        status=status_filter or None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    context: dict[str, Any] = {"may_draw": False}
    form = form or DrawForm()
    if service.may_draw(p):
        start, end = service.default_review_period()
        criteria = _criteria(form.typed)
        try:
            _, size = await service.population(db, p, criteria)
        except DomainError:
            size = None
        context = {
            "may_draw": True,
            "places": await repository.places_below(db, p.scope or ""),
            "industries": await repository.industries(db),
            "candidates": await service.checker_candidates(db, p),
            "population_size": size,
            "default_from": start.isoformat(),
            "default_to": end.isoformat(),
            "default_title": service.month_title(p),
            "today": service.today().isoformat(),
        }
    result = render(
        "spot_checks/list.html",
        request,
        HOME,
        rows=rows,
        listing=Page(rows=[], total=total, page=page, size=PAGE_SIZE),
        status_filter=status_filter,
        form=form,
        STATUSES=SPOT_CHECK_STATUSES,
        BADGES=STATUS_BADGES,
        SECTORS=SECTORS,
        cn=cn_date,
        cn_time=cn_time,
        **context,
    )
    result.status_code = status
    return result


@get(HOME, guards=[READERS], include_in_schema=False)
async def home(
    request: Req,
    db: Db,
    draw_status: Annotated[str, QueryParameter(name="status", max_length=20)] = "",
    page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
) -> Template:
    """The draws of the jurisdiction with their progress, and the form to draw a new one."""
    chosen = draw_status if draw_status in SPOT_CHECK_STATUSES else ""
    return await _home_page(request, db, status_filter=chosen, page=page)


@get(f"{HOME}/population", guards=[READERS], include_in_schema=False)
async def population_count(
    request: Req,
    db: Db,
    under: Annotated[str, QueryParameter(max_length=200)] = "",
    kind: Annotated[str, QueryParameter(max_length=20)] = "",
    site_type: Annotated[str, QueryParameter(max_length=40)] = "",
    industry: Annotated[str, QueryParameter(max_length=50)] = "",
    sector: Annotated[str, QueryParameter(max_length=40)] = "",
    major_hazards: Annotated[str, QueryParameter(max_length=5)] = "",
) -> Template:
    """The live count of the population under the chosen filters (htmx partial)."""
    error = ""
    size: int | None = None
    try:
        _, size = await service.population(
            db,
            request.user,
            Criteria(
                under=under,
                kind=kind,
                site_type=site_type,
                industry=industry,
                sector=sector,
                major_hazards=bool(major_hazards),
            ),
        )
    except DomainError as e:
        error = e.message
    return render("spot_checks/_population.html", request, HOME, population_size=size, error=error)


@post(HOME, guards=[READERS], include_in_schema=False, status_code=303)
async def draw_submit(request: Req, db: Db) -> Redirect | Template:
    """Draw from the form; a refusal shows the form again as typed."""
    data = await request.form()
    typed = _typed(data, DRAW_FIELDS)
    raw_checkers = [str(v) for v in data.getall("checker_ids", [])]
    errors: dict[str, str] = {}
    checkers = {int(v) for v in raw_checkers if v.isdigit() and len(v) < 19}
    if len(checkers) != len(set(raw_checkers)):
        errors["checker_ids"] = "请从列表中选择检查人员"
    form = DrawForm(typed, checkers)
    try:
        by_percent = typed["size_mode"] == "percent"
        size = (
            None
            if by_percent
            else _int(typed["sample_size"], errors, "sample_size", "抽取数量应为正整数")
        )
        percent = None
        if by_percent and typed["sample_percent"]:
            try:
                percent = float(typed["sample_percent"])
            except ValueError:
                errors["sample_percent"] = "抽取比例应为数字"
        seed = _int(typed["seed"], errors, "seed", "随机种子应为0到2⁶³−1之间的整数")
        review_from = _day(typed["review_from"], errors, "review_from")
        review_to = _day(typed["review_to"], errors, "review_to")
        if by_percent and percent is None and "sample_percent" not in errors:
            errors["sample_percent"] = "请填写抽取比例"
        if errors:
            raise InvalidInput(errors)
        sc = await service.draw(
            db,
            request.user,
            SpotCheckCreate(
                title=typed["title"],
                criteria=_criteria(typed),
                sample_size=size,
                sample_percent=percent,
                checker_ids=sorted(checkers),
                review_from=review_from,
                review_to=review_to,
                seed=seed,
            ),
        )
    except DomainError as e:
        await db.rollback()
        form.errors, form.error = form_errors(e)
        if "criteria" in form.errors:
            form.error = form.errors.pop("criteria")
        return await _home_page(request, db, form=form, status=e.status_code)
    return Redirect(f"{HOME}/{sc.id}?drawn=1", status_code=303)


# --- one draw -------------------------------------------------------------------------------


async def _names(db: AsyncSession, ids: list[int]) -> dict[int, str]:
    return await display_names(db, sorted({i for i in ids if i}))


@get(f"{HOME}/{{spot_check_id:int}}", guards=[READERS], include_in_schema=False)
async def detail(
    request: Req,
    db: Db,
    spot_check_id: FromPath[int],
    drawn: FromQuery[str] = "",
    done: FromQuery[str] = "",
) -> Template:
    """How the draw was made (population, seed, algorithm, verification) and its enterprises."""
    sc = await service.get(db, spot_check_id)
    facts = await repository.draw_facts(db, spot_check_id, request.user.user_id)
    targets = await repository.targets(db, spot_check_id)
    verification = await service.verify(db, spot_check_id)
    return render(
        "spot_checks/detail.html",
        request,
        HOME,
        sc=sc,
        facts=facts,
        targets=targets,
        verification=verification,
        pool_names=await _names(db, list(sc.checker_pool)),
        open_left=sum(1 for t in targets if not t["verdict"]),
        may_publish=request.user.user_id == sc.drawn_by and sc.status == "done",
        drawn=bool(drawn),
        done=done if done in ("publish",) else "",
        STATUSES=SPOT_CHECK_STATUSES,
        BADGES=STATUS_BADGES,
        VERDICTS=SPOT_CHECK_VERDICTS,
        VERDICT_BADGES=VERDICT_BADGES,
        ALGORITHMS=sampling.ALGORITHMS,
        SECTORS=SECTORS,
        cn=cn_date,
        cn_time=cn_time,
    )


@get(f"{HOME}/{{spot_check_id:int}}/draw.json", guards=[READERS], include_in_schema=False)
async def draw_download(db: Db, spot_check_id: FromPath[int]) -> Response[bytes]:
    """The draw's record (population, checker pool, seed, algorithm, stored targets) as a
    JSON file, for redoing the draw elsewhere."""
    record = await draw_record(db, spot_check_id)
    return Response(
        record.model_dump_json(indent=1).encode(),
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="spot-check-{spot_check_id}.json"'},
    )


@post(
    f"{HOME}/{{spot_check_id:int}}/publish",
    guards=[READERS],
    include_in_schema=False,
    status_code=303,
)
async def publish_submit(request: Req, db: Db, spot_check_id: FromPath[int]) -> Redirect:
    await service.publish(db, request.user, spot_check_id)
    return Redirect(f"{HOME}/{spot_check_id}?done=publish", status_code=303)


# --- the review of one enterprise -----------------------------------------------------------


def finding_key(item: str, subject_id: Any) -> str:
    return f"{item}-{subject_id}" if subject_id else item


async def _review_page(
    request: Req,
    db: AsyncSession,
    spot_check_id: int,
    tenant_id: int,
    *,
    form: ActionForm | None = None,
    done: str = "",
    status: int = 200,
) -> Template:
    sc = await service.get(db, spot_check_id)
    target = await service.get_target(db, sc, tenant_id)
    rows = await repository.targets(db, spot_check_id)
    row = next(r for r in rows if r["tenant_id"] == tenant_id)
    position = [int(r["tenant_id"]) for r in rows].index(tenant_id)
    records = await service.review(db, sc, tenant_id)
    found = await repository.findings(db, spot_check_id, tenant_id)
    enterprise = await _enterprise(db, tenant_id)
    # Verdicts on records the page does not list (an item without a record, a hazard beyond
    # the list's length) are shown with the other problems, so none is out of sight.
    listed = {"other"}
    listed |= {finding_key("self_check", c["id"]) for c in records.self_checks}
    listed |= {finding_key("rectification", h["id"]) for h in records.hazards}
    listed |= {finding_key("daily_photos", d["id"]) for d in records.daily_duties}
    result = render(
        "spot_checks/review.html",
        request,
        HOME,
        sc=sc,
        t=target,
        row=row,
        e=enterprise,
        prev_id=rows[position - 1]["tenant_id"] if position > 0 else None,
        next_id=rows[position + 1]["tenant_id"] if position + 1 < len(rows) else None,
        records=records,
        findings={finding_key(f.item, f.subject_id): f for f in found},
        unlisted=[f for f in found if finding_key(f.item, f.subject_id) not in listed],
        names=await _names(db, [f.decided_by for f in found]),
        can_record=service.may_record(request.user, sc, target),
        form=form or ActionForm(),
        done=done,
        finding_key=finding_key,
        today=service.today().isoformat(),
        order_default=(service.today() + timedelta(days=service.ORDER_DAYS)).isoformat(),
        VERDICTS=SPOT_CHECK_VERDICTS,
        VERDICT_BADGES=VERDICT_BADGES,
        HAZARD_BADGES=HAZARD_BADGES,
        STATUSES=SPOT_CHECK_STATUSES,
        BADGES=STATUS_BADGES,
        TV=tenant_vocabulary,
        cn=cn_date,
        cn_time=cn_time,
    )
    result.status_code = status
    return result


async def _enterprise(db: AsyncSession, tenant_id: int) -> Any:
    from anwang.platform.web import shell_queries

    return await shell_queries.own_enterprise(db, tenant_id)


TargetPath = f"{HOME}/{{spot_check_id:int}}/targets/{{tenant_id:int}}"


@get(TargetPath, guards=[READERS], include_in_schema=False)
async def review(
    request: Req,
    db: Db,
    spot_check_id: FromPath[int],
    tenant_id: FromPath[int],
    done: FromQuery[str] = "",
) -> Template:
    """One sampled enterprise's records of the review period, with the verdicts."""
    return await _review_page(
        request, db, spot_check_id, tenant_id, done=done if done in ("finding", "verdict") else ""
    )


def _target_url(spot_check_id: int, tenant_id: int, **query: str) -> str:
    base = f"{HOME}/{spot_check_id}/targets/{tenant_id}"
    return f"{base}?{urlencode(query)}" if query else base


@post(f"{TargetPath}/findings", guards=[READERS], include_in_schema=False, status_code=303)
async def finding_submit(
    request: Req, db: Db, spot_check_id: FromPath[int], tenant_id: FromPath[int]
) -> Redirect | Template:
    """Record the verdict on one reviewed record."""
    data = await request.form()
    typed = _typed(data, FINDING_FIELDS)
    key = finding_key(typed["item"], typed["subject_id"])
    try:
        errors: dict[str, str] = {}
        subject_id = _int(typed["subject_id"], errors, "subject_id", "所检查的记录不正确")
        deadline = _day(typed["deadline"], errors, "deadline")
        if errors:
            raise InvalidInput(errors)
        action = typed["action"] or "none"
        await service.record_finding(
            db,
            request.user,
            spot_check_id,
            tenant_id,
            FindingCreate(
                item=typed["item"],
                subject_id=subject_id,
                verdict=typed["verdict"],
                note=typed["note"],
                action=action if typed["verdict"] == "fail" else "none",
                title=typed["title"],
                deadline=deadline if action == "order" else None,
            ),
        )
    except DomainError as e:
        await db.rollback()
        errs, error = form_errors(e)
        form = ActionForm(key, typed, errs, error or next(iter(errs.values()), ""))
        return await _review_page(
            request, db, spot_check_id, tenant_id, form=form, status=e.status_code
        )
    url = _target_url(spot_check_id, tenant_id, done="finding")
    return Redirect(f"{url}#f-{key}", status_code=303)


@post(f"{TargetPath}/verdict", guards=[READERS], include_in_schema=False, status_code=303)
async def verdict_submit(
    request: Req, db: Db, spot_check_id: FromPath[int], tenant_id: FromPath[int]
) -> Redirect | Template:
    """Record the overall verdict on the enterprise."""
    data = await request.form()
    typed = _typed(data, ("verdict", "summary"))
    try:
        await service.record_verdict(
            db,
            request.user,
            spot_check_id,
            tenant_id,
            VerdictCreate(verdict=typed["verdict"], summary=typed["summary"]),
        )
    except DomainError as e:
        await db.rollback()
        errs, error = form_errors(e)
        form = ActionForm("overall", typed, errs, error or next(iter(errs.values()), ""))
        return await _review_page(
            request, db, spot_check_id, tenant_id, form=form, status=e.status_code
        )
    url = _target_url(spot_check_id, tenant_id, done="verdict")
    return Redirect(f"{url}#overall", status_code=303)


# --- published results ----------------------------------------------------------------------


@get(f"{HOME}/published", guards=[READERS], include_in_schema=False)
async def published(
    request: Req,
    db: Db,
    verdict: Annotated[str, QueryParameter(max_length=10)] = "",
    draw: Annotated[int | None, QueryParameter(ge=1, le=2**62)] = None,
    page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
) -> Template:
    """The published results of the jurisdiction's spot checks, one row per enterprise."""
    chosen = verdict if verdict in SPOT_CHECK_VERDICTS else ""
    total, rows = await repository.published_results(
        db,
        spot_check_id=draw,
        verdict=chosen or None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    query = {k: str(v) for k, v in (("verdict", chosen), ("draw", draw)) if v}
    return render(
        "spot_checks/published.html",
        request,
        HOME,
        rows=rows,
        listing=Page(rows=[], total=total, page=page, size=PAGE_SIZE),
        verdict=chosen,
        draw=draw,
        page_url=f"{HOME}/published?{urlencode(query)}{'&' if query else ''}",
        export_query=urlencode(query),
        VERDICTS=SPOT_CHECK_VERDICTS,
        VERDICT_BADGES=VERDICT_BADGES,
        cn=cn_date,
        cn_time=cn_time,
    )


@get(f"{HOME}/published/export", guards=[READERS], include_in_schema=False)
async def published_export(
    db: Db,
    verdict: Annotated[str, QueryParameter(max_length=10)] = "",
    draw: Annotated[int | None, QueryParameter(ge=1, le=2**62)] = None,
    fmt: Annotated[str, QueryParameter(name="format", max_length=5)] = "xlsx",
) -> Response[bytes]:
    """The published results as an Excel workbook (or CSV with `format=csv`)."""
    chosen = verdict if verdict in SPOT_CHECK_VERDICTS else None
    _, rows = await repository.published_results(
        db, spot_check_id=draw, verdict=chosen, limit=export.MAX_ROWS, offset=0
    )
    if fmt == "csv":
        return export.csv_response(rows)
    return export.xlsx_response(rows)


routes: list[Any] = [
    home,
    population_count,
    draw_submit,
    published,
    published_export,
    detail,
    draw_download,
    publish_submit,
    review,
    finding_submit,
    verdict_submit,
    *api_routes,
]
