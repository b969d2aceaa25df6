"""Pages of risk grading and control 风险分级管控: the list with its four-colour counts, the risk
card of a point with its assessment history, the forms (new, edit, reassess), the Excel import
and the grading thresholds. Forms come back as typed, with the errors beside the fields, and a
refused form writes nothing."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from litestar import get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform import clock
from anwang.platform.clock import cn_time
from anwang.platform.errors import DomainError
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.shells import Req
from anwang.reports.pdf import qr_data_uri
from anwang.tenants import vocabulary as V
from anwang.tenants.org import access
from anwang.tenants.org.repository import unit_choices
from anwang.tenants.pages import render
from anwang.tenants.risk import excel, grading, repository, service
from anwang.tenants.risk.schemas import AssessmentIn, MeasureIn, RiskPointCreate, RiskPointUpdate

ENTERPRISE = require("enterprise")
NAV = "/enterprise/risks"
PAGE_SIZE = 30
OTHER_CRITERION = "__other__"


def cn_date(at: datetime | None, with_time: bool = False) -> str:
    """2026年11月24日 (14:05), in China time."""
    return cn_time(at) if with_time else clock.cn_date(at)


# --- forms as typed ---------------------------------------------------------------------


@dataclass
class AssessForm:
    """The assessment part of a form: one set of boxes per method."""

    method: str = ""
    lec_l: str = ""
    lec_e: str = ""
    lec_c: str = ""
    ls_l: str = ""
    ls_s: str = ""
    criterion: str = ""
    criterion_text: str = ""
    note: str = ""
    control_leader: str = ""

    @classmethod
    def read(cls, form: Any) -> AssessForm:
        return cls(**{k: str(form.get(k, "")).strip() for k in asdict(cls())})

    def major_criterion(self) -> str | None:
        if self.criterion == OTHER_CRITERION:
            return self.criterion_text or None
        return self.criterion or None

    def to_in(self) -> AssessmentIn:
        if self.method == "lec":
            inputs = {"l": self.lec_l, "e": self.lec_e, "c": self.lec_c}
        elif self.method == "ls":
            inputs = {"l": self.ls_l, "s": self.ls_s}
        else:
            inputs = {}
        return AssessmentIn(
            method=self.method,
            **{k: (v or None) for k, v in inputs.items()},
            major_criterion=self.major_criterion(),
            note=self.note[:500],
            control_leader=self.control_leader[:50] or None,
        )

    def field_of(self, key: str) -> str:
        """The form box of a service error key ('assessment.l' → 'lec_l' for LEC)."""
        name = key.removeprefix("assessment.")
        if name in ("l", "e", "c") and self.method == "lec":
            return f"lec_{name}"
        if name in ("l", "s") and self.method == "ls":
            return f"ls_{name}"
        if name == "major_criterion":
            return "criterion"
        return name


@dataclass
class PointForm:
    org_unit_id: str = ""
    name: str = ""
    kind: str = "equipment"
    location: str = ""
    hazard_factors: list[str] = field(default_factory=list)
    accident_types: list[str] = field(default_factory=list)
    measures: dict[str, str] = field(
        default_factory=lambda: dict.fromkeys(V.CONTROL_MEASURE_KINDS, "")
    )
    inspection_frequency: str = "daily"
    responsible_user_id: str = ""
    responsible_name: str = ""
    emergency_phone: str = ""
    control_level: str = ""
    control_unit_id: str = ""
    control_leader: str = ""

    @classmethod
    def read(cls, form: Any) -> PointForm:
        simple = {
            k: str(form.get(k, "")).strip()
            for k in asdict(cls())
            if k not in ("hazard_factors", "accident_types", "measures")
        }
        return cls(
            **simple,
            hazard_factors=[str(v) for v in form.getall("hazard_factors", [])],
            accident_types=[str(v) for v in form.getall("accident_types", [])],
            measures={k: str(form.get(f"m_{k}", "")) for k in V.CONTROL_MEASURE_KINDS},
        )

    @classmethod
    def of(cls, p: Any) -> PointForm:
        """The form of an existing point (a RiskPointRead)."""
        measures = {
            k: "\n".join(m.content for m in p.measures if m.kind == k)
            for k in V.CONTROL_MEASURE_KINDS
        }
        return cls(
            org_unit_id=str(p.org_unit_id),
            name=p.name,
            kind=p.kind,
            location=p.location,
            hazard_factors=list(p.hazard_factors),
            accident_types=list(p.accident_types),
            measures=measures,
            inspection_frequency=p.inspection_frequency,
            responsible_user_id=str(p.responsible_user_id or ""),
            responsible_name=p.responsible_name,
            emergency_phone=p.emergency_phone,
            control_level=p.control_level if p.control_level_overridden else "",
            control_unit_id=str(p.control_unit_id or "") if p.control_level_overridden else "",
            control_leader=p.control_leader,
        )

    def measure_list(self, existing: list[Any] = ()) -> list[MeasureIn]:  # type: ignore[assignment]
        """One measure per line of each kind's box; unchanged lines keep their ids."""
        kept = {(m.kind, m.content): m.id for m in existing}
        result = []
        for kind, text in self.measures.items():
            for line in text.splitlines():
                line = line.strip()
                if line:
                    result.append(
                        MeasureIn(id=kept.pop((kind, line), None), kind=kind, content=line)
                    )
        return result


