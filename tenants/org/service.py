"""Rules of the org tree: one company root per tenant, what may sit where, who may change
which unit, what keeps a unit from being deleted; managers, people and responsibility
documents. Flushes, never commits; every refusal is a Chinese sentence a person can act on."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.errors import Conflict, DomainError, Forbidden, NotFound
from anwang.platform.principal import Principal
from anwang.tenants import vocabulary
from anwang.tenants.org import access, repository
from anwang.tenants.org.models import OrgUnit, ResponsibilityDocument, Staff, UnitManager
from anwang.tenants.org.schemas import (
    ManagerIn,
    OrgUnitCreate,
    OrgUnitUpdate,
    StaffCreate,
    StaffUpdate,
)

NAME_MAX = 60  # org_unit.name
STAFF_NAME_MAX = 40  # staff.name
JOB_TITLE_MAX = 40
PHONE_MAX = 20
TITLE_MAX = 100  # responsibility_document.title
CHILD_KINDS = ("department", "workshop", "team", "post")
PHONE = re.compile(r"[0-9+\- ]*")

# What keeps a unit from being deleted, as a person reads it.
BLOCKER_WORDS = {
    "children": "个下级单位",
    "staff": "名人员（含已停用）",
    "risk_points": "个风险点",
    "checklists": "张排查清单",
    "tasks": "条排查任务",
    "hazards": "条隐患记录",
    "equipment": "台设备",
    "documents": "份责任文件",
    "alarms": "条提醒报警",
}


def _text(value: str | None, label: str, field: str, maximum: int, *, required: bool) -> str:
    v = (value or "").strip()
    if required and not v:
        raise DomainError(f"请填写{label}", field=field)
    if len(v) > maximum:
        raise DomainError(f"{label}不能超过{maximum}个字（现在{len(v)}个字）", field=field)
    return v


def _kind(kind: str | None) -> str:
    if kind not in CHILD_KINDS:
        names = "、".join(vocabulary.ORG_UNIT_KINDS[k] for k in CHILD_KINDS)
        raise DomainError(f"单位类型应为{names}之一", field="kind")
    return kind


def _company_only(p: Principal, what: str) -> None:
    if not access.is_company_level(p):
        raise Forbidden(f"只有主要负责人、安全管理员或系统管理员可以{what}")


# --- the tree -------------------------------------------------------------------------------


async def ensure_root(db: AsyncSession, p: Principal) -> OrgUnit:
    """The tenant's company unit, created (named after the enterprise) on first use."""
    found = await repository.root(db)
    if found is not None:
        return found
    if p.kind != "enterprise" or p.tenant_id is None:
        raise NotFound("本企业尚未建立组织机构")
    name = (await repository.enterprise_name(db, p.tenant_id) or "本公司")[:NAME_MAX]
    await repository.insert_root(db, p.tenant_id, name)
    made = await repository.root(db)
    assert made is not None  # inserted now, or by a concurrent request
    return made


async def get_unit(db: AsyncSession, unit_id: int) -> OrgUnit:
    unit = await repository.get_unit(db, unit_id)
    if unit is None:
        # Also the answer for another tenant's unit: its existence is not disclosed.
        raise NotFound("该单位不存在或您无权查看")
    return unit


async def can_edit_unit(db: AsyncSession, p: Principal, unit: OrgUnit) -> bool:
    """A unit is defined by the level above it: renaming, moving or deleting it takes a
    manager of its parent (or above); the company itself takes a company-level role."""
    if unit.parent_id is None:
        return access.is_company_level(p)
    return await access.can_manage(db, p, unit.parent_id)


async def require_unit_editor(db: AsyncSession, p: Principal, unit: OrgUnit) -> None:
    if not await can_edit_unit(db, p, unit):
        if unit.parent_id is None:
            raise Forbidden("只有主要负责人、安全管理员或系统管理员可以修改公司信息")
        raise Forbidden(f"您不是“{unit.name}”上级单位的负责人，无权修改、移动或删除它")


async def _check_parent(db: AsyncSession, p: Principal, parent_id: int) -> OrgUnit:
    parent = await repository.get_unit(db, parent_id)
    if parent is None:
        raise DomainError("所选上级单位不存在", field="parent_id")
    if parent.kind == "post":
        raise DomainError(f"“{parent.name}”是岗位，岗位下不能再设下级单位", field="parent_id")
    if not await access.can_manage(db, p, parent_id):
        raise Forbidden(f"您不是“{parent.name}”（或其上级单位）的负责人，不能在其下增设或移入单位")
    return parent


