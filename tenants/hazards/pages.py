"""The hazard pages: the list `/enterprise/hazards` (tabs per state, filters, cards on
phones), one hazard `/enterprise/hazards/{id}` (facts, before/after photos, the timeline and
only the steps the user may take now), and 随手拍 `/enterprise/hazards/report` (a photo, a few
words, where — in a few taps on a phone). Forms go through the same service as the API and
come back with everything typed kept when refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, ClassVar

from litestar import get, post
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.attachments import service as attachments
from anwang.platform.clock import cn_date, cn_time
from anwang.platform.errors import DomainError, InvalidInput
from anwang.platform.principal import Principal
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.forms import ActionForm, form_errors
from anwang.platform.web.listing import ListAddress
from anwang.platform.web.shell_queries import Page
from anwang.platform.web.shells import Req
from anwang.tenants import pages, vocabulary
from anwang.tenants.hazards import repository, service, states
from anwang.tenants.hazards.models import Hazard, HazardEvent
from anwang.tenants.hazards.schemas import FiveImplementations, HazardAction, HazardCreate
from anwang.tenants.org.repository import unit_choices

ENTERPRISE = require("enterprise")
LIST = "/enterprise/hazards"
PAGE_SIZE = 20
# Room for the form fields around the photos (each checked exactly by the attachments service).
MAX_PHOTOS_PER_FORM = 4
BODY_LIMIT = MAX_PHOTOS_PER_FORM * attachments.MAX_UPLOAD_BYTES + 256 * 1024

# The order the steps are offered in on a hazard's page (the first is the usual next step).
ACTION_ORDER = (
    "confirm",
    "start",
    "submit",
    "accept",
    "refuse",
    "approve_extension",
    "refuse_extension",
    "request_extension",
    "report_to_bureau",
    "assign",
    "fix_on_spot",
    "reject",
    "reopen",
)
BUTTONS: dict[str, str] = {
    "confirm": "确认隐患",
    "reject": "判定不是隐患",
    "assign": "改派责任人",
    "start": "开始整改",
    "submit": "提交验收",
    "accept": "验收通过，销号",
    "refuse": "验收不通过",
    "reopen": "重新打开",
    "request_extension": "提交延期申请",
    "approve_extension": "批准延期",
    "refuse_extension": "驳回延期",
    "report_to_bureau": "上报监管部门",
    "fix_on_spot": "已现场整改，销号",
}
STATE_BADGES = {
    "reported": "info",
    "confirmed": "suspended",
    "rectifying": "suspended",
    "awaiting_acceptance": "info",
    "closed": "active",
    "rejected": "closed",
}
ROLE_NAMES = {
    "boss": "主要负责人",
    "safety_manager": "安全管理员",
    "admin": "系统管理员",
    "unit_head": "部门负责人",
    "worker": "员工",
}
# Form fields of the steps (text as typed); five_* are the five implementations.
ACTION_FIELDS = (
    "tier",
    "responsible_user_id",
    "deadline",
    "plan",
    "five_responsibility",
    "five_measures",
    "five_funds",
    "five_emergency_plan",
    "stop_work",
    "measure",
    "reason",
    "new_deadline",
    "note",
)


def _iso_date(value: str | None) -> str:
    try:
        return date.fromisoformat(value).isoformat() if value else ""
    except ValueError:
        return ""


# --- the list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListQuery(ListAddress):
    """The list's filters as given in the address (text, so the form shows them back)."""

    PATH: ClassVar[str] = LIST
    state: str = ""
    tier: str = ""
    source: str = ""
    overdue: str = ""
    unit: str = ""
    mine: str = ""
    q: str = ""


def _clean_query(
    state: str, tier: str, source: str, overdue: str, unit: str, mine: str, q: str
) -> ListQuery:
    return ListQuery(
        state=state if state in states.STATES else "",
        tier=tier if tier in vocabulary.HAZARD_TIERS else "",
        source=source if source in vocabulary.HAZARD_SOURCES else "",
        overdue="1" if overdue == "1" else "",
        unit=unit if unit.isdigit() else "",
        mine="1" if mine == "1" else "",
        q=q.strip()[:50],
    )