def _int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def _responsible(form: PointForm, members: dict[int, str]) -> tuple[int | None, str]:
    uid = _int(form.responsible_user_id)
    name = form.responsible_name or (members.get(uid, "") if uid else "")
    return uid, name


async def _form_context(db: AsyncSession, request: Req) -> dict[str, Any]:
    choices = await unit_choices(db)
    managed = await access.managed_unit_ids(db, request.user)
    return {
        "units": choices,
        "own_units": [c for c in choices if managed is None or c[0] in managed],
        "members": await repository.tenant_members(db),
        "G": grading,
        "criteria": grading.MAJOR_CRITERIA,
        "other_criterion": OTHER_CRITERION,
    }


def _errors_of(e: DomainError, a: AssessForm | None = None) -> dict[str, str]:
    raw = e.errors if isinstance(e, service.Invalid) else {e.field or "": e.message}
    errors: dict[str, str] = {}
    for key, message in raw.items():
        name = a.field_of(key) if a is not None and key.startswith("assessment.") else key
        if name == "responsible_user_id":
            name = "responsible_name"
        errors.setdefault(name, message)
    return errors


# --- the list ---------------------------------------------------------------------------


@get("/enterprise/risks", guards=[ENTERPRISE], include_in_schema=False)
async def risk_list(
    request: Req,
    db: Db,
    org_unit_id: FromQuery[int | None] = None,
    level: FromQuery[str] = "",
    kind: FromQuery[str] = "",
    q: FromQuery[str] = "",
    status: FromQuery[str] = "active",
    page: FromQuery[int] = 1,
) -> Template:
    """Risk points with the four-colour counts, filtered by unit subtree, level, kind, text."""
    from anwang.tenants.risk.controllers import point_filter

    page = max(1, min(page, 10_000))
    f = point_filter(org_unit_id, level, kind, q[:100], status)
    total, rows = await repository.list_points(
        db, f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    managed = await access.managed_unit_ids(db, request.user)
    base = {"org_unit_id": org_unit_id or "", "kind": kind, "q": q, "status": status}

    def qs(extra: dict[str, Any]) -> str:
        """This list's query string with `extra` changed (empty values left out)."""
        merged = {**base, "level": level, **extra}
        return "?" + urlencode({k: v for k, v in merged.items() if v not in ("", None)})

    return render(
        "risk/list.html",
        request,
        NAV,
        points=await service.read_points(db, rows),
        counts=await service.colour_counts(db, f),
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        f=f,
        filters=base,
        level=level,
        qs=qs,
        units=await unit_choices(db),
        can_write=managed is None or bool(managed),
        can_rules=request.user.role in service.RULE_EDITORS,
    )


# --- new / edit -------------------------------------------------------------------------


async def _point_form_page(
    request: Req,
    db: AsyncSession,
    form: PointForm,
    a: AssessForm | None,
    *,
    point: Any = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    errors = errors or {}
    t = render(
        "risk/form.html",
        request,
        NAV,
        f=form,
        a=a,
        point=point,
        errors=errors,
        error=errors.get("", ""),
        **(await _form_context(db, request)),
    )
    t.status_code = status
    return t


@get("/enterprise/risks/new", guards=[ENTERPRISE], include_in_schema=False)
async def risk_new(request: Req, db: Db, org_unit_id: FromQuery[int | None] = None) -> Template:
    form = PointForm(org_unit_id=str(org_unit_id or ""))
    return await _point_form_page(request, db, form, AssessForm())


@post("/enterprise/risks/new", guards=[ENTERPRISE], include_in_schema=False, status_code=303)
async def risk_create(request: Req, db: Db) -> Redirect | Template:
    raw = await request.form()
    form, a = PointForm.read(raw), AssessForm.read(raw)
    members = dict(await repository.tenant_members(db))
    uid, who = _responsible(form, members)
    unit = _int(form.org_unit_id)
    if unit is None:
        return await _point_form_page(
            request, db, form, a, errors={"org_unit_id": "请选择所属单位"}, status=400
        )
    try:
        data = RiskPointCreate(
            org_unit_id=unit,
            name=form.name[:100],
            kind=form.kind,
            location=form.location[:200],
            hazard_factors=form.hazard_factors,
            accident_types=form.accident_types,
            inspection_frequency=form.inspection_frequency,
            responsible_user_id=uid,
            responsible_name=who[:50],
            measures=form.measure_list(),
            control_level=form.control_level or None,
            control_unit_id=_int(form.control_unit_id),
            control_leader=(a.control_leader or form.control_leader)[:50],
            emergency_phone=form.emergency_phone[:50],
            assessment=a.to_in() if a.method else None,
        )
        point = await service.create_point(db, request.user, data)
    except DomainError as e:
        await db.rollback()
        return await _point_form_page(
            request, db, form, a, errors=_errors_of(e, a), status=e.status_code
        )
    return Redirect(f"/enterprise/risks/{point.id}?saved=1", status_code=303)


@get("/enterprise/risks/{point_id:int}/edit", guards=[ENTERPRISE], include_in_schema=False)
async def risk_edit(request: Req, db: Db, point_id: FromPath[int]) -> Template:
    point = await service.read_point(db, point_id)
    return await _point_form_page(request, db, PointForm.of(point), None, point=point)


@post(
    "/enterprise/risks/{point_id:int}/edit",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def risk_update(request: Req, db: Db, point_id: FromPath[int]) -> Redirect | Template:
    point = await service.read_point(db, point_id)
    form = PointForm.read(await request.form())
    members = dict(await repository.tenant_members(db))
    uid, who = _responsible(form, members)
    try:
        unit = _int(form.org_unit_id)
        if unit is None:
            raise service.Invalid({"org_unit_id": "请选择所属单位"})
        changes: dict[str, Any] = {
            "org_unit_id": unit,
            "name": form.name[:100],
            "kind": form.kind,
            "location": form.location[:200],
            "hazard_factors": form.hazard_factors,
            "accident_types": form.accident_types,
            "inspection_frequency": form.inspection_frequency,
            "responsible_user_id": uid,
            "responsible_name": who[:50],
            "measures": form.measure_list(point.measures),
            "control_leader": form.control_leader[:50],
            "emergency_phone": form.emergency_phone[:50],
        }
        if form.control_level:
            changes["control_level"] = form.control_level
            changes["control_unit_id"] = _int(form.control_unit_id)
        else:
            changes["control_level_overridden"] = False
        await service.update_point(db, request.user, point_id, RiskPointUpdate(**changes))
    except DomainError as e:
        await db.rollback()
        return await _point_form_page(
            request, db, form, None, point=point, errors=_errors_of(e), status=e.status_code
        )
    return Redirect(f"/enterprise/risks/{point_id}?saved=1", status_code=303)


@post(
    "/enterprise/risks/{point_id:int}/status",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def risk_status(request: Req, db: Db, point_id: FromPath[int]) -> Redirect:
    """Retire a point (停用) or bring it back."""
    status = str((await request.form()).get("status", ""))
    await service.update_point(db, request.user, point_id, RiskPointUpdate(status=status))
    return Redirect(f"/enterprise/risks/{point_id}", status_code=303)


# --- the risk card ----------------------------------------------------------------------


async def _detail(
    request: Req,
    db: AsyncSession,
    point_id: int,
    *,
    a: AssessForm | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    saved: str = "",
) -> Template:
    point = await service.read_point(db, point_id)
    history = await service.read_assessments(db, point_id)
    rules = {m: await service.effective_rule(db, request.user, m) for m in grading.SCORED_METHODS}
    base = str(request.base_url).rstrip("/")
    t = render(
        "risk/detail.html",
        request,
        NAV,
        pt=point,
        history=list(reversed(history)),
        a=a or AssessForm(method=point.method or "", control_leader=point.control_leader),
        errors=errors or {},
        saved=saved,
        rules={m: grading.rule_text(m, r.thresholds) for m, r in rules.items()},
        can_write=await access.can_manage(db, request.user, point.org_unit_id),
        qr=qr_data_uri(f"{base}/q/{point.qr_token}"),
        cn_date=cn_date,
        plain=grading.plain,
        criteria=grading.MAJOR_CRITERIA,
        other_criterion=OTHER_CRITERION,
        G=grading,
    )
    t.status_code = status
    return t


@get("/enterprise/risks/{point_id:int}", guards=[ENTERPRISE], include_in_schema=False)
async def risk_detail(
    request: Req, db: Db, point_id: FromPath[int], saved: FromQuery[str] = ""
) -> Template:
    """The risk card: level and colour, measures by kind, graded control, assessment history."""
    return await _detail(request, db, point_id, saved=saved)


@post(
    "/enterprise/risks/{point_id:int}/assess",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def risk_assess(request: Req, db: Db, point_id: FromPath[int]) -> Redirect | Template:
    a = AssessForm.read(await request.form())
    try:
        if not a.method:
            raise service.Invalid({"method": "请选择评价方法"})
        await service.assess_point(db, request.user, point_id, a.to_in())
    except DomainError as e:
        await db.rollback()
        return await _detail(
            request, db, point_id, a=a, errors=_errors_of(e, a), status=e.status_code
        )
    return Redirect(f"/enterprise/risks/{point_id}?saved=assessed#history", status_code=303)


# --- import -----------------------------------------------------------------------------


async def _import_page(
    request: Req,
    db: AsyncSession,
    *,
    unit: str = "",
    error: str = "",
    problems: list[Any] | None = None,
    created: int = 0,
    status: int = 200,
) -> Template:
    managed = await access.managed_unit_ids(db, request.user)
    choices = await unit_choices(db)
    t = render(
        "risk/import.html",
        request,
        NAV,
        units=[c for c in choices if managed is None or c[0] in managed],
        unit=unit,
        error=error,
        problems=problems or [],
        created=created,
        max_mb=excel.MAX_BYTES // 1024 // 1024,
    )
    t.status_code = status
    return t


@get("/enterprise/risks/import", guards=[ENTERPRISE], include_in_schema=False)
async def risk_import_page(request: Req, db: Db, created: FromQuery[int] = 0) -> Template:
    return await _import_page(request, db, created=created)


@post("/enterprise/risks/import", guards=[ENTERPRISE], include_in_schema=False, status_code=303)
async def risk_import(request: Req, db: Db) -> Redirect | Template:
    form = await request.form()
    unit = str(form.get("org_unit_id", ""))
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not getattr(upload, "filename", ""):
        return await _import_page(
            request, db, unit=unit, error="请选择要导入的 .xlsx 文件", status=400
        )
    content = await upload.read(excel.MAX_BYTES + 1)
    try:
        ids = await excel.import_workbook(db, request.user, content, _int(unit))
    except excel.ImportRefused as e:
        await db.rollback()
        return await _import_page(
            request, db, unit=unit, error=e.message, problems=e.problems, status=422
        )
    return Redirect(f"/enterprise/risks/import?created={len(ids)}", status_code=303)


# --- grading thresholds -----------------------------------------------------------------


async def _settings_page(
    request: Req,
    db: AsyncSession,
    typed: dict[str, dict[str, str]] | None = None,
    errors: dict[str, dict[str, str]] | None = None,
    saved: str = "",
    status: int = 200,
) -> Template:
    rules = {m: await service.effective_rule(db, request.user, m) for m in grading.SCORED_METHODS}
    values = {m: {k: grading.plain(v) for k, v in r.thresholds.items()} for m, r in rules.items()}
    if typed:
        values.update(typed)
    t = render(
        "risk/settings.html",
        request,
        NAV,
        rules=rules,
        values=values,
        bands={m: grading.rule_text(m, r.thresholds) for m, r in rules.items()},
        defaults={
            m: {k: grading.plain(v) for k, v in d.items()}
            for m, d in grading.DEFAULT_THRESHOLDS.items()
        },
        errors=errors or {},
        saved=saved,
        can_edit=request.user.role in service.RULE_EDITORS,
    )
    t.status_code = status
    return t


@get("/enterprise/risks/settings", guards=[ENTERPRISE], include_in_schema=False)
async def risk_settings(request: Req, db: Db, saved: FromQuery[str] = "") -> Template:
    return await _settings_page(request, db, saved=saved)


@post(
    "/enterprise/risks/settings",
    guards=[require("enterprise", roles=tuple(service.RULE_EDITORS))],
    include_in_schema=False,
    status_code=303,
)
async def risk_settings_save(request: Req, db: Db) -> Redirect | Template:
    form = await request.form()
    method = str(form.get("method", ""))
    typed = {k: str(form.get(k, "")).strip() for k in grading.THRESHOLD_KEYS}
    try:
        thresholds = None if form.get("reset") else typed
        await service.set_tenant_rule(db, request.user, method, thresholds)
    except DomainError as e:
        await db.rollback()
        return await _settings_page(
            request,
            db,
            typed={method: typed},
            errors={method: {e.field or "major": e.message}},
            status=e.status_code,
        )
    return Redirect(f"/enterprise/risks/settings?saved={method}", status_code=303)


page_routes: list[Any] = [
    risk_list,
    risk_new,
    risk_create,
    risk_edit,
    risk_update,
    risk_status,
    risk_detail,
    risk_assess,
    risk_import_page,
    risk_import,
    risk_settings,
    risk_settings_save,
]
