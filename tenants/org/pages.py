"""The page /enterprise/org: the tree with each unit's subtree figures, and one unit's panel
(its details, managers, people, responsibility documents). Forms post to the same service
as the API; a refused form comes back with what was typed and the message by its field."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Annotated, Any

from litestar import get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.clock import cn_date
from anwang.platform.errors import DomainError, NotFound
from anwang.platform.identity.service import TENANT_ROLE_NAMES
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.labels import Labels
from anwang.platform.web.shells import Req
from anwang.tenants import pages
from anwang.tenants.org import access, accounts, repository, service
from anwang.tenants.org.schemas import (
    ManagerIn,
    OrgUnitCreate,
    OrgUnitUpdate,
    StaffCreate,
    StaffUpdate,
)

ENTERPRISE = require("enterprise")
HREF = "/enterprise/org"
URL_FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
MULTIPART = Body(media_type=RequestEncodingType.MULTI_PART)

# What the page says after a change went through (?done=…).
DONE = {
    "created": "已新增下级单位",
    "updated": "已保存单位信息",
    "deleted": "已删除单位",
    "manager": "已保存负责人",
    "manager_removed": "已移除负责人",
    "staff": "已添加人员",
    "account": "已开通登录账号，请将账号和初始密码告知本人，并提醒其登录后修改密码",
    "staff_updated": "已保存人员信息",
    "staff_off": "已停用该人员",
    "staff_on": "已恢复该人员",
    "document": "已上传责任文件",
    "document_deleted": "已删除责任文件",
}


def _int(value: str, field: str, message: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise DomainError(message, field=field) from None


def _optional_int(value: str, field: str, message: str) -> int | None:
    return _int(value, field, message) if value.strip() else None


@dataclass
class FormState:
    """One form of the page as typed, with its refusal (field → message, or a message)."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    error: str = ""


@dataclass
class UnitForm:
    parent_id: str = ""
    name: str = ""
    kind: str = "department"
    sort: str = ""
    is_safety_department: str = ""


@dataclass
class ManagerForm:
    user_id: str = ""
    duty: str = "head"


@dataclass
class StaffForm:
    name: str = ""
    org_unit_id: str = ""
    job_title: str = ""
    phone: str = ""
    user_id: str = ""


@dataclass
class AccountForm:
    username: str = ""
    password: str = ""
    role: str = "worker"


@dataclass
class ActiveForm:
    active: str = ""


@dataclass
class DocumentForm:
    title: str = ""
    file: UploadFile | None = None


async def _panel(db: AsyncSession, request: Req, unit_id: int, subtree: bool) -> dict[str, Any]:
    """Everything the panel of one unit shows, and what the caller may do there."""
    p = request.user
    unit = await service.get_unit(db, unit_id)
    nodes = await repository.tree(db)
    node = next(n for n in nodes if n.unit.id == unit_id)
    below = {n.unit.id for n in nodes if str(n.unit.path).startswith(f"{unit.path}.")}
    docs = await repository.documents_of(db, unit_id)
    uploaders = await repository.display_names(
        db, sorted({d.uploaded_by for d, _ in docs if d.uploaded_by is not None})
    )
    return {
        "unit": unit,
        "node": node,
        "managers": await repository.managers_of(db, unit_id),
        "staff": await repository.staff_in(db, unit_id, subtree=subtree),
        "subtree": subtree,
        "documents": [(d, a, uploaders.get(d.uploaded_by or 0, "")) for d, a in docs],
        # Where the unit may move: anywhere but itself and below it, and never under a post.
        "move_targets": [
            (n.unit.id, n.label)
            for n in nodes
            if n.unit.id != unit_id and n.unit.id not in below and n.unit.kind != "post"
        ],
        # Where the unit's people may be placed: the unit and everything below it.
        "staff_units": [
            (n.unit.id, n.label) for n in nodes if n.unit.id == unit_id or n.unit.id in below
        ],
        "can_edit": await service.can_edit_unit(db, p, unit),
        "can_manage": await access.can_manage(db, p, unit_id),
        "company_level": access.is_company_level(p),
        "account_roles": [(r, TENANT_ROLE_NAMES[r]) for r in accounts.GRANTABLE_ROLES],
    }


async def _page(
    request: Req,
    db: AsyncSession,
    unit_id: int | None,
    *,
    subtree: bool = True,
    forms: dict[str, FormState] | None = None,
    done: str = "",
    status: int = 200,
) -> Template:
    root = await service.ensure_root(db, request.user)
    nodes = await repository.tree(db)
    selected = unit_id if unit_id is not None else root.id
    assert selected is not None
    panel = await _panel(db, request, selected, subtree)
    managed = await access.managed_unit_ids(db, request.user)
    heads: dict[int, list[str]] = {}
    for m, u in await repository.all_managers(db):
        if m.duty == "head":
            heads.setdefault(m.org_unit_id, []).append(u.display_name)
    template = pages.render(
        "org/org.html",
        request,
        HREF,
        roots=[n for n in nodes if n.depth == 0],
        count=len(nodes),
        figures=await repository.subtree_figures(db),
        heads=heads,
        # Which branches start open: the path to the selected unit, and the top two levels.
        open_ids={int(i) for i in str(panel["unit"].path).split(".")},
        managed=managed,
        account_options=[
            (u.id, f"{u.display_name}（{Labels.role(role)}，{u.username}）")
            for u, role in await repository.accounts(db)
        ],
        choices=[(n.unit.id, n.label, n.unit.kind) for n in nodes],
        forms=forms or {},
        done=DONE.get(done, ""),
        date=cn_date,
        **panel,
    )
    template.status_code = status
    return template