async def _check_safety_department(db: AsyncSession, unit: OrgUnit, parent: OrgUnit | None) -> None:
    """Only a department directly under the company can be the safety department, and
    there is one: marking another moves the mark."""
    if not unit.is_safety_department:
        return
    if unit.kind != "department" or parent is None or parent.parent_id is not None:
        raise DomainError(
            "安全管理部门须是直属公司的部门（类型为“部门”，上级为公司）",
            field="is_safety_department",
        )
    for other in await repository.safety_departments(db):
        if other.id != unit.id:
            other.is_safety_department = False
            db.add(other)


async def create_unit(db: AsyncSession, p: Principal, data: OrgUnitCreate) -> OrgUnit:
    name = _text(data.name, "名称", "name", NAME_MAX, required=True)
    kind = _kind(data.kind)
    parent = await _check_parent(db, p, data.parent_id)
    if data.is_safety_department:
        _company_only(p, "指定安全管理部门")
    assert p.tenant_id is not None
    unit = OrgUnit(
        tenant_id=p.tenant_id,
        parent_id=parent.id,
        name=name,
        kind=kind,
        is_safety_department=data.is_safety_department,
        sort=data.sort,
    )
    await _check_safety_department(db, unit, parent)
    db.add(unit)
    await db.flush()
    await db.refresh(unit)
    return unit


async def update_unit(db: AsyncSession, p: Principal, unit_id: int, data: OrgUnitUpdate) -> OrgUnit:
    unit = await get_unit(db, unit_id)
    changes = data.model_dump(exclude_unset=True)
    await require_unit_editor(db, p, unit)
    if "name" in changes:
        unit.name = _text(changes["name"], "名称", "name", NAME_MAX, required=True)
    if unit.parent_id is None:
        # The company: its name and order only.
        if changes.get("kind") not in (None, "company"):
            raise DomainError("公司（组织机构的根）不能改为其他类型", field="kind")
        if changes.get("parent_id") is not None:
            raise DomainError("公司是组织机构的根，不能移动到其他单位之下", field="parent_id")
        if changes.get("is_safety_department"):
            raise DomainError("公司本身不能标记为安全管理部门", field="is_safety_department")
    else:
        if "kind" in changes:
            unit.kind = _kind(changes["kind"])
            blockers = await repository.delete_blockers(db, unit_id)
            if unit.kind == "post" and blockers["children"]:
                raise DomainError("该单位有下级单位，不能改为岗位", field="kind")
        if "parent_id" in changes:
            if changes["parent_id"] is None:
                raise DomainError("每个企业只有一个公司（根），请选择上级单位", field="parent_id")
            if changes["parent_id"] != unit.parent_id:
                await _check_parent(db, p, changes["parent_id"])
                unit.parent_id = changes["parent_id"]
        if "is_safety_department" in changes and (
            bool(changes["is_safety_department"]) != unit.is_safety_department
        ):
            _company_only(p, "指定或取消安全管理部门")
            unit.is_safety_department = bool(changes["is_safety_department"])
    if changes.get("sort") is not None:
        unit.sort = int(changes["sort"])
    # The move itself is flushed below, where the database's refusal can be caught.
    with db.no_autoflush:
        parent = await repository.get_unit(db, unit.parent_id) if unit.parent_id else None
        await _check_safety_department(db, unit, parent)
    db.add(unit)
    name = unit.name
    try:
        async with db.begin_nested():
            await db.flush()
    except DBAPIError as e:
        if "own subtree" in str(e.orig):
            raise DomainError(
                f"不能把“{name}”移到它自己或它的下级单位之下，请选择其他上级单位",
                field="parent_id",
            ) from e
        raise
    await db.refresh(unit)
    return unit


