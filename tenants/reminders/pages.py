"""Pages of the reminders part: the enterprise home `/enterprise` (alarms first, then the
numbers, then the profile and people), `/enterprise/reminders` (alarms, certificates,
equipment, with their forms), the QR scan page `/q/{token}` and printable QR labels."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import jinja2
from litestar import Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.attachments import service as attachments
from anwang.platform.clock import cn_date
from anwang.platform.errors import DomainError, NotFound
from anwang.platform.web import shell_queries
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.labels import Labels
from anwang.platform.web.shells import Req
from anwang.tenants import pages, vocabulary
from anwang.tenants.org.access import is_company_level
from anwang.tenants.org.repository import unit_choices
from anwang.tenants.reminders import dashboard, qr, repository, service
from anwang.tenants.reminders.schemas import (
    ALARM_KINDS,
    EQUIPMENT_STATUSES,
    SEVERITIES,
    CertificateCreate,
    CertificateUpdate,
    EquipmentCreate,
    EquipmentUpdate,
)

ENTERPRISE = require("enterprise")
HOME = "/enterprise"
REMINDERS = "/enterprise/reminders"
HOME_ALARMS = 12  # the home page shows the most severe and newest; the rest are one click away
TEMPLATES = Path(__file__).parent.parent / "templates"


def _render(
    template: str, request: Req, active: str, status: int = 200, **context: Any
) -> Template:
    page = pages.render(
        template,
        request,
        active,
        cn=cn_date,
        today=service.today(),
        ALARM_KINDS=ALARM_KINDS,
        SEVERITIES=SEVERITIES,
        EQUIPMENT_STATUSES=EQUIPMENT_STATUSES,
        **context,
    )
    page.status_code = status
    return page


def _may_resolve(v: dashboard.Viewer, unit_id: int | None) -> bool:
    if v.scope == "company":
        return True
    return v.scope == "units" and unit_id is not None and unit_id in (v.units or set())


# --- the home page ---------------------------------------------------------------------


@get(HOME, guards=[ENTERPRISE], include_in_schema=False)
async def home(request: Req, db: Db) -> Template:
    """The boss's page 工作台: open alarms first, then the numbers that need attention, then
    the enterprise's profile and people."""
    p = request.user
    assert p.tenant_id is not None  # the guard admits tenant principals only
    enterprise = await shell_queries.own_enterprise(db, p.tenant_id)
    if enterprise is None:
        raise NotFound("未找到本企业的登记信息，请联系管理员")
    v = await dashboard.viewer_of(db, p)
    total, severe = await dashboard.alarm_counts(db, v)
    numbers = await dashboard.numbers(db, v)
    figures = numbers.read(total, severe)
    return _render(
        "reminders/home.html",
        request,
        HOME,
        e=enterprise,
        v=v,
        alarms=await repository.open_alarms(db, v.units, limit=HOME_ALARMS),
        link=dashboard.alarm_link,
        may_resolve=lambda unit: _may_resolve(v, unit),
        n=figures,
        bar=dashboard.four_colour_bar(figures.risk_points),
        members=await shell_queries.members(db),
    )


# --- the reminders page ------------------------------------------------------------------


@get(REMINDERS, guards=[ENTERPRISE], include_in_schema=False)
async def reminders_page(request: Req, db: Db, saved: FromQuery[str] = "") -> Template:
    """Alarms (with the resolve action for managers), certificates and equipment."""
    v = await dashboard.viewer_of(db, request.user)
    return _render(
        "reminders/index.html",
        request,
        REMINDERS,
        v=v,
        saved=saved,
        alarms=await repository.open_alarms(db, v.units, limit=500),
        link=dashboard.alarm_link,
        may_resolve=lambda unit: _may_resolve(v, unit),
        certificates=await repository.certificates(db, v.units),
        equipment=await repository.equipment_list(db, v.units),
        may_add=v.scope != "own",
        company=is_company_level(request.user),
        KINDS=vocabulary.CERTIFICATE_KINDS,
    )


