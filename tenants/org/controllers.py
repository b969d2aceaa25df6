"""HTTP API of the org tree (units, managers, people, responsibility documents); the page
`/enterprise/org` lives in `pages.py`. Handlers are thin: the service holds the rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, delete, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.attachments.models import Attachment
from anwang.platform.errors import NotFound
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db
from anwang.platform.web.shells import Req
from anwang.tenants.org import accounts, repository, service
from anwang.tenants.org.models import OrgUnit, ResponsibilityDocument, Staff
from anwang.tenants.org.pages import page_routes
from anwang.tenants.org.schemas import (
    AccountOpen,
    AccountOpened,
    DocumentRead,
    ManagerIn,
    ManagerRead,
    OrgUnitCreate,
    OrgUnitNode,
    OrgUnitRead,
    OrgUnitUpdate,
    StaffCreate,
    StaffRead,
    StaffUpdate,
    UnitFigures,
)

ENTERPRISE = require("enterprise")


def unit_read(node: repository.TreeNode, figures: dict[str, int] | None = None) -> OrgUnitRead:
    u = node.unit
    return OrgUnitRead(
        id=int(u.id or 0),
        parent_id=u.parent_id,
        name=u.name,
        kind=u.kind,
        path=str(u.path),
        depth=node.depth,
        label=node.label,
        is_safety_department=u.is_safety_department,
        sort=u.sort,
        figures=UnitFigures(**figures) if figures is not None else None,
    )


def _nested(node: repository.TreeNode, figures: dict[int, dict[str, int]] | None) -> OrgUnitNode:
    flat = unit_read(node, figures.get(int(node.unit.id or 0)) if figures else None)
    return OrgUnitNode(
        **flat.model_dump(exclude={"figures"}),
        figures=flat.figures,
        children=[_nested(c, figures) for c in node.children],
    )


async def _node(db: AsyncSession, unit_id: int) -> repository.TreeNode:
    await service.get_unit(db, unit_id)
    return next(n for n in await repository.tree(db) if n.unit.id == unit_id)


def staff_read(person: Staff, unit: OrgUnit) -> StaffRead:
    return StaffRead(
        id=int(person.id or 0),
        name=person.name,
        org_unit_id=person.org_unit_id,
        org_unit_name=unit.name,
        user_id=person.user_id,
        job_title=person.job_title,
        phone=person.phone,
        active=person.active,
        created_at=person.created_at,
    )


def document_read(doc: ResponsibilityDocument, att: Attachment | None) -> DocumentRead:
    return DocumentRead(
        id=int(doc.id or 0),
        org_unit_id=doc.org_unit_id,
        title=doc.title,
        attachment_id=doc.attachment_id,
        original_name=att.original_name if att else "",
        content_type=att.content_type if att else "",
        bytes=att.bytes if att else 0,
        uploaded_by=doc.uploaded_by,
        uploaded_at=doc.uploaded_at,
        url=f"/attachments/{doc.attachment_id}",
        content_url=f"/api/v1/attachments/{doc.attachment_id}/content",
    )


async def _managers(db: AsyncSession, unit_id: int) -> list[ManagerRead]:
    return [
        ManagerRead(
            user_id=m.user_id, duty=m.duty, display_name=u.display_name, username=u.username
        )
        for m, u in await repository.managers_of(db, unit_id)
    ]


@dataclass
class DocumentUpload:
    """A responsibility document: a file, or the id of a document uploaded before."""

    file: UploadFile | None = None
    title: str = ""
    attachment_id: int | None = None


class OrgUnitController(Controller):
    path = "/api/v1/org-units"
    tags = ["org"]
    guards = [ENTERPRISE]

    @get("/")
    async def list_units(
        self, request: Req, db: Db, figures: FromQuery[bool] = False
    ) -> list[OrgUnitRead]:
        """The whole tree, flat in tree order, each unit with its parent id, depth and path
        label; with `figures=true` each carries its subtree's numbers. The company root is
        created on first use."""
        await service.ensure_root(db, request.user)
        nodes = await repository.tree(db)
        numbers = await repository.subtree_figures(db) if figures else {}
        return [unit_read(n, numbers.get(int(n.unit.id or 0)) if figures else None) for n in nodes]

    @get("/tree")
    async def nested_tree(
        self, request: Req, db: Db, figures: FromQuery[bool] = False
    ) -> list[OrgUnitNode]:
        """The same tree nested: the company with its children, and theirs."""
        await service.ensure_root(db, request.user)
        nodes = await repository.tree(db)
        numbers = await repository.subtree_figures(db) if figures else None
        return [_nested(n, numbers) for n in nodes if n.depth == 0]

    @get("/{unit_id:int}")
    async def get_unit(self, db: Db, unit_id: FromPath[int]) -> OrgUnitRead:
        """One unit with its subtree's numbers."""
        node = await _node(db, unit_id)
        numbers = await repository.subtree_figures(db, unit_id)
        return unit_read(node, numbers.get(unit_id, {}))

    @post("/")
    async def create_unit(self, request: Req, db: Db, data: JSONBody[OrgUnitCreate]) -> OrgUnitRead:
        await service.ensure_root(db, request.user)
        unit = await service.create_unit(db, request.user, data)
        return unit_read(await _node(db, int(unit.id or 0)))

    @patch("/{unit_id:int}")
    async def update_unit(
        self, request: Req, db: Db, unit_id: FromPath[int], data: JSONBody[OrgUnitUpdate]
    ) -> OrgUnitRead:
        """Rename, move (`parent_id`), change the kind, mark the safety department."""
        await service.update_unit(db, request.user, unit_id, data)
        return unit_read(await _node(db, unit_id))

    @delete("/{unit_id:int}")
    async def delete_unit(self, request: Req, db: Db, unit_id: FromPath[int]) -> None:
        """Only an empty unit: the refusal names what is still in it."""
        await service.delete_unit(db, request.user, unit_id)

    @get("/{unit_id:int}/managers")
    async def list_managers(self, db: Db, unit_id: FromPath[int]) -> list[ManagerRead]:
        await service.get_unit(db, unit_id)
        return await _managers(db, unit_id)

    @put("/{unit_id:int}/managers")
    async def replace_managers(
        self, request: Req, db: Db, unit_id: FromPath[int], data: JSONBody[list[ManagerIn]]
    ) -> list[ManagerRead]:
        """Replace the unit's managers (head 负责人, deputy 分管负责人, safety officer 安全员)."""
        await service.set_managers(db, request.user, unit_id, data)
        return await _managers(db, unit_id)

    @get("/{unit_id:int}/documents")
    async def list_documents(self, db: Db, unit_id: FromPath[int]) -> list[DocumentRead]:
        await service.get_unit(db, unit_id)
        return [document_read(d, a) for d, a in await repository.documents_of(db, unit_id)]

    @post("/{unit_id:int}/documents")
    async def upload_document(
        self,
        request: Req,
        db: Db,
        unit_id: FromPath[int],
        data: Annotated[DocumentUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> DocumentRead:
        """Multipart: `file` (PDF, DOCX, XLSX, JPEG or PNG) or `attachment_id` of a document
        uploaded before, and `title` (the file name when empty)."""
        content = await data.file.read() if data.file is not None else None
        doc = await service.add_document(
            db,
            request.user,
            unit_id,
            data.title,
            data=content,
            filename=data.file.filename if data.file is not None else "",
            attachment_id=data.attachment_id,
        )
        return document_read(doc, await repository.get_attachment(db, doc.attachment_id))

    @delete("/{unit_id:int}/documents/{document_id:int}")
    async def delete_document(
        self, request: Req, db: Db, unit_id: FromPath[int], document_id: FromPath[int]
    ) -> None:
        doc = await service.get_document(db, document_id)
        if doc.org_unit_id != unit_id:
            await service.get_unit(db, unit_id)
            raise NotFound("该单位没有这份责任文件")
        await service.delete_document(db, request.user, document_id)


class StaffController(Controller):
    path = "/api/v1/staff"
    tags = ["org"]
    guards = [ENTERPRISE]

    @get("/")
    async def list_staff(
        self,
        db: Db,
        org_unit_id: FromQuery[int | None] = None,
        subtree: FromQuery[bool] = False,
        active: FromQuery[bool | None] = None,
    ) -> list[StaffRead]:
        """The people of a unit (with `subtree=true`, of everything below it too), or of the
        whole enterprise without `org_unit_id`; `active` filters."""
        if org_unit_id is not None:
            await service.get_unit(db, org_unit_id)
        rows = await repository.staff_in(db, org_unit_id, subtree=subtree)
        return [staff_read(s, u) for s, u in rows if active is None or s.active == active]

    @get("/{staff_id:int}")
    async def get_staff(self, db: Db, staff_id: FromPath[int]) -> StaffRead:
        person = await service.get_staff(db, staff_id)
        return staff_read(person, await service.get_unit(db, person.org_unit_id))

    @post("/")
    async def create_staff(self, request: Req, db: Db, data: JSONBody[StaffCreate]) -> StaffRead:
        person = await service.create_staff(db, request.user, data)
        return staff_read(person, await service.get_unit(db, person.org_unit_id))

    @patch("/{staff_id:int}")
    async def update_staff(
        self, request: Req, db: Db, staff_id: FromPath[int], data: JSONBody[StaffUpdate]
    ) -> StaffRead:
        """Edit, move to another post, link an account, or deactivate (`active: false`)."""
        person = await service.update_staff(db, request.user, staff_id, data)
        return staff_read(person, await service.get_unit(db, person.org_unit_id))

    @post("/{staff_id:int}/account")
    async def open_account(
        self, request: Req, db: Db, staff_id: FromPath[int], data: JSONBody[AccountOpen]
    ) -> AccountOpened:
        """Open a login account for this person (boss, safety manager or admin only)."""
        user_id = await accounts.open_account(
            db,
            request.user,
            staff_id,
            username=data.username,
            password=data.password,
            role=data.role,
        )
        return AccountOpened(
            staff_id=staff_id, user_id=user_id, username=data.username.strip(), role=data.role
        )


routes: list[Any] = [OrgUnitController, StaffController, *page_routes]
