"""Rules of stored files: what is accepted, how it is cleaned, where it goes, who it belongs to.

Other domains call `store_photo` / `store_document` with the bytes of an upload, then `attach`
the returned ids to their own row (a hazard, a check, an org unit) inside the same transaction.
Flushes, never commits. Image work runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import partial

from anyio import to_thread
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.attachments import documents, images, repository
from anwang.platform.attachments.models import Attachment
from anwang.platform.attachments.storage import StoredFileMissing, get_storage
from anwang.platform.errors import DomainError, Forbidden, NotFound
from anwang.platform.principal import Principal
from anwang.platform.registry.models import Enterprise
from anwang.platform.settings import get_settings

logger = logging.getLogger(__name__)

# The per-file limit, for forms to show ("不超过 10 MB") and for the upload routes.
MAX_UPLOAD_BYTES: int = get_settings().upload_max_bytes

_STORED = "anwang.attachments.stored_keys"
_SUBJECT = re.compile(r"[a-z][a-z0-9_]{0,62}")


class TooLarge(DomainError):
    status_code = 413


def size_label(n: int = MAX_UPLOAD_BYTES) -> str:
    mib = n / (1024 * 1024)
    return f"{mib:.0f} MB" if mib >= 1 else f"{n // 1024} KB"


def check_size(size: int, what: str = "文件") -> None:
    """Refuse an upload by its size alone (also used by the routes before reading a body)."""
    if size > MAX_UPLOAD_BYTES:
        raise TooLarge(f"{what}不能超过 {size_label()}", field="file")
    if size == 0:
        raise DomainError(f"{what}是空的，请重新选择", field="file")


async def store_photo(
    db: AsyncSession,
    principal: Principal,
    data: bytes,
    filename: str,
    *,
    for_tenant: int | None = None,
) -> Attachment:
    """A photo (JPEG, PNG or WebP by content), upright, at most 2560 px on its long side,
    re-encoded as JPEG without any metadata; its EXIF time and GPS go into the row.

    An enterprise user stores into their own tenant. A government or sector officer stores a
    photo of their findings FOR an enterprise of their scope (`for_tenant`); one outside it
    answers NotFound, as the row policies would refuse it anyway."""
    if principal.kind in ("gov", "sector"):
        tenant_id = await _tenant_in_scope(db, principal, for_tenant)
    else:
        tenant_id = _tenant(principal)
    check_size(len(data), "照片")
    max_pixels = get_settings().photo_max_pixels
    photo = await to_thread.run_sync(partial(images.process, data, max_pixels=max_pixels))
    return await _store(
        db,
        principal,
        tenant_id,
        kind="photo",
        data=photo.data,
        content_type=photo.content_type,
        filename=filename,
        width=photo.width,
        height=photo.height,
        taken_at=photo.taken_at,
        lat=photo.lat,
        lon=photo.lon,
    )


async def store_document(
    db: AsyncSession, principal: Principal, data: bytes, filename: str
) -> Attachment:
    """A PDF, Word (.docx) or Excel (.xlsx) file kept as it is, or a JPEG/PNG scan, which is
    cleaned like a photo (orientation applied, metadata stripped; a PNG stays PNG)."""
    tenant_id = _tenant(principal)
    check_size(len(data))
    content_type = documents.sniff(data)
    if content_type is None:
        raise DomainError(documents.NOT_A_DOCUMENT, field="file")
    if content_type in (documents.JPEG, documents.PNG):
        max_pixels = get_settings().photo_max_pixels
        output = "PNG" if content_type == documents.PNG else "JPEG"
        scan = await to_thread.run_sync(
            partial(images.process, data, max_pixels=max_pixels, output=output)
        )
        return await _store(
            db,
            principal,
            tenant_id,
            kind="document",
            data=scan.data,
            content_type=scan.content_type,
            filename=filename,
            width=scan.width,
            height=scan.height,
            taken_at=scan.taken_at,
            lat=scan.lat,
            lon=scan.lon,
        )
    return await _store(
        db, principal, tenant_id, kind="document", data=data, content_type=content_type,
        filename=filename,
    )  # fmt: skip


async def attach(
    db: AsyncSession, ids: Iterable[int], subject_table: str, subject_id: int, role: str
) -> list[Attachment]:
    """Link uploads of this tenant that belong to nothing yet to a subject, e.g.
    `attach(db, [3, 4], "hazard", 12, "before")`. All or nothing: an id that is unknown,
    another tenant's or already attached refuses the whole call, and nothing is linked."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    if not _SUBJECT.fullmatch(subject_table) or not _SUBJECT.fullmatch(role):
        raise ValueError(f"bad subject {subject_table!r} / role {role!r}")
    free = await repository.lock_unattached(db, wanted)
    if sorted(free) != wanted:
        raise DomainError("部分照片或附件不存在或已被使用，请重新上传", field="photo_ids")
    await repository.link(db, wanted, subject_table, subject_id, role)
    return await list_for(db, subject_table, subject_id)


