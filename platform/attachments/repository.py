"""Every query of attachments. RLS decides whose rows are visible; nothing here repeats it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.attachments.models import Attachment


async def get(db: AsyncSession, attachment_id: int) -> Attachment | None:
    # Not db.get(): the primary key is (tenant_id, id) and a government reader has no tenant.
    rows = await db.exec(select(Attachment).where(Attachment.id == attachment_id))
    return rows.first()


async def add(db: AsyncSession, attachment: Attachment) -> Attachment:
    db.add(attachment)
    await db.flush()
    await db.refresh(attachment)
    return attachment


async def lock_unattached(db: AsyncSession, ids: Sequence[int]) -> list[int]:
    """Those of `ids` that are visible and belong to nothing yet, locked until the commit."""
    rows = await db.exec(
        select(Attachment.id)
        .where(col(Attachment.id).in_(ids), col(Attachment.subject_table).is_(None))
        .with_for_update()
    )
    return [i for i in rows if i is not None]


async def link(
    db: AsyncSession, ids: Sequence[int], subject_table: str, subject_id: int, role: str
) -> None:
    await db.exec(
        update(Attachment)
        .where(col(Attachment.id).in_(ids))
        .values(subject_table=subject_table, subject_id=subject_id, subject_role=role)
    )


async def list_for(db: AsyncSession, subject_table: str, subject_id: int) -> list[Attachment]:
    rows = await db.exec(
        select(Attachment)
        .where(Attachment.subject_table == subject_table, Attachment.subject_id == subject_id)
        .order_by(col(Attachment.id))
    )
    return list(rows)
