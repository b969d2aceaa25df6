"""HTTP API and pages of checklists, inspection tasks and checks. Thin: the service decides
who may do what; pages keep what was typed when something is refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.datastructures import FormMultiDict, State, UploadFile
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.clock import CHINA, cn_date, cn_time
from anwang.platform.errors import Conflict, DomainError
from anwang.platform.principal import Principal
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.shells import Req
from anwang.tenants.checks import repository, service
from anwang.tenants.checks.models import Checklist, ChecklistItem
from anwang.tenants.checks.schemas import (
    AdHocCheckCreate,
    CheckCreate,
    ChecklistCreate,
    ChecklistItemCreate,
    ChecklistItemRead,
    ChecklistItemUpdate,
    ChecklistRead,
    ChecklistUpdate,
    CheckRead,
    GenerateRequest,
    GenerateResult,
    ResultIn,
    TaskRead,
)
from anwang.tenants.org.access import can_manage, is_company_level
from anwang.tenants.pages import render

ENTERPRISE = require("enterprise")
ACTIVE = "/enterprise/tasks"
ApiReq = Request[Principal, str, State]
# Photos of a whole check: several per item from a phone camera, each checked on its own.
CHECK_BODY_LIMIT = 120 * 1024 * 1024


# --- API ----------------------------------------------------------------------------------


async def _checklist_read(db: AsyncSession, checklist: Checklist) -> ChecklistRead:
    items = await repository.items_of(db, checklist.id or 0)
    read = ChecklistRead.model_validate(checklist)
    read.items = [ChecklistItemRead.model_validate(i) for i in items]
    return read


class ChecklistController(Controller):
    path = "/api/v1/checklists"
    tags = ["checks"]
    guards = [ENTERPRISE]

    @get("/")
    async def list_checklists(
        self, db: Db, include_inactive: FromQuery[bool] = True
    ) -> list[ChecklistRead]:
        """The tenant's checklists 排查清单 with their items, active first."""
        rows = await repository.list_checklists(db, include_inactive=include_inactive)
        items = await repository.items_by_checklist(db, [r["id"] for r in rows])
        out = []
        for r in rows:
            read = ChecklistRead.model_validate(dict(r))
            read.items = [ChecklistItemRead.model_validate(i) for i in items[r["id"]]]
            out.append(read)
        return out

    @get("/{checklist_id:int}")
    async def get_checklist(self, db: Db, checklist_id: FromPath[int]) -> ChecklistRead:
        return await _checklist_read(db, await service.get_checklist(db, checklist_id))

    @post("/")
    async def create(
        self, request: ApiReq, db: Db, data: JSONBody[ChecklistCreate]
    ) -> ChecklistRead:
        """A routine list (with `frequency`) or a special check 专项检查 (kind `special`, no
        frequency); items typed in (`items`) and/or one per control measure of the picked
        risk points (`risk_point_ids`)."""
        checklist = await service.create_checklist(db, request.user, data)
        return await _checklist_read(db, checklist)

    @patch("/{checklist_id:int}")
    async def update(
        self, request: ApiReq, db: Db, checklist_id: FromPath[int], data: JSONBody[ChecklistUpdate]
    ) -> ChecklistRead:
        """Rename, change shifts per day, or deactivate (`active: false`: no more tasks)."""
        checklist = await service.update_checklist(db, request.user, checklist_id, data)
        return await _checklist_read(db, checklist)

    @post("/{checklist_id:int}/items")
    async def add_item(
        self,
        request: ApiReq,
        db: Db,
        checklist_id: FromPath[int],
        data: JSONBody[ChecklistItemCreate],
    ) -> ChecklistItemRead:
        item = await service.add_item(db, request.user, checklist_id, data)
        return ChecklistItemRead.model_validate(item)

    @patch("/{checklist_id:int}/items/{item_id:int}")
    async def update_item(
        self,
        request: ApiReq,
        db: Db,
        checklist_id: FromPath[int],
        item_id: FromPath[int],
        data: JSONBody[ChecklistItemUpdate],
    ) -> ChecklistItemRead:
        item = await service.update_item(db, request.user, checklist_id, item_id, data)
        return ChecklistItemRead.model_validate(item)

    @delete("/{checklist_id:int}/items/{item_id:int}")
    async def delete_item(
        self, request: ApiReq, db: Db, checklist_id: FromPath[int], item_id: FromPath[int]
    ) -> None:
        """Remove an item no check has used yet."""
        await service.delete_item(db, request.user, checklist_id, item_id)

    @post("/generate-from-risk-points")
    async def generate(
        self, request: ApiReq, db: Db, data: JSONBody[GenerateRequest]
    ) -> GenerateResult:
        """由风险点生成排查清单. `routine`: per (unit, frequency) of the unit's subtree, one item
        per control measure; `comprehensive`: the monthly comprehensive self-check. Running
        it again adds only what is new."""
        if data.kind == "comprehensive":
            return await service.generate_comprehensive(db, request.user)
        return await service.generate_from_risk_points(db, request.user, data.org_unit_id)


