"""The pages of supervision orders. Government and sector users: `/orders` (received, issued,
the whole jurisdiction, escalated overdue; filters), `/orders/new` (issue, from a hazard or an
enterprise), `/orders/{id}` (facts, timeline, the orders passed down and the steps the user
may take: answer, forward, return, close), `/orders/listed` (major hazards listed for
supervision 挂牌督办 and those not yet listed) and `/orders/hazards/{tenant}/{hazard}` (a
read-only hazard with its timeline and photos, and the buttons to issue). Enterprises:
`/enterprise/orders` and `/enterprise/orders/{id}` (the orders addressed to them, answered
there). Forms go through the same service as the API and come back with everything typed
kept when refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, ClassVar

from litestar import get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.attachments import service as attachments
from anwang.platform.clock import cn_date, cn_time
from anwang.platform.errors import DomainError, InvalidInput, NotFound
from anwang.platform.principal import Principal
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.forms import ActionForm, form_errors
from anwang.platform.web.listing import ListAddress
from anwang.platform.web.shell_queries import Page, display_names
from anwang.platform.web.shells import Req
from anwang.supervision import pages as gov_pages
from anwang.supervision import vocabulary
from anwang.supervision.orders import repository, service
from anwang.supervision.orders.repository import Place
from anwang.supervision.orders.schemas import OrderCreate, OrderDetail, OrderForward
from anwang.tenants import pages as tenant_pages
from anwang.tenants import vocabulary as tenant_vocabulary
from anwang.tenants.hazards import repository as hazards
from anwang.tenants.hazards import states as hazard_states
from anwang.tenants.hazards.pages import STATE_BADGES, TimelineEntry, timeline
from anwang.tenants.hazards.service import FIVE_FIELDS, days_overdue, is_overdue

GOV = require("gov", "sector")
ENTERPRISE = require("enterprise")
LIST = "/orders"
MINE = "/enterprise/orders"
PAGE_SIZE = 20
# How deep below the issuer a target may be chosen on the form (a city: districts and
# towns; a district: towns and grids); the API takes any place below.
TARGET_DEPTH = 2

STATUS_BADGES = {
    "issued": "info",
    "responded": "suspended",
    "returned": "missing",
    "closed": "active",
}
BUTTONS = {"respond": "提交答复", "forward": "转办", "return": "退回", "close": "办结"}
ACTION_TITLES = {
    "respond": "答复督办",
    "forward": "向下转办（层层督办）",
    "return": "退回重办",
    "close": "办结",
}
BOX_NAMES = {
    "received": "收到的",
    "issued": "本级发出的",
    "all": "辖区全部",
    "escalated": "逾期升级",
}
FORM_FIELDS = ("text", "target", "tenant_id", "title", "requirement", "deadline")


def _common() -> dict[str, Any]:
    return {
        "cn": cn_date,
        "cn_time": cn_time,
        "STATUSES": vocabulary.ORDER_STATUSES,
        "KINDS": vocabulary.ORDER_KINDS,
        "SUBJECTS": vocabulary.ORDER_SUBJECTS,
        "LEVELS": vocabulary.LISTING_LEVELS,
        "HAZARD_STATES": hazard_states.STATES,
        "HAZARD_BADGES": STATE_BADGES,
        "BADGES": STATUS_BADGES,
    }


def _int(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


def _date(errors: dict[str, str], name: str, value: str, *, required: bool) -> date | None:
    value = (value or "").strip()
    if not value:
        if required:
            errors[name] = "请选择办理期限"
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "日期格式不正确，请重新选择"
        return None


def _field_errors(e: DomainError, known: set[str]) -> tuple[dict[str, str], str]:
    """A refusal as (field → message, every other message) for a form."""
    aliases = {"target_jurisdiction_id": "target"}
    return form_errors(e, known, rename=lambda k: aliases.get(k, k), join_unplaced=True)


def _can_issue(p: Principal) -> bool:
    return p.kind in ("gov", "sector") and p.role in service.ISSUING_ROLES


async def _targets(db: AsyncSession, scope: str) -> list[Place]:
    top = scope.count(".")
    return [
        t
        for t in await repository.places_below(db, scope)
        if t.path.count(".") - top <= TARGET_DEPTH
    ]


# --- the list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListQuery(ListAddress):
    """The list's filters as given in the address (text, so the form shows them back)."""

    PATH: ClassVar[str] = LIST
    box: str = "received"
    status: str = ""
    overdue: str = ""
    kind: str = ""