@post(
    "/enterprise/reminders/alarms/{alarm_id:int}/resolve",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def resolve_alarm(
    request: Req,
    db: Db,
    alarm_id: FromPath[int],
    back: FromQuery[str] = "",
) -> Redirect:
    """处理/已知悉: the alarm leaves the lists; the page it came from is shown again."""
    await service.resolve_alarm(db, request.user, alarm_id)
    target = back if back in (HOME, REMINDERS) else REMINDERS
    return Redirect(f"{target}#alarms", status_code=303)


# --- forms: shared pieces ------------------------------------------------------------------


def _errors(error: ValidationError, labels: dict[str, str]) -> dict[str, str]:
    """One Chinese message per field from the schema's errors (the first one wins)."""
    messages: dict[str, str] = {}
    for detail in error.errors():
        name = str(detail["loc"][0]) if detail["loc"] else ""
        message = ""
        if detail["type"] == "value_error":
            raw = str((detail.get("ctx") or {}).get("error", detail["msg"]))
            if ":" in raw:
                name, message = raw.split(":", 1)
            else:
                message = raw
        label = labels.get(name, name)
        if not message:
            message = {
                "missing": f"请填写{label}",
                "string_too_short": f"请填写{label}",
                "string_too_long": f"{label}太长了",
                "date_from_datetime_parsing": f"{label}不是有效的日期",
                "date_parsing": f"{label}不是有效的日期",
                "int_parsing": f"请从列表中选择{label}",
                "int_type": f"请选择{label}",
                "literal_error": f"请从列表中选择{label}",
            }.get(detail["type"], f"{label}填写有误")
        messages.setdefault(name, message)
    return messages


def _blank_to_none(values: dict[str, str], optional: tuple[str, ...]) -> dict[str, Any]:
    typed: dict[str, Any] = {k: v.strip() for k, v in values.items()}
    for k in optional:
        if not typed.get(k):
            typed[k] = None
    return typed


def _first_error(form: Any, errors: dict[str, str]) -> str:
    return next((k for k in asdict(form) if k in errors), "")


# --- certificates --------------------------------------------------------------------------

CERTIFICATE_LABELS = {
    "kind": "证照类别",
    "name": "证照名称",
    "number": "证书编号",
    "staff_id": "持证人员",
    "grade": "等级",
    "issued_on": "发证日期",
    "expires_on": "有效期至",
    "file": "扫描件",
}


@dataclass
class CertificateForm:
    """The certificate form exactly as typed, so a refused form comes back intact."""

    kind: str = "safety_licence"
    name: str = ""
    number: str = ""
    staff_id: str = ""
    grade: str = ""
    issued_on: str = ""
    expires_on: str = ""

    def values(self) -> dict[str, Any]:
        return _blank_to_none(asdict(self), ("staff_id", "issued_on", "expires_on"))


@dataclass
class CertificateUpload(CertificateForm):
    file: UploadFile | None = None

    def form(self) -> CertificateForm:
        return CertificateForm(**{k: v for k, v in asdict(self).items() if k != "file"})


async def _certificate_page(
    request: Req,
    db: AsyncSession,
    form: CertificateForm,
    certificate_id: int | None = None,
    *,
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Template:
    errors = errors or {}
    row = await repository.certificate_row(db, certificate_id) if certificate_id else None
    return _render(
        "reminders/certificate_form.html",
        request,
        REMINDERS,
        f=form,
        c=row,
        errors=errors,
        error=error,
        first_error=_first_error(form, errors),
        staff=await repository.staff_choices(db),
        KINDS=vocabulary.CERTIFICATE_KINDS,
        max_upload=attachments.size_label(),
        status=status,
    )


async def _scan_id(db: AsyncSession, request: Req, upload: UploadFile | None) -> int | None:
    if upload is None or not upload.filename:
        return None
    data = await upload.read()
    stored = await attachments.store_document(db, request.user, data, upload.filename)
    return stored.id


async def _save_certificate(
    request: Req, db: AsyncSession, data: CertificateUpload, certificate_id: int | None
) -> Redirect | Template:
    form = data.form()
    try:
        if certificate_id is None:
            create = CertificateCreate.model_validate(form.values())
        else:
            update = CertificateUpdate.model_validate(form.values())
            CertificateCreate.model_validate(form.values())  # the same rules as a new one
    except ValidationError as e:
        errors = _errors(e, CERTIFICATE_LABELS)
        return await _certificate_page(request, db, form, certificate_id, errors=errors, status=400)
    try:
        scan = await _scan_id(db, request, data.file)
        if certificate_id is None:
            create.attachment_id = scan
            saved = await service.create_certificate(db, request.user, create)
            certificate_id = saved.id
        else:
            if scan is not None:
                update.attachment_id = scan
            await service.update_certificate(db, request.user, certificate_id, update)
    except DomainError as e:
        # Nothing of a refused form may reach the commit at the end of the request.
        await db.rollback()
        errors = {e.field: e.message} if e.field in CERTIFICATE_LABELS else {}
        return await _certificate_page(
            request,
            db,
            form,
            certificate_id,
            errors=errors,
            error="" if errors else e.message,
            status=e.status_code,
        )
    return Redirect(f"{REMINDERS}?saved=certificate#certificates", status_code=303)


@get("/enterprise/reminders/certificates/new", guards=[ENTERPRISE], include_in_schema=False)
async def certificate_new(request: Req, db: Db) -> Template:
    return await _certificate_page(request, db, CertificateForm())


@post(
    "/enterprise/reminders/certificates/new",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def certificate_create(
    request: Req,
    db: Db,
    data: Annotated[CertificateUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Redirect | Template:
    return await _save_certificate(request, db, data, None)


@get(
    "/enterprise/reminders/certificates/{certificate_id:int}",
    guards=[ENTERPRISE],
    include_in_schema=False,
)
async def certificate_edit(request: Req, db: Db, certificate_id: FromPath[int]) -> Template:
    c = await service.get_certificate(db, certificate_id)
    form = CertificateForm(
        kind=c.kind,
        name=c.name,
        number=c.number,
        staff_id=str(c.staff_id or ""),
        grade=c.grade,
        issued_on=c.issued_on.isoformat() if c.issued_on else "",
        expires_on=c.expires_on.isoformat() if c.expires_on else "",
    )
    return await _certificate_page(request, db, form, certificate_id)


@post(
    "/enterprise/reminders/certificates/{certificate_id:int}",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def certificate_update(
    request: Req,
    db: Db,
    certificate_id: FromPath[int],
    data: Annotated[CertificateUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Redirect | Template:
    await service.get_certificate(db, certificate_id)
    return await _save_certificate(request, db, data, certificate_id)


@post(
    "/enterprise/reminders/certificates/{certificate_id:int}/delete",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def certificate_delete(request: Req, db: Db, certificate_id: FromPath[int]) -> Redirect:
    await service.delete_certificate(db, request.user, certificate_id)
    return Redirect(f"{REMINDERS}#certificates", status_code=303)


# --- equipment -----------------------------------------------------------------------------

EQUIPMENT_LABELS = {
    "name": "设备名称",
    "org_unit_id": "所在部门",
    "risk_point_id": "对应风险点",
    "model": "规格型号",
    "serial_number": "出厂编号",
    "is_special": "特种设备",
    "last_inspected_on": "上次检验日期",
    "next_inspection_on": "下次检验日期",
    "end_of_life_on": "报废日期（使用年限到期）",
    "status": "使用状态",
}


@dataclass
class EquipmentForm:
    name: str = ""
    org_unit_id: str = ""
    risk_point_id: str = ""
    model: str = ""
    serial_number: str = ""
    is_special: str = ""
    last_inspected_on: str = ""
    next_inspection_on: str = ""
    end_of_life_on: str = ""
    status: str = "in_use"

    def values(self) -> dict[str, Any]:
        typed = _blank_to_none(
            asdict(self),
            ("org_unit_id", "risk_point_id", "last_inspected_on", "next_inspection_on",
             "end_of_life_on"),
        )  # fmt: skip
        typed["is_special"] = bool(self.is_special)
        return typed


async def _equipment_page(
    request: Req,
    db: AsyncSession,
    form: EquipmentForm,
    equipment_id: int | None = None,
    *,
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Template:
    errors = errors or {}
    row = await repository.equipment_row(db, equipment_id) if equipment_id else None
    return _render(
        "reminders/equipment_form.html",
        request,
        REMINDERS,
        f=form,
        q=row,
        qr_svg=qr.svg(qr.scan_url(str(request.base_url), row["qr_token"])) if row else "",
        errors=errors,
        error=error,
        first_error=_first_error(form, errors),
        units=await unit_choices(db),
        risk_points=await repository.risk_point_choices(db),
        status=status,
    )


async def _save_equipment(
    request: Req, db: AsyncSession, form: EquipmentForm, equipment_id: int | None
) -> Redirect | Template:
    try:
        create = EquipmentCreate.model_validate(form.values())
    except ValidationError as e:
        errors = _errors(e, EQUIPMENT_LABELS)
        return await _equipment_page(request, db, form, equipment_id, errors=errors, status=400)
    try:
        if equipment_id is None:
            saved = await service.create_equipment(db, request.user, create)
            equipment_id = saved.id
        else:
            update = EquipmentUpdate.model_validate(create.model_dump())
            await service.update_equipment(db, request.user, equipment_id, update)
    except DomainError as e:
        await db.rollback()
        errors = {e.field: e.message} if e.field in EQUIPMENT_LABELS else {}
        return await _equipment_page(
            request,
            db,
            form,
            equipment_id,
            errors=errors,
            error="" if errors else e.message,
            status=e.status_code,
        )
    return Redirect(f"{REMINDERS}?saved=equipment#equipment", status_code=303)


@get("/enterprise/reminders/equipment/new", guards=[ENTERPRISE], include_in_schema=False)
async def equipment_new(request: Req, db: Db) -> Template:
    return await _equipment_page(request, db, EquipmentForm())


@post(
    "/enterprise/reminders/equipment/new",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def equipment_create(
    request: Req,
    db: Db,
    data: Annotated[EquipmentForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect | Template:
    return await _save_equipment(request, db, data, None)


@get(
    "/enterprise/reminders/equipment/{equipment_id:int}",
    guards=[ENTERPRISE],
    include_in_schema=False,
)
async def equipment_edit(request: Req, db: Db, equipment_id: FromPath[int]) -> Template:
    q = await service.get_equipment(db, equipment_id)

    def iso(d: date | None) -> str:
        return d.isoformat() if d else ""

    form = EquipmentForm(
        name=q.name,
        org_unit_id=str(q.org_unit_id),
        risk_point_id=str(q.risk_point_id or ""),
        model=q.model,
        serial_number=q.serial_number,
        is_special="on" if q.is_special else "",
        last_inspected_on=iso(q.last_inspected_on),
        next_inspection_on=iso(q.next_inspection_on),
        end_of_life_on=iso(q.end_of_life_on),
        status=q.status,
    )
    return await _equipment_page(request, db, form, equipment_id)


@post(
    "/enterprise/reminders/equipment/{equipment_id:int}",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def equipment_update(
    request: Req,
    db: Db,
    equipment_id: FromPath[int],
    data: Annotated[EquipmentForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect | Template:
    await service.get_equipment(db, equipment_id)
    return await _save_equipment(request, db, data, equipment_id)


@post(
    "/enterprise/reminders/equipment/{equipment_id:int}/delete",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def equipment_delete(request: Req, db: Db, equipment_id: FromPath[int]) -> Redirect:
    await service.delete_equipment(db, request.user, equipment_id)
    return Redirect(f"{REMINDERS}#equipment", status_code=303)


# --- QR codes ------------------------------------------------------------------------------


@get("/q/{token:str}", guards=[ENTERPRISE], include_in_schema=False)
async def scan(request: Req, db: Db, token: FromPath[str]) -> Template:
    """What a scanned code opens: a risk point's card with the start-check button, a post's
    risk points, or a piece of equipment with its risk point. Another tenant's code is 404."""
    found = await repository.by_token(db, token) if len(token) <= 64 else None
    if found is None:
        raise NotFound("二维码无效，或不属于本企业")
    kind, thing_id = found
    points: list[Any] = []
    context: dict[str, Any] = {"kind": kind}
    if kind == "risk_point":
        point = await repository.get_risk_point(db, thing_id)
        points = [point]
        context["title"] = point.name if point else ""
    elif kind == "post":
        unit = await repository.get_unit(db, thing_id)
        points = await repository.risk_points_at(db, thing_id)
        context["title"] = unit.name if unit else ""
        context["unit"] = unit
    else:
        equipment = await repository.equipment_row(db, thing_id)
        context["equipment"] = equipment
        context["title"] = equipment["name"] if equipment else ""
        if equipment and equipment["risk_point_id"]:
            points = [await repository.get_risk_point(db, equipment["risk_point_id"])]
    ids = [int(rp.id) for rp in points if rp and rp.id]
    return _render(
        "reminders/scan.html",
        request,
        "",
        points=[rp for rp in points if rp],
        measures=await repository.measures_of(db, ids),
        units=dict(await unit_choices(db)),
        **context,
    )


IdList = Annotated[str, QueryParameter(max_length=4000, pattern=r"^[0-9,\s]*$")]


def _ids(ids: str) -> list[int] | None:
    parts = [x for x in ids.replace(" ", "").split(",") if x]
    return [int(x) for x in parts] if parts else None


async def _labels(request: Req, db: AsyncSession, kind: str, ids: str) -> dict[str, Any]:
    if kind not in qr.LABEL_KINDS:
        raise DomainError("请选择要打印的二维码类别：风险点、设备或岗位", field="kind")
    found = await repository.label_rows(db, kind, _ids(ids))
    if len(found) > qr.MAX_LABELS:
        raise DomainError(f"一次最多打印 {qr.MAX_LABELS} 张标签，请分批选择")
    base = str(request.base_url)
    labels = []
    for r in found:
        url = qr.scan_url(base, r["qr_token"])
        labels.append(
            {
                "name": r["name"],
                "unit": r["unit"] or "",
                "level": r["level"],
                "level_name": vocabulary.LEVELS.get(r["level"] or "", "未评级"),
                "colour": vocabulary.LEVEL_COLOURS.get(r["level"] or "", "none"),
                "url": url,
                "svg": qr.svg(url, scale=3),
                "data_uri": qr.data_uri(url, scale=3),
            }
        )
    return {"labels": labels, "kind": kind, "kind_name": qr.LABEL_KINDS[kind], "ids": ids}


@get("/enterprise/qr/labels", guards=[ENTERPRISE], include_in_schema=False)
async def labels_sheet(request: Req, db: Db, kind: FromQuery[str], ids: IdList = "") -> Template:
    """An A4 sheet of QR labels to print from the browser (name, unit, level colour, code)."""
    context = await _labels(request, db, kind, ids)
    return Template(
        "reminders/labels.html",
        context={"p": request.user, "L": Labels, "nav": [], **context},
    )


@cache
def _pdf_templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


@get("/enterprise/qr/labels.pdf", guards=[ENTERPRISE], include_in_schema=False)
async def labels_pdf(
    request: Req, db: Db, kind: FromQuery[str], ids: IdList = ""
) -> Response[bytes]:
    """The same labels as an A4 PDF (WeasyPrint through the shared renderer)."""
    from anyio import to_thread

    from anwang.reports.pdf import attachment_header, render_pdf_html

    context = await _labels(request, db, kind, ids)
    html = _pdf_templates().get_template("reminders/labels_pdf.html").render(**context)
    pdf = await to_thread.run_sync(render_pdf_html, html)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": attachment_header(f"{context['kind_name']}二维码标签.pdf")},
    )


page_routes: list[Any] = [
    home,
    reminders_page,
    resolve_alarm,
    certificate_new,
    certificate_create,
    certificate_edit,
    certificate_update,
    certificate_delete,
    equipment_new,
    equipment_create,
    equipment_edit,
    equipment_update,
    equipment_delete,
    scan,
    labels_sheet,
    labels_pdf,
]