def _check_read(view: service.CheckView) -> CheckRead:
    return CheckRead.model_validate(service.check_read(view))


class TaskController(Controller):
    path = "/api/v1/tasks"
    tags = ["checks"]
    guards = [ENTERPRISE]

    @get("/")
    async def list_tasks(
        self,
        request: ApiReq,
        db: Db,
        status: Annotated[str | None, QueryParameter(description="pending, done or missed")] = None,
        mine: Annotated[
            bool, QueryParameter(description="only the tasks of the caller's own post")
        ] = False,
    ) -> list[TaskRead]:
        """Tasks the caller works on (their post, the units they manage; company roles: all):
        pending, and done or missed in the last week; soonest due first."""
        return await service.list_tasks(db, request.user, status=status, mine=mine)

    @get("/{task_id:int}")
    async def get_task(self, db: Db, task_id: FromPath[int]) -> TaskRead:
        return await service.get_task(db, task_id)

    @post("/{task_id:int}/checks")
    async def record(
        self, request: ApiReq, db: Db, task_id: FromPath[int], data: JSONBody[CheckCreate]
    ) -> CheckRead:
        """Record the task's check: a result for every item (ok, not_ok, na), notes, photos
        uploaded before through /api/v1/attachments/photos, GPS if known. The task becomes
        done; each not_ok item opens a hidden danger."""
        check = await service.record_check(db, request.user, task_id=task_id, **_check_args(data))
        return _check_read(await service.get_check(db, check.id or 0))


def _check_args(data: CheckCreate) -> dict[str, Any]:
    return {
        "results": data.results,
        "note": data.note,
        "photo_ids": data.photo_ids,
        "lat": data.lat,
        "lon": data.lon,
        "accuracy_m": data.accuracy_m,
        "started_at": data.started_at,
    }


class CheckController(Controller):
    path = "/api/v1/checks"
    tags = ["checks"]
    guards = [ENTERPRISE]

    @get("/{check_id:int}")
    async def get_check(self, db: Db, check_id: FromPath[int]) -> CheckRead:
        return _check_read(await service.get_check(db, check_id))

    @post("/")
    async def record(self, request: ApiReq, db: Db, data: JSONBody[AdHocCheckCreate]) -> CheckRead:
        """An ad hoc check without a task: of a list (e.g. a special check), or of one risk
        point's items in it (`risk_point_id`)."""
        check = await service.record_check(
            db,
            request.user,
            checklist_id=data.checklist_id,
            risk_point_id=data.risk_point_id,
            **_check_args(data),
        )
        return _check_read(await service.get_check(db, check.id or 0))


# --- page helpers ---------------------------------------------------------------------------