async def delete_unit(db: AsyncSession, p: Principal, unit_id: int) -> None:
    unit = await get_unit(db, unit_id)
    if unit.parent_id is None:
        raise DomainError("公司是组织机构的根，不能删除")
    await require_unit_editor(db, p, unit)
    blockers = {k: n for k, n in (await repository.delete_blockers(db, unit_id)).items() if n}
    if blockers:
        what = "、".join(f"{n}{BLOCKER_WORDS[k]}" for k, n in blockers.items())
        raise Conflict(f"“{unit.name}”还有{what}，请先移走或删除后再删除该单位")
    name = unit.name
    try:
        async with db.begin_nested():
            await db.delete(unit)
            await db.flush()
    except IntegrityError as e:
        # A table added later that refers to units, not yet named in the list above.
        raise Conflict(f"“{name}”仍被其他记录引用，不能删除") from e


# --- managers -------------------------------------------------------------------------------


def _check_duty(duty: str) -> str:
    if duty not in vocabulary.UNIT_DUTIES:
        raise DomainError("职责应为负责人、分管负责人或安全员", field="duty")
    return duty


async def _check_account(db: AsyncSession, user_id: int, field: str = "user_id") -> None:
    if await repository.account(db, user_id) is None:
        raise DomainError("所选账号不是本企业的账号", field=field)


async def set_managers(
    db: AsyncSession, p: Principal, unit_id: int, managers: Sequence[ManagerIn]
) -> None:
    """Replace the unit's managers. Set by whoever manages the level above (company roles
    for the company), so nobody appoints themselves over their own unit."""
    unit = await get_unit(db, unit_id)
    await require_unit_editor(db, p, unit)
    seen: set[int] = set()
    for m in managers:
        _check_duty(m.duty)
        await _check_account(db, m.user_id)
        if m.user_id in seen:
            raise DomainError("同一账号在一个单位只能担任一种职责", field="user_id")
        seen.add(m.user_id)
    await repository.delete_managers(db, unit_id)
    assert p.tenant_id is not None
    for m in managers:
        db.add(
            UnitManager(tenant_id=p.tenant_id, org_unit_id=unit_id, user_id=m.user_id, duty=m.duty)
        )
    await db.flush()


async def add_manager(db: AsyncSession, p: Principal, unit_id: int, m: ManagerIn) -> None:
    unit = await get_unit(db, unit_id)
    await require_unit_editor(db, p, unit)
    _check_duty(m.duty)
    await _check_account(db, m.user_id)
    existing = await repository.get_manager(db, unit_id, m.user_id)
    if existing is not None:
        existing.duty = m.duty
        db.add(existing)
    else:
        assert p.tenant_id is not None
        db.add(
            UnitManager(tenant_id=p.tenant_id, org_unit_id=unit_id, user_id=m.user_id, duty=m.duty)
        )
    await db.flush()


async def remove_manager(db: AsyncSession, p: Principal, unit_id: int, user_id: int) -> None:
    unit = await get_unit(db, unit_id)
    await require_unit_editor(db, p, unit)
    if not await repository.delete_manager(db, unit_id, user_id):
        raise NotFound("该账号不是此单位的负责人")


# --- people ---------------------------------------------------------------------------------


async def get_staff(db: AsyncSession, staff_id: int) -> Staff:
    person = await repository.get_staff(db, staff_id)
    if person is None:
        raise NotFound("该人员不存在或您无权查看")
    return person


async def _staff_unit(db: AsyncSession, p: Principal, unit_id: int) -> OrgUnit:
    unit = await repository.get_unit(db, unit_id)
    if unit is None:
        raise DomainError("所选岗位/单位不存在", field="org_unit_id")
    if not await access.can_manage(db, p, unit_id):
        raise Forbidden(f"您不是“{unit.name}”（或其上级单位）的负责人，不能管理其人员")
    return unit


async def _staff_account(db: AsyncSession, user_id: int | None, staff_id: int | None) -> None:
    if user_id is None:
        return
    await _check_account(db, user_id)
    other = await repository.staff_of_user(db, user_id)
    if other is not None and other.id != staff_id:
        raise Conflict(f"该账号已关联人员“{other.name}”", field="user_id")


def _phone(value: str | None) -> str:
    v = _text(value, "电话", "phone", PHONE_MAX, required=False)
    if not PHONE.fullmatch(v):
        raise DomainError("电话只能包含数字、空格、+ 和 -", field="phone")
    return v