async def list_for(db: AsyncSession, subject_table: str, subject_id: int) -> list[Attachment]:
    """The attachments of one subject, in upload order."""
    return await repository.list_for(db, subject_table, subject_id)


async def get(db: AsyncSession, attachment_id: int) -> Attachment:
    attachment = await repository.get(db, attachment_id)
    if attachment is None:
        # Also the answer for another tenant's id: its existence is not disclosed.
        raise NotFound("附件不存在或您无权查看")
    return attachment


async def content(db: AsyncSession, attachment_id: int) -> tuple[Attachment, bytes]:
    """The row (visible to the caller, else NotFound) and its stored bytes."""
    attachment = await get(db, attachment_id)
    return attachment, await _read(attachment.storage_key)


async def thumbnail(db: AsyncSession, attachment_id: int) -> bytes:
    """A JPEG of at most 320 px, made on first request and kept beside the original."""
    attachment = await get(db, attachment_id)
    if not attachment.content_type.startswith("image/"):
        raise NotFound("该附件不是图片，没有缩略图")
    storage = get_storage()
    key = f"{attachment.storage_key}.thumb.jpg"
    try:
        return await to_thread.run_sync(storage.get, key)
    except StoredFileMissing:
        pass
    original = await _read(attachment.storage_key)
    small = await to_thread.run_sync(images.thumbnail, original)
    await to_thread.run_sync(storage.put, key, small, "image/jpeg")
    return small


async def _read(key: str) -> bytes:
    try:
        return await to_thread.run_sync(get_storage().get, key)
    except StoredFileMissing as e:
        logger.error("attachment file missing from storage: %s", key)
        raise NotFound("文件已不存在，请联系管理员") from e


def _tenant(principal: Principal) -> int:
    if principal.kind != "enterprise" or principal.tenant_id is None:
        raise Forbidden("只有企业用户可以上传文件")
    return principal.tenant_id


async def _tenant_in_scope(db: AsyncSession, principal: Principal, tenant_id: int | None) -> int:
    if tenant_id is None or principal.user_id is None:
        raise Forbidden("请先选择照片所属的企业")
    # Row-level security answers: an enterprise outside the officer's scope is not visible.
    visible = await db.exec(select(Enterprise.id).where(Enterprise.id == tenant_id))
    if visible.first() is None:
        raise NotFound("企业不存在或不在您的监管范围内")
    return tenant_id


def _clean_name(filename: str) -> str:
    """The user's file name, for display only: no directories, no control characters."""
    name = re.split(r"[/\\]", filename or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200]


async def _store(
    db: AsyncSession,
    principal: Principal,
    tenant_id: int,
    *,
    kind: str,
    data: bytes,
    content_type: str,
    filename: str,
    **metadata: object,
) -> Attachment:
    # Random, unguessable, and never the user's file name; the tenant and month only help
    # people operating the store.
    month = datetime.now(UTC).strftime("%Y%m")
    ext = documents.EXTENSIONS.get(content_type, "bin")
    key = f"t{tenant_id}/{month}/{secrets.token_hex(16)}.{ext}"
    storage = get_storage()
    await to_thread.run_sync(storage.put, key, data, content_type)
    _remember(db, key)
    attachment = Attachment(
        tenant_id=tenant_id,
        kind=kind,
        storage_key=key,
        content_type=content_type,
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        original_name=_clean_name(filename),
        uploaded_by=principal.user_id,
        **metadata,  # type: ignore[arg-type]
    )
    return await repository.add(db, attachment)


# A file is written before its row; if the transaction then rolls back, the file would be an
# orphan. The keys written in a transaction are kept on the session and deleted on rollback.


def _remember(db: AsyncSession, key: str) -> None:
    db.sync_session.info.setdefault(_STORED, []).append(key)


@event.listens_for(Session, "after_commit")
def _forget_stored(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_STORED, None)


@event.listens_for(Session, "after_transaction_end")
def _delete_stored(session: Session, transaction: SessionTransaction) -> None:
    # A root transaction that ends with keys still listed was rolled back or closed without a
    # commit (a commit clears the list first, in after_commit).
    if transaction.parent is not None or _STORED not in session.info:
        return
    storage = get_storage()
    for key in session.info.pop(_STORED):
        try:
            storage.delete(key)
            storage.delete(f"{key}.thumb.jpg")
        except Exception:
            logger.exception("could not delete the file of a rolled-back upload: %s", key)