def _filter(lq: ListQuery, p: Principal) -> repository.HazardFilter:
    return repository.HazardFilter(
        state=lq.state or None,
        tier=lq.tier or None,
        source=lq.source or None,
        overdue=True if lq.overdue else None,
        org_unit_id=int(lq.unit) if lq.unit else None,
        responsible_user_id=p.user_id if lq.mine else None,
        q=lq.q,
    )


@dataclass(frozen=True)
class Row:
    """One hazard as the list shows it."""

    h: Hazard
    unit: str
    responsible: str
    overdue: bool
    days_overdue: int


@get(LIST, guards=[ENTERPRISE], include_in_schema=False)
async def hazard_list(
    request: Req,
    db: Db,
    # `state` is a reserved name of Litestar handlers: the query parameter is aliased.
    hazard_state: Annotated[str, QueryParameter(name="state")] = "",
    tier: FromQuery[str] = "",
    source: FromQuery[str] = "",
    overdue: FromQuery[str] = "",
    unit: FromQuery[str] = "",
    mine: FromQuery[str] = "",
    q: FromQuery[str] = "",
    page: FromQuery[str] = "1",
    reported: FromQuery[str] = "",
) -> Template:
    """The hazards of the enterprise, newest first, overdue ones in red."""
    lq = _clean_query(hazard_state, tier, source, overdue, unit, mine, q)
    f = _filter(lq, request.user)
    today = service.today()
    number = int(page) if page.isdigit() and 0 < int(page) <= 100_000 else 1
    total, rows = await repository.list_hazards(
        db, f, today, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    counts = await repository.state_counts(db, f, today)
    units = await unit_choices(db)
    unit_labels = dict(units)
    names = await repository.display_names(
        db, sorted({h.responsible_user_id for h in rows if h.responsible_user_id})
    )
    just_reported = None
    if reported.isdigit():
        just_reported = await repository.get(db, int(reported))
    return pages.render(
        "hazards/list.html",
        request,
        LIST,
        lq=lq,
        rows=[
            Row(
                h,
                unit_labels.get(h.org_unit_id or 0, "—").split(" / ")[-1],
                names.get(h.responsible_user_id or 0, "—"),
                service.is_overdue(h, today),
                service.days_overdue(h, today),
            )
            for h in rows
        ],
        listing=Page(rows=[], total=total, page=number, size=PAGE_SIZE),
        counts=counts,
        all_count=sum(counts.values()),
        overdue_count=await repository.overdue_count(db, f, today),
        units=units,
        just_reported=just_reported,
        STATES=states.STATES,
        BADGES=STATE_BADGES,
        cn=cn_date,
        cn_time=cn_time,
    )


# --- 随手拍 ----------------------------------------------------------------------------------


@dataclass
class ReportForm:
    """The report form exactly as typed."""

    title: str = ""
    description: str = ""
    location: str = ""
    org_unit_id: str = ""
    lat: str = ""
    lon: str = ""
    on_spot: str = ""
    measure: str = ""

    @classmethod
    def of(cls, form: FormMultiDict) -> ReportForm:
        return cls(**{k: str(form.get(k) or "")[:2000] for k in cls.__dataclass_fields__})


def _float(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


async def _report_page(
    request: Req,
    db: AsyncSession,
    form: ReportForm,
    *,
    errors: dict[str, str] | None = None,
    error: str = "",
    had_photo: bool = False,
    status: int = 200,
) -> Template:
    errors = errors or {}
    page = pages.render(
        "hazards/report.html",
        request,
        LIST,
        f=form,
        errors=errors,
        error=error,
        had_photo=had_photo,
        first_error=next((k for k in ReportForm.__dataclass_fields__ if k in errors), ""),
        units=await unit_choices(db),
        photo_limit=attachments.size_label(),
        max_photos=MAX_PHOTOS_PER_FORM,
    )
    page.status_code = status
    return page


@get(f"{LIST}/report", guards=[ENTERPRISE], include_in_schema=False)
async def report_form(request: Req, db: Db) -> Template:
    """随手拍: anyone of the enterprise reports a hazard from the phone."""
    form = ReportForm()
    p = request.user
    if p.user_id is not None:
        from anwang.tenants.org.repository import post_of_user

        post = await post_of_user(db, p.user_id)
        form.org_unit_id = str(post.id) if post else ""
    return await _report_page(request, db, form)


def _uploads(form: FormMultiDict, name: str) -> list[UploadFile]:
    return [u for u in form.getall(name, []) if isinstance(u, UploadFile) and u.filename]


async def _store_photos(
    db: AsyncSession, p: Principal, uploads: list[UploadFile], field_name: str
) -> list[int]:
    if len(uploads) > MAX_PHOTOS_PER_FORM:
        raise InvalidInput({field_name: f"一次最多上传{MAX_PHOTOS_PER_FORM}张照片"})
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
            raise InvalidInput({field_name: f"{upload.filename}：{e.message}"}) from e
        ids.append(stored.id or 0)
    return ids


def _box_of(field_name: str) -> str:
    """The form's box for a service field ('five.funds' → 'five_funds', photo_ids → photos)."""
    name = field_name.replace(".", "_")
    return "photos" if name == "photo_ids" else name


def _field_errors(e: DomainError, known: set[str]) -> tuple[dict[str, str], str]:
    """A refusal as (field → message, message without a field) for a form."""
    return form_errors(e, known, rename=_box_of)


@post(
    f"{LIST}/report",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
    request_max_body_size=BODY_LIMIT,
)
async def report_submit(request: Req, db: Db) -> Redirect | Template:
    """Store the photos and report; a refusal comes back with everything typed kept."""
    data = await request.form()
    form = ReportForm.of(data)
    uploads = _uploads(data, "photos")
    p = request.user
    try:
        errors: dict[str, str] = {}
        unit = None
        if form.org_unit_id.strip():
            if not form.org_unit_id.strip().isdigit():
                errors["org_unit_id"] = "请从列表中选择部门"
            else:
                unit = int(form.org_unit_id)
        lat, lon = _float(form.lat), _float(form.lon)
        if lat is None or lon is None:
            lat = lon = None  # no usable position from the device: the photo's, if any
        if errors:
            raise InvalidInput(errors)
        photo_ids = await _store_photos(db, p, uploads, "photo_ids")
        hazard = await service.report(
            db,
            p,
            HazardCreate(
                title=form.title,
                description=form.description,
                location=form.location,
                org_unit_id=unit,
                lat=lat,
                lon=lon,
                photo_ids=photo_ids,
                tier="on_spot" if form.on_spot else None,
                measure=form.measure if form.on_spot else "",
            ),
        )
    except DomainError as e:
        # Nothing of a refused report may reach the commit at the end of the request.
        await db.rollback()
        known = set(ReportForm.__dataclass_fields__) | {"photos"}
        errors, error = _field_errors(e, known)
        return await _report_page(
            request,
            db,
            form,
            errors=errors,
            error=error,
            had_photo=bool(uploads),
            status=e.status_code,
        )
    return Redirect(f"{LIST}?reported={hazard.id}", status_code=303)


# --- one hazard ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: str
    who: str
    action: str
    change: str  # "已确认 → 整改中", or "" when the state stays
    lines: list[str]
    note: str
    state: str


def _event_lines(e: HazardEvent, names: dict[int, str]) -> tuple[list[str], str]:
    """What a step did, in sentences, and the label of its note."""
    d = e.data or {}

    def who(key: str) -> str:
        uid = d.get(key)
        return names.get(int(uid), f"#{uid}") if uid else "—"

    def day(key: str) -> str:
        value = d.get(key)
        return cn_date(date.fromisoformat(value)) if value else "—"

    lines: list[str] = []
    note_label = "备注"
    match e.action:
        case "report":
            if d.get("check_id"):
                lines.append(f"排查发现（检查记录 #{d['check_id']}）")
            note_label = "描述"
        case "confirm":
            lines.append(f"判定为{vocabulary.HAZARD_TIERS.get(d.get('tier', ''), '')}")
            lines.append(f"整改责任人：{who('responsible_user_id')}；整改期限：{day('deadline')}")
            if d.get("plan"):
                lines.append(f"整改方案：{d['plan']}")
            for key, label in service.FIVE_FIELDS.items():
                if d.get("five", {}).get(key):
                    lines.append(f"{label}：{d['five'][key]}")
            if d.get("stop_work"):
                lines.append("要求停产停业整改")
        case "reject":
            note_label = "理由"
        case "assign":
            lines.append(
                f"整改责任人由 {who('previous_user_id')} 改为 {who('responsible_user_id')}"
            )
            if d.get("plan"):
                lines.append(f"整改方案：{d['plan']}")
        case "submit" | "fix_on_spot":
            lines.append(f"整改措施：{d.get('measure', '')}")
            if d.get("photo_ids"):
                lines.append(f"整改后照片 {len(d['photo_ids'])} 张")
        case "accept":
            note_label = "验收意见"
        case "refuse" | "reopen":
            note_label = "理由"
            if d.get("responsible_user_id"):
                lines.append(f"整改责任人：{who('responsible_user_id')}")
            if d.get("deadline"):
                lines.append(f"整改期限：{day('deadline')}")
        case "request_extension":
            lines.append(f"申请将整改期限由 {day('old_deadline')} 延至 {day('new_deadline')}")
            note_label = "理由"
        case "approve_extension":
            lines.append(f"整改期限由 {day('old_deadline')} 延至 {day('new_deadline')}")
            note_label = "审批意见"
        case "refuse_extension":
            lines.append(f"不同意延至 {day('new_deadline')}")
            note_label = "理由"
        case "report_to_bureau":
            lines.append("已上报属地应急管理部门")
            note_label = "说明"
    return lines, note_label


def _people_of(h: Hazard, events: list[HazardEvent], extensions: list[Any]) -> set[int]:
    ids = {
        h.reported_by,
        h.confirmed_by,
        h.responsible_user_id,
        h.rectified_by,
        h.accepted_by,
        *(e.actor_user_id for e in events),
        *(x.requested_by for x in extensions),
        *(x.decided_by for x in extensions),
    }
    for e in events:
        for key in ("responsible_user_id", "previous_user_id"):
            value = (e.data or {}).get(key)
            if value:
                ids.add(int(value))
    return {i for i in ids if i}


def timeline(events: list[HazardEvent], names: dict[int, str]) -> list[TimelineEntry]:
    entries = []
    for e in events:
        lines, note_label = _event_lines(e, names)
        change = ""
        if e.from_state != e.to_state:
            before = states.STATES.get(e.from_state, "") if e.from_state else ""
            change = f"{before} → {states.STATES.get(e.to_state, e.to_state)}" if before else ""
            change = change or states.STATES.get(e.to_state, e.to_state)
        who = names.get(e.actor_user_id, "其他用户") if e.actor_user_id else "系统"
        note = f"{note_label}：{e.note}" if e.note else ""
        entries.append(
            TimelineEntry(
                cn_time(e.at),
                who,
                states.ACTIONS.get(e.action, e.action),
                change,
                lines,
                note,
                e.to_state,
            )
        )
    return entries


@dataclass
class HazardActionForm(ActionForm):
    """A refused step's form; photos cannot be kept, so it says to choose them again."""

    had_photo: bool = False


async def _detail_page(
    request: Req,
    db: AsyncSession,
    hazard_id: int,
    *,
    form: HazardActionForm | None = None,
    done: str = "",
    status: int = 200,
) -> Template:
    h = await service.get(db, hazard_id)
    hid = h.id or 0
    today = service.today()
    events = await repository.events(db, hid)
    extensions = await repository.extensions(db, hid)
    names = await repository.display_names(db, sorted(_people_of(h, events, extensions)))
    photos = await attachments.list_for(db, "hazard", hid)
    units = await unit_choices(db)
    allowed = set(await service.allowed_actions(db, request.user, h))
    risk_names = await repository.risk_point_names(db, [h.risk_point_id] if h.risk_point_id else [])
    pending = next((x for x in extensions if x.decision == "pending"), None)
    page = pages.render(
        "hazards/detail.html",
        request,
        LIST,
        h=h,
        names=names,
        unit_label=dict(units).get(h.org_unit_id or 0, "未指定部门（由公司负责）"),
        risk_name=risk_names.get(h.risk_point_id or 0, ""),
        overdue=service.is_overdue(h, today),
        days_overdue=service.days_overdue(h, today),
        before=[a for a in photos if a.subject_role == "before"],
        after=[a for a in photos if a.subject_role == "after"],
        extensions=extensions,
        pending=pending,
        entries=timeline(events, names),
        actions=[a for a in ACTION_ORDER if a in allowed],
        members=await repository.members(db),
        role_names=ROLE_NAMES,
        form=form or HazardActionForm(),
        done=done,
        today=today.isoformat(),
        STATES=states.STATES,
        ACTIONS=states.ACTIONS,
        BUTTONS=BUTTONS,
        BADGES=STATE_BADGES,
        FIVE=service.FIVE_FIELDS,
        cn=cn_date,
        cn_time=cn_time,
        max_photos=MAX_PHOTOS_PER_FORM,
        photo_limit=attachments.size_label(),
    )
    page.status_code = status
    return page


@get(f"{LIST}/{{hazard_id:int}}", guards=[ENTERPRISE], include_in_schema=False)
async def hazard_detail(
    request: Req, db: Db, hazard_id: FromPath[int], done: FromQuery[str] = ""
) -> Template:
    """One hazard: facts, photos, the timeline, and the steps the user may take now."""
    return await _detail_page(request, db, hazard_id, done=done if done in states.ACTIONS else "")


def _parse_action(typed: dict[str, str]) -> tuple[HazardAction, dict[str, str]]:
    """The typed fields as the service's input, and the fields that are not even readable."""
    errors: dict[str, str] = {}
    responsible = None
    raw = typed.get("responsible_user_id", "").strip()
    if raw:
        if raw.isdigit():
            responsible = int(raw)
        else:
            errors["responsible_user_id"] = "请从列表中选择整改责任人"
    dates: dict[str, date | None] = {}
    for name in ("deadline", "new_deadline"):
        value = typed.get(name, "").strip()
        try:
            dates[name] = date.fromisoformat(value) if value else None
        except ValueError:
            dates[name] = None
            errors[name] = "日期格式不正确，请重新选择"
    five = FiveImplementations(
        responsibility=typed.get("five_responsibility", ""),
        measures=typed.get("five_measures", ""),
        funds=typed.get("five_funds", ""),
        emergency_plan=typed.get("five_emergency_plan", ""),
    )
    data = HazardAction(
        tier=typed.get("tier") or None,
        responsible_user_id=responsible,
        deadline=dates["deadline"],
        plan=typed.get("plan"),
        five=five,
        stop_work=bool(typed.get("stop_work")),
        measure=typed.get("measure"),
        reason=typed.get("reason"),
        new_deadline=dates["new_deadline"],
        note=typed.get("note", ""),
    )
    return data, errors


@post(
    f"{LIST}/{{hazard_id:int}}/actions/{{action:str}}",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
    request_max_body_size=BODY_LIMIT,
)
async def hazard_action(
    request: Req, db: Db, hazard_id: FromPath[int], action: FromPath[str]
) -> Redirect | Template:
    """Take one step from the hazard's page; a refusal shows the page again with the step's
    form as it was typed and the reason next to the field."""
    data = await request.form()
    typed = {k: str(data.get(k) or "")[:2000] for k in ACTION_FIELDS if data.get(k) is not None}
    uploads = _uploads(data, "photos")
    try:
        step, errors = _parse_action(typed)
        if errors:
            raise InvalidInput(errors)
        if uploads and action in ("submit", "fix_on_spot"):
            step.photo_ids = await _store_photos(db, request.user, uploads, "photo_ids")
        await service.act(db, request.user, hazard_id, action, step)
    except DomainError as e:
        await db.rollback()
        errors, error = _field_errors(e, set(ACTION_FIELDS) | {"photos"})
        form = HazardActionForm(action, typed, errors, error, had_photo=bool(uploads))
        return await _detail_page(request, db, hazard_id, form=form, status=e.status_code)
    return Redirect(f"{LIST}/{hazard_id}?done={action}#act", status_code=303)


page_routes: list[Any] = [hazard_list, report_form, report_submit, hazard_detail, hazard_action]