async def create_staff(db: AsyncSession, p: Principal, data: StaffCreate) -> Staff:
    name = _text(data.name, "姓名", "name", STAFF_NAME_MAX, required=True)
    job_title = _text(data.job_title, "职务/工种", "job_title", JOB_TITLE_MAX, required=False)
    phone = _phone(data.phone)
    await _staff_unit(db, p, data.org_unit_id)
    await _staff_account(db, data.user_id, None)
    assert p.tenant_id is not None
    person = Staff(
        tenant_id=p.tenant_id,
        name=name,
        org_unit_id=data.org_unit_id,
        user_id=data.user_id,
        job_title=job_title,
        phone=phone,
    )
    db.add(person)
    await db.flush()
    await db.refresh(person)
    return person


async def update_staff(db: AsyncSession, p: Principal, staff_id: int, data: StaffUpdate) -> Staff:
    person = await get_staff(db, staff_id)
    await _staff_unit(db, p, person.org_unit_id)
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes:
        person.name = _text(changes["name"], "姓名", "name", STAFF_NAME_MAX, required=True)
    if "job_title" in changes:
        person.job_title = _text(
            changes["job_title"], "职务/工种", "job_title", JOB_TITLE_MAX, required=False
        )
    if "phone" in changes:
        person.phone = _phone(changes["phone"])
    if changes.get("org_unit_id") is not None and changes["org_unit_id"] != person.org_unit_id:
        await _staff_unit(db, p, changes["org_unit_id"])
        person.org_unit_id = changes["org_unit_id"]
    if "user_id" in changes:
        await _staff_account(db, changes["user_id"], person.id)
        person.user_id = changes["user_id"]
    if changes.get("active") is not None:
        person.active = bool(changes["active"])
    db.add(person)
    await db.flush()
    await db.refresh(person)
    return person


# --- responsibility documents ---------------------------------------------------------------


async def add_document(
    db: AsyncSession,
    p: Principal,
    unit_id: int,
    title: str,
    *,
    data: bytes | None = None,
    filename: str = "",
    attachment_id: int | None = None,
) -> ResponsibilityDocument:
    """A responsibility document 安全生产责任书/岗位责任制 of a unit: a new upload (stored
    through the attachments service) or an already uploaded document of the tenant."""
    from anwang.platform.attachments import service as attachments

    unit = await get_unit(db, unit_id)
    if not await access.can_manage(db, p, unit_id):
        raise Forbidden(f"您不是“{unit.name}”（或其上级单位）的负责人，不能上传其责任文件")
    if not (title or "").strip():
        title = (filename.rsplit(".", 1)[0] if filename else "").strip()[:TITLE_MAX]
    title = _text(title, "文件标题", "title", TITLE_MAX, required=True)
    if data:
        stored = await attachments.store_document(db, p, data, filename or "document")
        attachment_id = stored.id
    elif attachment_id is not None:
        found = await repository.get_attachment(db, attachment_id)
        if found is None or found.kind != "document":
            raise DomainError("所选文件不存在，请重新上传", field="file")
        if found.subject_table is not None:
            raise DomainError("该文件已用于其他记录，请重新上传", field="file")
    else:
        raise DomainError("请选择要上传的文件", field="file")
    assert p.tenant_id is not None and attachment_id is not None
    doc = ResponsibilityDocument(
        tenant_id=p.tenant_id,
        org_unit_id=unit_id,
        title=title,
        attachment_id=attachment_id,
        uploaded_by=p.user_id,
    )
    db.add(doc)
    await db.flush()
    await db.refresh(doc)
    assert doc.id is not None
    await attachments.attach(db, [attachment_id], "responsibility_document", doc.id, "document")
    return doc


async def get_document(db: AsyncSession, document_id: int) -> ResponsibilityDocument:
    doc = await repository.get_document(db, document_id)
    if doc is None:
        raise NotFound("该责任文件不存在或您无权查看")
    return doc


async def delete_document(db: AsyncSession, p: Principal, document_id: int) -> None:
    """Removes the document from the unit; the stored file stays in the tenant's records."""
    doc = await get_document(db, document_id)
    unit = await get_unit(db, doc.org_unit_id)
    if not await access.can_manage(db, p, doc.org_unit_id):
        raise Forbidden(f"您不是“{unit.name}”（或其上级单位）的负责人，不能删除其责任文件")
    await db.delete(doc)
    await db.flush()