@get(LIST, guards=[GOV], include_in_schema=False)
async def order_list(
    request: Req,
    db: Db,
    box: FromQuery[str] = "received",
    order_status: Annotated[str, QueryParameter(name="status")] = "",
    overdue: FromQuery[str] = "",
    kind: FromQuery[str] = "",
    page: FromQuery[str] = "1",
) -> Template:
    """The orders of the user's place: received from above, issued, the whole jurisdiction,
    and the overdue ones escalated up to it; open ones first."""
    p = request.user
    lq = ListQuery(
        box=box if box in repository.BOXES else "received",
        status=order_status if order_status in (*vocabulary.ORDER_STATUSES, "open") else "",
        overdue="1" if overdue == "1" else "",
        kind=kind if kind in vocabulary.ORDER_KINDS else "",
    )
    number = int(page) if page.isdigit() and 0 < int(page) <= 100_000 else 1
    today = service.today()
    f = repository.OrderFilter(
        box=lq.box, status=lq.status or None, overdue=bool(lq.overdue), kind=lq.kind or None
    )
    total, rows = await repository.list_orders(
        db, f, p.scope, today, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    return gov_pages.render(
        "orders/list.html",
        request,
        LIST,
        lq=lq,
        rows=[service.row_of(r, today) for r in rows],
        listing=Page(rows=[], total=total, page=number, size=PAGE_SIZE),
        counts=await repository.box_counts(db, p.scope, today),
        BOX_NAMES=BOX_NAMES,
        can_issue=_can_issue(p),
        **_common(),
    )


# --- 挂牌督办 --------------------------------------------------------------------------------


@get(f"{LIST}/listed", guards=[GOV], include_in_schema=False)
async def listed_page(request: Req, db: Db, closed: FromQuery[str] = "") -> Template:
    """Major hazards listed for supervision (issuing body, level, deadline, the hazard's
    state, overdue) and the open major hazards not listed yet."""
    today = service.today()
    return gov_pages.render(
        "orders/listed.html",
        request,
        LIST,
        listed=await repository.listings(db, today, include_closed=closed == "1"),
        unlisted=await repository.unlisted_major_hazards(db, today),
        with_closed=closed == "1",
        can_issue=_can_issue(request.user),
        **_common(),
    )


# --- issuing --------------------------------------------------------------------------------


@dataclass
class IssueForm:
    """The issue form exactly as typed."""

    subject: str = "task"
    kind: str = "order"
    hazard_id: str = ""
    tenant_id: str = ""
    target: str = ""
    title: str = ""
    requirement: str = ""
    deadline: str = ""

    @classmethod
    def of(cls, form: Any) -> IssueForm:
        return cls(**{k: str(form.get(k) or "")[:2000] for k in cls.__dataclass_fields__})


async def _issue_page(
    request: Req,
    db: AsyncSession,
    form: IssueForm,
    *,
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Template:
    p = request.user
    hazard = None
    listing = None
    company = None
    hazard_id = _int(form.hazard_id)
    if hazard_id is not None:
        hazard = await repository.hazard_brief(db, hazard_id)
        if hazard is None:
            raise NotFound("隐患不存在或不在您的管辖范围内")
        form.tenant_id = str(hazard["tenant_id"])
        listing = await repository.open_listing(db, int(hazard["tenant_id"]), hazard_id)
    tenant_id = _int(form.tenant_id)
    if tenant_id is not None:
        company = await repository.enterprise(db, tenant_id)
        if company is None:
            raise NotFound("企业不存在或不在您的管辖范围内")
    place = await repository.place_by_path(db, p.scope or "")
    targets = await _targets(db, p.scope or "")
    if company is not None:
        targets = [t for t in targets if t.contains(company.path)]
    can_list = (
        hazard is not None
        and hazard["tier"] == "major"
        and hazard["state"] not in ("closed", "rejected")
        and listing is None
    )
    page = gov_pages.render(
        "orders/new.html",
        request,
        LIST,
        f=form,
        errors=errors or {},
        error=error,
        hazard=hazard,
        listing=listing,
        company=company,
        place=place,
        targets=targets,
        can_list=can_list,
        tomorrow=(service.today() + timedelta(days=1)).isoformat(),
        **_common(),
    )
    page.status_code = status
    return page


@get(f"{LIST}/new", guards=[GOV], include_in_schema=False)
async def issue_form(
    request: Req,
    db: Db,
    hazard_id: FromQuery[str] = "",
    tenant_id: FromQuery[str] = "",
    kind: FromQuery[str] = "",
) -> Template:
    """The form to issue an order (or list a major hazard), prefilled from a hazard or an
    enterprise when it was opened from one."""
    if not _can_issue(request.user):
        raise DomainError("只有镇（街道）、县（市、区）、市监管部门和行业主管部门可以下达督办")
    form = IssueForm(hazard_id=hazard_id, tenant_id=tenant_id)
    form.kind = "listed" if kind == "listed" else "order"
    if _int(hazard_id) is not None:
        form.subject = "hazard"
        hazard = await repository.hazard_brief(db, int(hazard_id))
        if hazard is None:
            raise NotFound("隐患不存在或不在您的管辖范围内")
        prefix = "挂牌督办" if form.kind == "listed" else "督促整改"
        form.title = f"{prefix}：{hazard['title']}"[: service.TITLE_MAX]
        deadline = hazard["deadline"]
        if deadline is None or deadline <= service.today():
            deadline = service.today() + timedelta(days=30)
        form.deadline = deadline.isoformat()
    elif _int(tenant_id) is not None:
        form.subject = "enterprise"
    return await _issue_page(request, db, form)


@get(f"{LIST}/enterprise-options", guards=[GOV], include_in_schema=False)
async def enterprise_options(
    request: Req, db: Db, q: Annotated[str, QueryParameter(max_length=50)] = ""
) -> Template:
    """The enterprises matching a search, as the options of the form's select (htmx)."""
    found = await repository.enterprise_search(db, q.strip()) if q.strip() else []
    return gov_pages.render("orders/_enterprise_options.html", request, LIST, found=found, q=q)


@post(f"{LIST}/new", guards=[GOV], include_in_schema=False, status_code=303)
async def issue_submit(request: Req, db: Db) -> Redirect | Template:
    """Issue; a refusal comes back with everything typed kept."""
    form = IssueForm.of(await request.form())
    try:
        errors: dict[str, str] = {}
        deadline = _date(errors, "deadline", form.deadline, required=True)
        if form.subject not in vocabulary.ORDER_SUBJECTS:
            errors["subject"] = "请选择督办事项类型"
        if form.target and _int(form.target) is None:
            errors["target"] = "请从列表中选择督办对象"
        if form.tenant_id and _int(form.tenant_id) is None:
            errors["tenant_id"] = "请从列表中选择企业"
        if set(errors) - {"deadline"}:
            raise InvalidInput(errors)
        try:
            # Without a readable deadline the service still checks everything else (and
            # refuses the day before all days); the form's own message wins.
            order = await service.issue(
                db,
                request.user,
                OrderCreate(
                    subject=form.subject,  # type: ignore[arg-type]
                    kind="listed" if form.kind == "listed" else "order",
                    title=form.title,
                    requirement=form.requirement,
                    deadline=deadline or date.min,
                    tenant_id=_int(form.tenant_id),
                    hazard_id=_int(form.hazard_id),
                    target_jurisdiction_id=_int(form.target),
                ),
            )
        except InvalidInput as e:
            raise InvalidInput({**e.errors, **errors}) from e
    except DomainError as e:
        # Nothing of a refused order may reach the commit at the end of the request.
        await db.rollback()
        known = set(IssueForm.__dataclass_fields__)
        errors, error = _field_errors(e, known)
        return await _issue_page(
            request, db, form, errors=errors, error=error, status=e.status_code
        )
    return Redirect(f"{LIST}/{order.id}?done=issue", status_code=303)


# --- one order ------------------------------------------------------------------------------


def _who(e: Any, o: OrderDetail, names: dict[int, str]) -> str:
    if e.actor_user_id is None:
        return "系统"
    if e.actor_user_id in names:
        return names[e.actor_user_id]
    # A person the reader may not see: name the body or the enterprise instead.
    return o.target_name if e.action in ("respond", "forward") else o.issuer_name


async def entries(db: AsyncSession, o: OrderDetail) -> list[TimelineEntry]:
    ids = sorted({e.actor_user_id for e in o.events if e.actor_user_id is not None})
    names = await display_names(db, ids)
    out = []
    for e in o.events:
        d = e.data or {}
        lines: list[str] = []
        if d.get("hazard_state"):
            state = hazard_states.STATES.get(d["hazard_state"], d["hazard_state"])
            lines.append(f"隐患当时状态：{state}")
        if e.action == "issue" and d.get("deadline"):
            lines.append(f"办理期限：{cn_date(date.fromisoformat(d['deadline']))}")
        if e.action == "forward" and d.get("child_id"):
            lines.append(f"下级督办 #{d['child_id']}")
        change = ""
        if e.from_status and e.from_status != e.to_status:
            before = vocabulary.ORDER_STATUSES.get(e.from_status, e.from_status)
            change = f"{before} → {vocabulary.ORDER_STATUSES.get(e.to_status, e.to_status)}"
        out.append(
            TimelineEntry(
                cn_time(e.at),
                _who(e, o, names),
                e.action_name,
                change,
                lines,
                e.note,
                e.to_status,
            )
        )
    return out


def _close_hint(o: OrderDetail) -> str:
    if o.hazard is not None and o.hazard.state != "closed":
        state = hazard_states.STATES.get(o.hazard.state, o.hazard.state)
        return f"隐患尚未销号（当前：{state}），办结须填写理由"
    if o.subject != "hazard" and o.status != "responded":
        return "对方尚未答复，办结须填写理由"
    return "可填写办结意见"


async def _detail_page(
    request: Req,
    db: AsyncSession,
    order_id: int,
    *,
    form: ActionForm | None = None,
    done: str = "",
    status: int = 200,
) -> Template:
    p = request.user
    o = await service.detail(db, p, order_id)
    parent = await repository.row(db, o.parent_id) if o.parent_id else None
    forward_targets: list[Place] = []
    company = None
    if "forward" in o.allowed_actions:
        forward_targets = await _targets(db, p.scope or "")
        if o.tenant_id is not None:
            company = await repository.enterprise(db, o.tenant_id)
            if company is not None:
                forward_targets = [t for t in forward_targets if t.contains(company.path)]
    enterprise_side = p.kind == "enterprise"
    hazard_href = ""
    if o.hazard is not None:
        hazard_href = (
            f"/enterprise/hazards/{o.hazard.id}"
            if enterprise_side
            else f"{LIST}/hazards/{o.tenant_id}/{o.hazard.id}"
        )
    context = dict(
        o=o,
        parent=parent,
        entries=await entries(db, o),
        form=form or ActionForm(),
        done=done if done in vocabulary.ORDER_ACTIONS else "",
        actions=o.allowed_actions,
        forward_targets=forward_targets,
        company=company,
        hazard_href=hazard_href,
        parent_href=f"{LIST}/{o.parent_id}" if parent is not None and not enterprise_side else "",
        action_base=f"{MINE}/{o.id}/" if enterprise_side else f"{LIST}/{o.id}/actions/",
        close_hint=_close_hint(o),
        BUTTONS=BUTTONS,
        ACTION_TITLES=ACTION_TITLES,
        ACTIONS=vocabulary.ORDER_ACTIONS,
        today=service.today().isoformat(),
        tomorrow=(service.today() + timedelta(days=1)).isoformat(),
        **_common(),
    )
    if enterprise_side:
        page = tenant_pages.render("orders/enterprise_detail.html", request, MINE, **context)
    else:
        page = gov_pages.render("orders/detail.html", request, LIST, **context)
    page.status_code = status
    return page


@get(f"{LIST}/{{order_id:int}}", guards=[GOV], include_in_schema=False)
async def order_detail(
    request: Req, db: Db, order_id: FromPath[int], done: FromQuery[str] = ""
) -> Template:
    """One order: facts, its hazard, the orders passed down from it, the timeline and the
    steps the user may take now."""
    return await _detail_page(request, db, order_id, done=done)


async def _act(
    db: AsyncSession, p: Principal, order_id: int, action: str, typed: dict[str, str]
) -> int:
    """Take one step from a form; returns the order to show next."""
    if action == "respond":
        await service.respond(db, p, order_id, typed.get("text", ""))
    elif action == "return":
        await service.return_order(db, p, order_id, typed.get("text", ""))
    elif action == "close":
        await service.close(db, p, order_id, typed.get("text", ""))
    elif action == "forward":
        errors: dict[str, str] = {}
        deadline = _date(errors, "deadline", typed.get("deadline", ""), required=False)
        target = typed.get("target", "")
        if target and _int(target) is None:
            errors["target"] = "请从列表中选择督办对象"
        if errors:
            raise InvalidInput(errors)
        child = await service.forward(
            db,
            p,
            order_id,
            OrderForward(
                target_jurisdiction_id=_int(target),
                tenant_id=_int(typed.get("tenant_id", "")),
                title=typed.get("title") or None,
                requirement=typed.get("requirement"),
                deadline=deadline,
            ),
        )
        return child.id or 0
    else:
        raise NotFound(f"没有“{action}”这个操作")
    return order_id


@post(
    f"{LIST}/{{order_id:int}}/actions/{{action:str}}",
    guards=[GOV],
    include_in_schema=False,
    status_code=303,
)
async def order_action(
    request: Req, db: Db, order_id: FromPath[int], action: FromPath[str]
) -> Redirect | Template:
    """Take one step from the order's page; a refusal shows the page again with the step's
    form as it was typed and the reason next to the field."""
    data = await request.form()
    typed = {k: str(data.get(k) or "")[:2000] for k in FORM_FIELDS if data.get(k) is not None}
    try:
        shown = await _act(db, request.user, order_id, action, typed)
    except DomainError as e:
        await db.rollback()
        errors, error = _field_errors(e, set(FORM_FIELDS))
        form = ActionForm(action, typed, errors, error)
        return await _detail_page(request, db, order_id, form=form, status=e.status_code)
    return Redirect(f"{LIST}/{shown}?done={action}", status_code=303)


# --- a hazard, as the government sees it ----------------------------------------------------


@get(f"{LIST}/hazards/{{tenant_id:int}}/{{hazard_id:int}}", guards=[GOV], include_in_schema=False)
async def gov_hazard(
    request: Req, db: Db, tenant_id: FromPath[int], hazard_id: FromPath[int]
) -> Template:
    """A hazard of an enterprise of the jurisdiction, read-only: facts, photos, its timeline,
    the orders about it, and the buttons to issue an order or list it 挂牌督办."""
    h = await hazards.get(db, hazard_id)
    if h is None or h.tenant_id != tenant_id:
        raise NotFound("隐患不存在或不在您的管辖范围内")
    company = await repository.enterprise(db, tenant_id)
    events = await hazards.events(db, hazard_id)
    names = await hazards.display_names(
        db, sorted({e.actor_user_id for e in events if e.actor_user_id is not None})
    )
    photos = await attachments.list_for(db, "hazard", hazard_id)
    units = await hazards.unit_names(db, [h.org_unit_id] if h.org_unit_id else [])
    today = service.today()
    orders = [
        service.row_of(r, today) for r in await repository.hazard_orders(db, tenant_id, hazard_id)
    ]
    listing = next((o for o in orders if o.kind == "listed" and o.status != "closed"), None)
    return gov_pages.render(
        "orders/hazard.html",
        request,
        LIST,
        h=h,
        company=company,
        unit=units.get(h.org_unit_id or 0, ""),
        entries=timeline(events, names),
        before=[a for a in photos if a.subject_role == "before"],
        after=[a for a in photos if a.subject_role == "after"],
        orders=orders,
        listing=listing,
        overdue=is_overdue(h, today),
        days_overdue=days_overdue(h, today),
        can_issue=_can_issue(request.user),
        can_list=h.tier == "major" and h.state not in ("closed", "rejected") and listing is None,
        TIERS=tenant_vocabulary.HAZARD_TIERS,
        SOURCES=tenant_vocabulary.HAZARD_SOURCES,
        FIVE=FIVE_FIELDS,
        **_common(),
    )


# --- the enterprise's side ------------------------------------------------------------------


@get(MINE, guards=[ENTERPRISE], include_in_schema=False)
async def enterprise_orders(
    request: Req,
    db: Db,
    order_status: Annotated[str, QueryParameter(name="status")] = "",
    page: FromQuery[str] = "1",
) -> Template:
    """The orders addressed to the enterprise 督办整改, open ones first."""
    chosen = order_status if order_status in (*vocabulary.ORDER_STATUSES, "open") else ""
    number = int(page) if page.isdigit() and 0 < int(page) <= 100_000 else 1
    today = service.today()
    total, rows = await repository.list_orders(
        db,
        repository.OrderFilter(status=chosen or None),
        None,
        today,
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )
    base = f"{MINE}?status={chosen}&" if chosen else f"{MINE}?"
    return tenant_pages.render(
        "orders/enterprise_list.html",
        request,
        MINE,
        rows=[service.row_of(r, today) for r in rows],
        listing=Page(rows=[], total=total, page=number, size=PAGE_SIZE),
        chosen=chosen,
        page_url=base,
        **_common(),
    )


@get(f"{MINE}/{{order_id:int}}", guards=[ENTERPRISE], include_in_schema=False)
async def enterprise_order(
    request: Req, db: Db, order_id: FromPath[int], done: FromQuery[str] = ""
) -> Template:
    """One order addressed to the enterprise, answered here."""
    return await _detail_page(request, db, order_id, done=done)


@post(
    f"{MINE}/{{order_id:int}}/respond",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def enterprise_respond(request: Req, db: Db, order_id: FromPath[int]) -> Redirect | Template:
    data = await request.form()
    typed = {"text": str(data.get("text") or "")[:2000]}
    try:
        await service.respond(db, request.user, order_id, typed["text"])
    except DomainError as e:
        await db.rollback()
        errors, error = _field_errors(e, {"text"})
        form = ActionForm("respond", typed, errors, error)
        return await _detail_page(request, db, order_id, form=form, status=e.status_code)
    return Redirect(f"{MINE}/{order_id}?done=respond", status_code=303)


@get(f"{MINE}/on-hazard/{{hazard_id:int}}", guards=[ENTERPRISE], include_in_schema=False)
async def on_hazard(request: Req, db: Db, hazard_id: FromPath[int]) -> Template:
    """The orders addressed to the enterprise about one of its hazards: a partial the
    hazard's page loads (htmx), empty when there are none."""
    today = service.today()
    rows = await repository.hazard_orders(db, request.user.tenant_id or 0, hazard_id)
    return Template(
        "orders/_hazard_orders.html",
        context={
            "supervision_orders": [service.row_of(r, today) for r in rows],
            "ORDER_STATUSES": vocabulary.ORDER_STATUSES,
        },
    )


page_routes: list[Any] = [
    order_list,
    listed_page,
    issue_form,
    enterprise_options,
    issue_submit,
    order_detail,
    order_action,
    gov_hazard,
    enterprise_orders,
    enterprise_order,
    enterprise_respond,
    on_hazard,
]