def _refused(e: DomainError, form: str, values: dict[str, Any]) -> dict[str, FormState]:
    shown = {k: v for k, v in values.items() if isinstance(v, str)}
    if e.field and e.field in shown:
        state = FormState(shown, {e.field: e.message})
    else:
        state = FormState(shown, error=e.message)
    return {form: state}


async def _again(
    request: Req,
    db: AsyncSession,
    unit_id: int,
    e: DomainError,
    form: str,
    values: dict[str, Any],
) -> Template:
    """The page once more after a refusal, nothing of the refused change kept."""
    await db.rollback()
    shown: int | None = unit_id
    if await repository.get_unit(db, unit_id) is None:
        if isinstance(e, NotFound):
            raise e
        shown = None  # e.g. a parent that is not there: show the company
    return await _page(request, db, shown, forms=_refused(e, form, values), status=e.status_code)


def _back(unit_id: int | None, done: str) -> Redirect:
    target = f"{HREF}?unit={unit_id}&done={done}" if unit_id else f"{HREF}?done={done}"
    return Redirect(target, status_code=303)


@get(HREF, guards=[ENTERPRISE], include_in_schema=False)
async def org_page(
    request: Req,
    db: Db,
    unit: FromQuery[int | None] = None,
    subtree: FromQuery[bool] = True,
    done: FromQuery[str] = "",
) -> Template:
    """The org tree 组织机构 and one unit's panel."""
    return await _page(request, db, unit, subtree=subtree, done=done)


@post(f"{HREF}/units", guards=[ENTERPRISE], include_in_schema=False, status_code=303)
async def unit_create(
    request: Req, db: Db, data: Annotated[UnitForm, URL_FORM]
) -> Redirect | Template:
    parent: int | None = None
    try:
        parent = _optional_int(data.parent_id, "parent_id", "请选择上级单位")
        if parent is None:
            raise DomainError("请选择上级单位", field="parent_id")
        unit = await service.create_unit(
            db,
            request.user,
            OrgUnitCreate(
                parent_id=parent,
                name=data.name,
                kind=data.kind,
                is_safety_department=bool(data.is_safety_department),
            ),
        )
    except DomainError as e:
        return await _again(request, db, parent or 0, e, "child", asdict(data))
    return _back(unit.id, "created")


@post(
    f"{HREF}/units/{{unit_id:int}}", guards=[ENTERPRISE], include_in_schema=False, status_code=303
)
async def unit_update(
    request: Req, db: Db, unit_id: FromPath[int], data: Annotated[UnitForm, URL_FORM]
) -> Redirect | Template:
    try:
        unit = await service.get_unit(db, unit_id)
        changes: dict[str, Any] = {"name": data.name}
        if unit.parent_id is not None:
            changes["parent_id"] = _int(data.parent_id, "parent_id", "请选择上级单位")
            changes["kind"] = data.kind
            changes["is_safety_department"] = bool(data.is_safety_department)
        if data.sort.strip():
            changes["sort"] = _int(data.sort, "sort", "排序应为整数")
        await service.update_unit(db, request.user, unit_id, OrgUnitUpdate(**changes))
    except DomainError as e:
        return await _again(request, db, unit_id, e, "edit", asdict(data))
    return _back(unit_id, "updated")