def cn_due(task: TaskRead) -> str:
    """A due time as people say it: midnight is the end of the day before (24:00)."""
    t = task.due_at.astimezone(CHINA)
    if (t.hour, t.minute) == (0, 0):
        from datetime import timedelta

        d = t - timedelta(days=1)
        return f"{d.month}月{d.day}日 24:00"
    return f"{t.month}月{t.day}日 {t:%H:%M}"


FORMAT = {"date": cn_date, "time": cn_time, "due": cn_due}


def _page(template: str, request: Req, **ctx: Any) -> Template:
    return render(template, request, ACTIVE, fmt=FORMAT, **ctx)


# --- the task board -------------------------------------------------------------------------


@get("/enterprise/tasks", guards=[ENTERPRISE], include_in_schema=False)
async def tasks_page(request: Req, db: Db, mine: FromQuery[bool] = False) -> Template:
    """排查任务: what is due now first, then what is late (red), then later, then done."""
    tasks = await service.list_tasks(db, request.user, mine=mine)
    return _page(
        "checks/tasks.html",
        request,
        board=service.board(tasks),
        mine=mine,
        company=is_company_level(request.user),
        has_post=await service.post_unit_id(db, request.user) is not None,
        recent=await repository.recent_checks(db, 10),
    )


# --- recording a check ----------------------------------------------------------------------


@dataclass
class CheckForm:
    """A check form as typed: results and notes by item id, the general note, position."""

    results: dict[int, str] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    note: str = ""
    lat: str = ""
    lon: str = ""
    accuracy: str = ""
    started_at: str = ""


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _parse_form(form: FormMultiDict, items: list[ChecklistItem]) -> CheckForm:
    f = CheckForm(
        note=str(form.get("note") or "")[:1000],
        lat=str(form.get("lat") or ""),
        lon=str(form.get("lon") or ""),
        accuracy=str(form.get("accuracy") or ""),
        started_at=str(form.get("started_at") or ""),
    )
    for item in items:
        iid = item.id or 0
        value = form.get(f"r-{iid}")
        if isinstance(value, str) and value in ("ok", "not_ok", "na"):
            f.results[iid] = value
        f.notes[iid] = str(form.get(f"n-{iid}") or "")[:500]
    return f


