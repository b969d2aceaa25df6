"""HTTP API of risk points and grading thresholds, the notice-card PDFs and the Excel files;
the pages are in `pages.py`. Handlers are thin: the service holds the rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, MediaType, Response, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter

from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.shells import Req
from anwang.reports.pdf import attachment_header, render_pdf
from anwang.tenants.risk import excel, repository, service
from anwang.tenants.risk.grading import rule_text
from anwang.tenants.risk.pages import page_routes
from anwang.tenants.risk.schemas import (
    AssessmentIn,
    AssessmentRead,
    ColourCounts,
    GradingRuleRead,
    GradingRuleUpdate,
    ImportReport,
    ImportResult,
    RiskPointCreate,
    RiskPointPage,
    RiskPointRead,
    RiskPointUpdate,
    Thresholds,
)

ENTERPRISE = require("enterprise")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rule_read(rule: service.EffectiveRule) -> GradingRuleRead:
    return GradingRuleRead(
        method=rule.method,
        thresholds=Thresholds(**rule.thresholds),
        source=rule.source,
        region=rule.region,
        bands=rule_text(rule.method, rule.thresholds),
    )


def point_filter(
    org_unit_id: int | None, level: str | None, kind: str | None, q: str, status: str
) -> repository.PointFilter:
    # Colours are accepted for levels too: ?level=red is ?level=major.
    by_colour = {v: k for k, v in service.V.LEVEL_COLOURS.items()}
    return repository.PointFilter(
        org_unit_id=org_unit_id,
        level=by_colour.get(level or "", level) or None,
        kind=kind or None,
        q=q.strip(),
        status=status if status in ("active", "retired", "all") else "active",
    )


@dataclass
class ImportUpload:
    file: UploadFile
    org_unit_id: int | None = None


class RiskPointController(Controller):
    path = "/api/v1/risk-points"
    tags = ["risk"]
    guards = [ENTERPRISE]

    @get("/")
    async def list_points(
        self,
        db: Db,
        org_unit_id: FromQuery[int | None] = None,
        level: Annotated[
            str | None, QueryParameter(description="major|significant|general|low|none or a colour")
        ] = None,
        kind: FromQuery[str | None] = None,
        q: Annotated[str, QueryParameter(max_length=100)] = "",
        status: FromQuery[str] = "active",
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> RiskPointPage:
        """Risk points (the unit's whole subtree with `org_unit_id`), most dangerous first,
        with the four-colour counts of the same filter without its level."""
        f = point_filter(org_unit_id, level, kind, q, status)
        total, rows = await repository.list_points(db, f, limit=limit, offset=offset)
        counts = await service.colour_counts(db, f)
        return RiskPointPage(
            total=total, counts=ColourCounts(**counts), items=await service.read_points(db, rows)
        )

    @post("/")
    async def create_point(
        self, request: Req, db: Db, data: JSONBody[RiskPointCreate]
    ) -> RiskPointRead:
        """A new risk point with its measures, and optionally its first assessment."""
        point = await service.create_point(db, request.user, data)
        return await service.read_point(db, int(point.id or 0))

    @get("/{point_id:int}")
    async def get_point(self, db: Db, point_id: FromPath[int]) -> RiskPointRead:
        return await service.read_point(db, point_id)

    @patch("/{point_id:int}")
    async def update_point(
        self, request: Req, db: Db, point_id: FromPath[int], data: JSONBody[RiskPointUpdate]
    ) -> RiskPointRead:
        await service.update_point(db, request.user, point_id, data)
        return await service.read_point(db, point_id)

    @post("/{point_id:int}/assessments")
    async def assess(
        self, request: Req, db: Db, point_id: FromPath[int], data: JSONBody[AssessmentIn]
    ) -> AssessmentRead:
        """Reassess: appends to the history, updates the point's level and control level."""
        row = await service.assess_point(db, request.user, point_id, data)
        history = await service.read_assessments(db, point_id)
        return next(a for a in history if a.id == row.id)

    @get("/{point_id:int}/assessments")
    async def assessments(self, db: Db, point_id: FromPath[int]) -> list[AssessmentRead]:
        """Every assessment of the point, oldest first."""
        return await service.read_assessments(db, point_id)

    @post("/import", status_code=201)
    async def import_sheet(
        self,
        request: Req,
        db: Db,
        data: Annotated[ImportUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> ImportResult | Response[Any]:
        """Import a risk list (.xlsx): the minimal four-column sheet into `org_unit_id`, or the
        full template. Any error refuses the whole file: 422 with every row's problems."""
        content = await data.file.read(excel.MAX_BYTES + 1)
        try:
            ids = await excel.import_workbook(db, request.user, content, data.org_unit_id)
        except excel.ImportRefused as e:
            await db.rollback()
            report = ImportReport(detail=e.message, errors=e.problems)
            return Response(report.model_dump(), status_code=422, media_type=MediaType.JSON)
        return ImportResult(created=len(ids), ids=ids)


class GradingRuleController(Controller):
    path = "/api/v1/grading-rules"
    tags = ["risk"]
    guards = [ENTERPRISE]

    @get("/")
    async def effective(self, request: Req, db: Db) -> list[GradingRuleRead]:
        """The thresholds in force for LEC and LS, and where each comes from."""
        return [rule_read(await service.effective_rule(db, request.user, m)) for m in ("lec", "ls")]

    @put("/")
    async def set_rule(
        self, request: Req, db: Db, data: JSONBody[GradingRuleUpdate]
    ) -> GradingRuleRead:
        """The tenant's own thresholds for a method (boss, safety manager); null resets."""
        thresholds = data.thresholds.model_dump() if data.thresholds else None
        rule = await service.set_tenant_rule(db, request.user, data.method, thresholds)
        return rule_read(rule)


def _pdf(content: bytes, filename: str) -> Response[bytes]:
    return Response(
        content,
        media_type="application/pdf",
        headers={"content-disposition": attachment_header(filename)},
    )


@get("/enterprise/risks/{point_id:int}/card.pdf", guards=[ENTERPRISE], include_in_schema=False)
async def point_card(request: Req, db: Db, point_id: FromPath[int]) -> Response[bytes]:
    """岗位风险告知卡 of one risk point, A4."""
    point = await service.get_point(db, point_id)
    context = await service.card_context(
        db, request.user, [point], str(request.base_url), point.name
    )
    return _pdf(render_pdf("risk_card.html", context), f"岗位风险告知卡-{point.name}.pdf")


@get("/enterprise/risks/card.pdf", guards=[ENTERPRISE], include_in_schema=False)
async def unit_card(request: Req, db: Db, org_unit_id: FromQuery[int]) -> Response[bytes]:
    """岗位风险告知卡 of every active point of a post or unit (and the units below it)."""
    points = await service.units_for_card(db, org_unit_id)
    labels = dict(await service.unit_choices(db))
    title = labels.get(org_unit_id, "").split(" / ")[-1]
    context = await service.card_context(db, request.user, points, str(request.base_url), title)
    return _pdf(render_pdf("risk_card.html", context), f"岗位风险告知卡-{title}.pdf")


@get("/enterprise/risks/template.xlsx", guards=[ENTERPRISE], include_in_schema=False)
async def template_xlsx() -> Response[bytes]:
    """The full import template with drop-down lists and an instructions sheet."""
    return Response(
        excel.template_workbook(),
        media_type=XLSX,
        headers={"content-disposition": attachment_header("风险点清单导入模板.xlsx")},
    )


@get("/enterprise/risks/export.xlsx", guards=[ENTERPRISE], include_in_schema=False)
async def export_xlsx(
    db: Db,
    org_unit_id: FromQuery[int | None] = None,
    level: FromQuery[str | None] = None,
    kind: FromQuery[str | None] = None,
    q: FromQuery[str] = "",
) -> Response[bytes]:
    """The graded control list 分级管控清单 of the (filtered) active points."""
    f = point_filter(org_unit_id, level, kind, q, "active")
    _, rows = await repository.list_points(db, f, limit=100_000)
    content = excel.export_workbook(await service.read_points(db, rows))
    return Response(
        content,
        media_type=XLSX,
        headers={"content-disposition": attachment_header("风险分级管控清单.xlsx")},
    )


routes: list[Any] = [
    RiskPointController,
    GradingRuleController,
    point_card,
    unit_card,
    template_xlsx,
    export_xlsx,
    *page_routes,
]