@post(
    f"{HREF}/units/{{unit_id:int}}/delete",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def unit_delete(request: Req, db: Db, unit_id: FromPath[int]) -> Redirect | Template:
    try:
        parent = (await service.get_unit(db, unit_id)).parent_id
        await service.delete_unit(db, request.user, unit_id)
    except DomainError as e:
        return await _again(request, db, unit_id, e, "delete", {})
    return _back(parent, "deleted")


@post(
    f"{HREF}/units/{{unit_id:int}}/managers",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def manager_add(
    request: Req, db: Db, unit_id: FromPath[int], data: Annotated[ManagerForm, URL_FORM]
) -> Redirect | Template:
    try:
        user = _optional_int(data.user_id, "user_id", "请选择账号")
        if user is None:
            raise DomainError("请选择账号", field="user_id")
        await service.add_manager(
            db, request.user, unit_id, ManagerIn(user_id=user, duty=data.duty)
        )
    except DomainError as e:
        return await _again(request, db, unit_id, e, "manager", asdict(data))
    return _back(unit_id, "manager")


@post(
    f"{HREF}/units/{{unit_id:int}}/managers/{{user_id:int}}/delete",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def manager_remove(
    request: Req, db: Db, unit_id: FromPath[int], user_id: FromPath[int]
) -> Redirect | Template:
    try:
        await service.remove_manager(db, request.user, unit_id, user_id)
    except DomainError as e:
        return await _again(request, db, unit_id, e, "manager", {})
    return _back(unit_id, "manager_removed")


def _staff_values(data: StaffForm, unit_id: int) -> dict[str, Any]:
    org_unit = _optional_int(data.org_unit_id, "org_unit_id", "请选择所在岗位/单位") or unit_id
    return {
        "name": data.name,
        "org_unit_id": org_unit,
        "job_title": data.job_title,
        "phone": data.phone,
        "user_id": _optional_int(data.user_id, "user_id", "请从列表中选择账号"),
    }


@post(
    f"{HREF}/units/{{unit_id:int}}/staff",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def staff_add(
    request: Req, db: Db, unit_id: FromPath[int], data: Annotated[StaffForm, URL_FORM]
) -> Redirect | Template:
    try:
        await service.get_unit(db, unit_id)
        person = await service.create_staff(
            db, request.user, StaffCreate(**_staff_values(data, unit_id))
        )
    except DomainError as e:
        return await _again(request, db, unit_id, e, "staff", asdict(data))
    return _back(person.org_unit_id if person.org_unit_id == unit_id else unit_id, "staff")


@post(
    f"{HREF}/staff/{{staff_id:int}}",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def staff_edit(
    request: Req,
    db: Db,
    staff_id: FromPath[int],
    data: Annotated[StaffForm, URL_FORM],
    unit: FromQuery[int | None] = None,
) -> Redirect | Template:
    person = await service.get_staff(db, staff_id)
    back = unit or person.org_unit_id
    try:
        values = _staff_values(data, person.org_unit_id)
        await service.update_staff(db, request.user, staff_id, StaffUpdate(**values))
    except DomainError as e:
        return await _again(request, db, back, e, f"staff-{staff_id}", asdict(data))
    return _back(back, "staff_updated")


@post(
    f"{HREF}/staff/{{staff_id:int}}/account",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def account_open(
    request: Req,
    db: Db,
    staff_id: FromPath[int],
    data: Annotated[AccountForm, URL_FORM],
    unit: FromQuery[int | None] = None,
) -> Redirect | Template:
    person = await service.get_staff(db, staff_id)
    back = unit or person.org_unit_id
    try:
        await accounts.open_account(
            db,
            request.user,
            staff_id,
            username=data.username,
            password=data.password,
            role=data.role,
        )
    except DomainError as e:
        # The password is never sent back into the page.
        kept = {"username": data.username, "password": "", "role": data.role}
        return await _again(request, db, back, e, f"account-{staff_id}", kept)
    return _back(back, "account")


@post(
    f"{HREF}/staff/{{staff_id:int}}/active",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def staff_active(
    request: Req,
    db: Db,
    staff_id: FromPath[int],
    data: Annotated[ActiveForm, URL_FORM],
    unit: FromQuery[int | None] = None,
) -> Redirect | Template:
    person = await service.get_staff(db, staff_id)
    back = unit or person.org_unit_id
    active = data.active == "1"
    try:
        await service.update_staff(db, request.user, staff_id, StaffUpdate(active=active))
    except DomainError as e:
        return await _again(request, db, back, e, f"staff-{staff_id}", {})
    return _back(back, "staff_on" if active else "staff_off")


@post(
    f"{HREF}/units/{{unit_id:int}}/documents",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def document_upload(
    request: Req, db: Db, unit_id: FromPath[int], data: Annotated[DocumentForm, MULTIPART]
) -> Redirect | Template:
    content = await data.file.read() if data.file is not None else b""
    try:
        await service.add_document(
            db,
            request.user,
            unit_id,
            data.title,
            data=content or None,
            filename=data.file.filename if data.file is not None else "",
        )
    except DomainError as e:
        return await _again(request, db, unit_id, e, "document", {"title": data.title, "file": ""})
    return _back(unit_id, "document")


@post(
    f"{HREF}/documents/{{document_id:int}}/delete",
    guards=[ENTERPRISE],
    include_in_schema=False,
    status_code=303,
)
async def document_delete(request: Req, db: Db, document_id: FromPath[int]) -> Redirect | Template:
    doc = await service.get_document(db, document_id)
    unit_id = doc.org_unit_id
    try:
        await service.delete_document(db, request.user, document_id)
    except DomainError as e:
        return await _again(request, db, unit_id, e, "document", {})
    return _back(unit_id, "document_deleted")


page_routes: list[Any] = [
    org_page,
    unit_create,
    unit_update,
    unit_delete,
    manager_add,
    manager_remove,
    staff_add,
    staff_edit,
    account_open,
    staff_active,
    document_upload,
    document_delete,
]