def _float(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _started(value: str) -> datetime | None:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def _uploads(form: FormMultiDict, name: str) -> list[UploadFile]:
    return [u for u in form.getall(name, []) if isinstance(u, UploadFile) and u.filename]


async def _store_photos(
    db: AsyncSession, p: Principal, uploads: list[UploadFile], field_name: str
) -> list[int]:
    from anwang.platform.attachments import service as attachments

    ids = []
    for upload in uploads:
        try:
            data = await upload.read(attachments.MAX_UPLOAD_BYTES + 1)
        finally:
            await upload.close()
        try:
            attachments.check_size(len(data), "照片")
            stored = await attachments.store_photo(db, p, data, upload.filename or "")
        except DomainError as e:
            raise DomainError(f"{upload.filename}：{e.message}", field=field_name) from e
        ids.append(stored.id or 0)
    return ids


async def _form_page(
    request: Req,
    db: AsyncSession,
    *,
    checklist: Checklist,
    items: list[ChecklistItem],
    action: str,
    form: CheckForm,
    task: TaskRead | None = None,
    point: Any = None,
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Template:
    from anwang.platform.attachments.service import size_label

    errors = errors or {}
    return Template(
        "checks/check_form.html",
        context={
            "p": request.user,
            **_frame(),
            "fmt": FORMAT,
            "checklist": checklist,
            "items": items,
            "action": action,
            "f": form,
            "task": task,
            "point": point,
            "errors": errors,
            "error": error,
            "first_error": next((f"item-{i.id}" for i in items if f"item-{i.id}" in errors), ""),
            "photo_limit": size_label(),
        },
        status_code=status,
    )


def _plain(row: Any) -> Any:
    """A detached copy of a table row, for rendering after the session rolled back."""
    return SimpleNamespace(**row.model_dump())


def _frame() -> dict[str, Any]:
    from anwang.platform.web.labels import Labels
    from anwang.tenants import vocabulary
    from anwang.tenants.pages import ENTERPRISE_NAV

    return {"L": Labels, "V": vocabulary, "nav": ENTERPRISE_NAV, "nav_active": ACTIVE}


async def _submit(
    request: Req,
    db: AsyncSession,
    *,
    checklist: Checklist,
    items: list[ChecklistItem],
    action: str,
    task: TaskRead | None,
    point: Any,
    risk_point_id: int | None,
) -> Redirect | Template:
    """Store the photos, record the check, or come back with everything typed kept."""
    # Plain copies: a refusal rolls the session back, which expires its objects.
    checklist = _plain(checklist)
    items = [_plain(i) for i in items]
    form_data = await request.form()
    form = _parse_form(form_data, items)
    p = request.user
    try:
        missing = [i for i in items if (i.id or 0) not in form.results]
        if missing:
            raise DomainError(
                f"还有 {len(missing)} 项未选择检查结果，请逐项选择“符合”“不符合”或“不适用”",
                field=f"item-{missing[0].id}",
            )
        item_photos = {
            i.id or 0: await _store_photos(db, p, _uploads(form_data, f"p-{i.id}"), f"item-{i.id}")
            for i in items
        }
        general = await _store_photos(db, p, _uploads(form_data, "photos"), "photos")
        lat, lon = _float(form.lat), _float(form.lon)
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            lat = lon = None
        accuracy = _float(form.accuracy) if lat is not None else None
        check = await service.record_check(
            db,
            p,
            task_id=task.id if task else None,
            checklist_id=None if task else checklist.id,
            risk_point_id=risk_point_id,
            results=[
                ResultIn(
                    item_id=iid,
                    result=form.results[iid],  # type: ignore[arg-type]
                    note=form.notes.get(iid, ""),
                    photo_ids=item_photos.get(iid, []),
                )
                for iid in (i.id or 0 for i in items)
            ],
            note=form.note,
            photo_ids=general,
            lat=lat,
            lon=lon,
            accuracy_m=accuracy if accuracy is None or accuracy >= 0 else None,
            started_at=_started(form.started_at),
        )
    except DomainError as e:
        # Nothing of a refused check may reach the commit at the end of the request (stored
        # photos are removed with the rollback).
        await db.rollback()
        if isinstance(e, Conflict) and task is not None:
            raise
        errors = {e.field: e.message} if e.field else {}
        return await _form_page(
            request,
            db,
            checklist=checklist,
            items=items,
            action=action,
            form=form,
            task=task,
            point=point,
            errors=errors,
            error="" if e.field and e.field.startswith("item-") else e.message,
            status=e.status_code,
        )
    return Redirect(f"/enterprise/checks/{check.id}?saved=1", status_code=303)


async def _task_context(
    db: AsyncSession, p: Principal, task_id: int
) -> tuple[TaskRead, Checklist, list[ChecklistItem]]:
    task = await service.task_for_check(db, p, task_id)
    checklist = await service.get_checklist(db, task.checklist_id)
    return task, checklist, await repository.items_of(db, task.checklist_id)


async def _closed_task_page(request: Req, db: AsyncSession, task_id: int, e: Conflict) -> Template:
    task = await service.get_task(db, task_id)
    return Template(
        "checks/task_closed.html",
        context={"p": request.user, **_frame(), "fmt": FORMAT, "task": task, "message": e.message},
        status_code=409,
    )


@get("/enterprise/tasks/{task_id:int}/check", guards=[ENTERPRISE], include_in_schema=False)
async def task_check_page(request: Req, db: Db, task_id: FromPath[int]) -> Template:
    """The phone-first check form of a task: each item ok / not ok / not applicable."""
    try:
        task, checklist, items = await _task_context(db, request.user, task_id)
    except Conflict as e:
        return await _closed_task_page(request, db, task_id, e)
    return await _form_page(
        request,
        db,
        checklist=checklist,
        items=items,
        action=f"/enterprise/tasks/{task_id}/check",
        form=CheckForm(started_at=_now_iso()),
        task=task,
    )


@post(
    "/enterprise/tasks/{task_id:int}/check",
    guards=[ENTERPRISE],
    include_in_schema=False,
    request_max_body_size=CHECK_BODY_LIMIT,
    status_code=303,
)
async def task_check_submit(request: Req, db: Db, task_id: FromPath[int]) -> Redirect | Template:
    try:
        task, checklist, items = await _task_context(db, request.user, task_id)
        return await _submit(
            request,
            db,
            checklist=checklist,
            items=items,
            action=f"/enterprise/tasks/{task_id}/check",
            task=task,
            point=None,
            risk_point_id=None,
        )
    except Conflict as e:
        await db.rollback()
        return await _closed_task_page(request, db, task_id, e)


async def _adhoc_context(
    db: AsyncSession, checklist_id: int | None, risk_point_id: int | None
) -> tuple[Checklist, list[ChecklistItem], Any]:
    checklist = await service.adhoc_checklist(
        db, checklist_id=checklist_id, risk_point_id=risk_point_id
    )
    items = await repository.items_of(db, checklist.id or 0, risk_point_id)
    if not items:
        raise DomainError("该清单没有检查项，无法检查；请先在清单中添加检查项")
    point = await repository.risk_point(db, risk_point_id) if risk_point_id else None
    return checklist, items, point


def _start_action(checklist_id: int | None, risk_point_id: int | None) -> str:
    if risk_point_id is not None:
        return f"/enterprise/checks/start?risk_point_id={risk_point_id}"
    return f"/enterprise/checks/start?checklist_id={checklist_id}"


@get("/enterprise/checks/start", guards=[ENTERPRISE], include_in_schema=False)
async def adhoc_check_page(
    request: Req,
    db: Db,
    risk_point_id: FromQuery[int | None] = None,
    checklist_id: FromQuery[int | None] = None,
) -> Template:
    """An ad hoc check: of one risk point's items (the QR scan flow), or of a whole list
    (a special check 专项检查)."""
    checklist, items, point = await _adhoc_context(db, checklist_id, risk_point_id)
    return await _form_page(
        request,
        db,
        checklist=checklist,
        items=items,
        action=_start_action(checklist.id, risk_point_id),
        form=CheckForm(started_at=_now_iso()),
        point=point,
    )


@post(
    "/enterprise/checks/start",
    guards=[ENTERPRISE],
    include_in_schema=False,
    request_max_body_size=CHECK_BODY_LIMIT,
    status_code=303,
)
async def adhoc_check_submit(
    request: Req,
    db: Db,
    risk_point_id: FromQuery[int | None] = None,
    checklist_id: FromQuery[int | None] = None,
) -> Redirect | Template:
    checklist, items, point = await _adhoc_context(db, checklist_id, risk_point_id)
    return await _submit(
        request,
        db,
        checklist=checklist,
        items=items,
        action=_start_action(checklist.id, risk_point_id),
        task=None,
        point=point,
        risk_point_id=risk_point_id,
    )


@get("/enterprise/checks/{check_id:int}", guards=[ENTERPRISE], include_in_schema=False)
async def check_page(
    request: Req, db: Db, check_id: FromPath[int], saved: FromQuery[bool] = False
) -> Template:
    """One check as recorded: who, when, where, each item's result, hazards opened, photos."""
    view = await service.get_check(db, check_id)
    return _page(
        "checks/check.html",
        request,
        v=view,
        saved=saved,
        not_ok=sum(1 for r in view.results if r["result"] == "not_ok"),
    )


# --- checklists -----------------------------------------------------------------------------


async def _unit_choices(db: AsyncSession) -> list[tuple[int, str]]:
    from anwang.tenants.org.repository import unit_choices

    return await unit_choices(db)


@get("/enterprise/checklists", guards=[ENTERPRISE], include_in_schema=False)
async def checklists_page(
    request: Req,
    db: Db,
    generated: FromQuery[str] = "",
    error: FromQuery[str] = "",
    unit: FromQuery[int | None] = None,
) -> Template:
    """排查清单: every list of the tenant, generating lists from the risk points, the monthly
    comprehensive self-check, and special checks."""
    return _page(
        "checks/checklists.html",
        request,
        lists=await repository.list_checklists(db),
        units=await _unit_choices(db),
        company=is_company_level(request.user),
        generated=generated,
        error=error,
        chosen_unit=unit,
    )


async def _generated_redirect(result: GenerateResult, unit: int | None = None) -> Redirect:
    note = f"{result.checklists_created}-{result.items_added}"
    then = f"&unit={unit}" if unit is not None else ""
    return Redirect(f"/enterprise/checklists?generated={note}{then}", status_code=303)


@post("/enterprise/checklists/generate", guards=[ENTERPRISE], include_in_schema=False)
async def checklists_generate(request: Req, db: Db) -> Redirect | Template:
    """由风险点生成排查清单 for a unit and its subtree."""
    form = await request.form()
    raw = str(form.get("org_unit_id") or "")
    try:
        unit = int(raw) if raw else None
        result = await service.generate_from_risk_points(db, request.user, unit)
    except ValueError:
        return Redirect("/enterprise/checklists?error=unit", status_code=303)
    return await _generated_redirect(result, unit)


@post("/enterprise/checklists/comprehensive", guards=[ENTERPRISE], include_in_schema=False)
async def checklists_comprehensive(request: Req, db: Db) -> Redirect:
    """Create or update the monthly comprehensive self-check 月度综合检查."""
    return await _generated_redirect(await service.generate_comprehensive(db, request.user))


@dataclass
class SpecialForm:
    name: str = ""
    org_unit_id: str = ""
    items: str = ""
    risk_point_ids: list[str] = field(default_factory=list)


async def _special_page(
    request: Req, db: AsyncSession, form: SpecialForm, errors: dict[str, str], status: int = 200
) -> Template:
    return Template(
        "checks/special_form.html",
        context={
            "p": request.user,
            **_frame(),
            "f": form,
            "errors": errors,
            "units": await _unit_choices(db),
            "points": await repository.risk_point_choices(db),
        },
        status_code=status,
    )


@get("/enterprise/checklists/new", guards=[ENTERPRISE], include_in_schema=False)
async def special_new(request: Req, db: Db) -> Template:
    """A new special check 专项检查: items typed in or taken from risk points."""
    return await _special_page(request, db, SpecialForm(), {})


@post("/enterprise/checklists/new", guards=[ENTERPRISE], include_in_schema=False, status_code=303)
async def special_create(request: Req, db: Db) -> Redirect | Template:
    raw = await request.form()
    form = SpecialForm(
        name=str(raw.get("name") or "")[:200],
        org_unit_id=str(raw.get("org_unit_id") or ""),
        items=str(raw.get("items") or "")[:20000],
        risk_point_ids=[str(v) for v in raw.getall("risk_point_ids", [])],
    )
    errors: dict[str, str] = {}
    name = form.name.strip()
    if not name:
        errors["name"] = "请填写检查名称"
    elif len(name) > 100:
        errors["name"] = "检查名称不能超过100个字"
    if not form.org_unit_id.isdigit():
        errors["org_unit_id"] = "请选择负责的部门或岗位"
    lines = [line.strip() for line in form.items.splitlines() if line.strip()]
    if any(len(line) > 500 for line in lines):
        errors["items"] = "每项检查内容不能超过500个字"
    points = [int(v) for v in form.risk_point_ids if v.isdigit()]
    if not lines and not points and "items" not in errors:
        errors["items"] = "请至少填写一项检查内容，或勾选风险点"
    if errors:
        return await _special_page(request, db, form, errors, 400)
    try:
        checklist = await service.create_checklist(
            db,
            request.user,
            ChecklistCreate(
                name=name,
                kind="special",
                org_unit_id=int(form.org_unit_id),
                items=[ChecklistItemCreate(content=line) for line in lines],
                risk_point_ids=points,
            ),
        )
    except DomainError as e:
        await db.rollback()
        field_name = e.field if e.field in ("name", "org_unit_id", "items") else "items"
        return await _special_page(request, db, form, {field_name: e.message}, e.status_code)
    return Redirect(f"/enterprise/checklists/{checklist.id}?created=1", status_code=303)


@get("/enterprise/checklists/{checklist_id:int}", guards=[ENTERPRISE], include_in_schema=False)
async def checklist_page(
    request: Req,
    db: Db,
    checklist_id: FromPath[int],
    created: FromQuery[bool] = False,
    error: FromQuery[str] = "",
) -> Template:
    """One list: its items (editable by the unit's managers), on or off, start a check."""
    checklist = await service.get_checklist(db, checklist_id)
    names = await repository.unit_names(db)
    return _page(
        "checks/checklist.html",
        request,
        c=checklist,
        unit_name=names.get(checklist.org_unit_id, ""),
        items=await repository.items_of(db, checklist_id),
        editable=await can_manage(db, request.user, checklist.org_unit_id),
        created=created,
        error=error,
    )


def _back(checklist_id: int, error: str = "") -> Redirect:
    from urllib.parse import quote

    suffix = f"?error={quote(error)}" if error else ""
    return Redirect(f"/enterprise/checklists/{checklist_id}{suffix}", status_code=303)


@post(
    "/enterprise/checklists/{checklist_id:int}/items",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def checklist_add_item(request: Req, db: Db, checklist_id: FromPath[int]) -> Redirect:
    content = str((await request.form()).get("content") or "").strip()
    if not content or len(content) > 500:
        return _back(checklist_id, "检查内容应为1–500个字")
    await service.add_item(db, request.user, checklist_id, ChecklistItemCreate(content=content))
    return _back(checklist_id)


@post(
    "/enterprise/checklists/{checklist_id:int}/items/{item_id:int}",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def checklist_edit_item(
    request: Req, db: Db, checklist_id: FromPath[int], item_id: FromPath[int]
) -> Redirect:
    form = await request.form()
    if form.get("delete"):
        try:
            await service.delete_item(db, request.user, checklist_id, item_id)
        except Conflict as e:
            return _back(checklist_id, e.message)
        return _back(checklist_id)
    content = str(form.get("content") or "").strip()
    if not content or len(content) > 500:
        return _back(checklist_id, "检查内容应为1–500个字")
    await service.update_item(
        db, request.user, checklist_id, item_id, ChecklistItemUpdate(content=content)
    )
    return _back(checklist_id)


@post(
    "/enterprise/checklists/{checklist_id:int}/active",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def checklist_toggle(request: Req, db: Db, checklist_id: FromPath[int]) -> Redirect:
    """停用/启用: a stopped list gets no new tasks."""
    active = str((await request.form()).get("active") or "") == "1"
    await service.update_checklist(db, request.user, checklist_id, ChecklistUpdate(active=active))
    return _back(checklist_id)


routes: list[Any] = [
    ChecklistController,
    TaskController,
    CheckController,
    tasks_page,
    task_check_page,
    task_check_submit,
    adhoc_check_page,
    adhoc_check_submit,
    check_page,
    checklists_page,
    checklists_generate,
    checklists_comprehensive,
    special_new,
    special_create,
    checklist_page,
    checklist_add_item,
    checklist_edit_item,
    checklist_toggle,
]
