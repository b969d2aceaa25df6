"""Uploading and serving stored files: the API (bearer) and the page routes (cookie) that
`<img>` tags and download links use. Thin: the service decides what is accepted and visible."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.exceptions import ClientException
from litestar.params import FromPath
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE

from anwang.platform.attachments import documents, service
from anwang.platform.attachments.models import Attachment
from anwang.platform.attachments.schemas import AttachmentRead
from anwang.platform.errors import DomainError
from anwang.platform.principal import Principal
from anwang.platform.web.auth import require
from anwang.platform.web.deps import Db

# Room for the multipart framing around the one file; the file itself is checked exactly.
# Other domains' upload forms may use it as their route's `request_max_body_size`.
UPLOAD_BODY_LIMIT = service.MAX_UPLOAD_BYTES + 64 * 1024
_BODY_LIMIT = UPLOAD_BODY_LIMIT
_INLINE = ("image/", documents.PDF)
_CACHE = "private, max-age=86400"
READERS = require("enterprise", "gov", "sector")

Upload = Request[Principal, str, State]


async def _read_upload(request: Upload, what: str) -> tuple[bytes, str]:
    """The `file` field of a multipart body, refused with a Chinese message when too large:
    by its Content-Length before anything is read, else while it streams in."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > _BODY_LIMIT:
        service.check_size(int(length), what)
    try:
        form = await request.form()
    except ClientException as e:
        if e.status_code == HTTP_413_REQUEST_ENTITY_TOO_LARGE:
            service.check_size(_BODY_LIMIT + 1, what)
        raise DomainError("上传内容格式不正确，请用表单字段 file 上传文件", field="file") from e
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise DomainError("请选择要上传的文件", field="file")
    return await read_upload_file(upload, what), upload.filename or ""


async def read_upload_file(upload: UploadFile, what: str = "照片") -> bytes:
    """The bytes of one uploaded file, read no further than the limit allows (for other
    domains' form handlers too); refused with TooLarge (413) or as empty."""
    try:
        data = await upload.read(service.MAX_UPLOAD_BYTES + 1)
    finally:
        await upload.close()
    service.check_size(len(data), what)
    return data


@post(
    "/api/v1/attachments/photos",
    guards=[require("enterprise")],
    request_max_body_size=_BODY_LIMIT,
    tags=["attachments"],
)
async def upload_photo(request: Upload, db: Db) -> AttachmentRead:
    """Upload a photo (multipart/form-data, field `file`; JPEG, PNG or WebP, checked by
    content). It is stored upright and re-encoded as JPEG without metadata; the EXIF time
    and GPS position are returned as `taken_at`, `lat`, `lon`."""
    data, filename = await _read_upload(request, "照片")
    attachment = await service.store_photo(db, request.user, data, filename)
    return AttachmentRead.model_validate(attachment)


@post(
    "/api/v1/attachments/documents",
    guards=[require("enterprise")],
    request_max_body_size=_BODY_LIMIT,
    tags=["attachments"],
)
async def upload_document(request: Upload, db: Db) -> AttachmentRead:
    """Upload a document (multipart/form-data, field `file`): PDF, Word .docx, Excel .xlsx,
    or a JPEG/PNG scan, recognised by content."""
    data, filename = await _read_upload(request, "文件")
    attachment = await service.store_document(db, request.user, data, filename)
    return AttachmentRead.model_validate(attachment)


@get("/api/v1/attachments/{attachment_id:int}", guards=[READERS], tags=["attachments"])
async def attachment_metadata(db: Db, attachment_id: FromPath[int]) -> AttachmentRead:
    """What is known about a stored file (404 when it is not visible to the caller)."""
    return AttachmentRead.model_validate(await service.get(db, attachment_id))


@get(
    "/api/v1/attachments/{attachment_id:int}/content",
    guards=[READERS],
    tags=["attachments"],
    media_type="application/octet-stream",
)
async def attachment_content(db: Db, attachment_id: FromPath[int]) -> Response[bytes]:
    """The stored bytes, with their content type."""
    attachment, data = await service.content(db, attachment_id)
    return _file_response(attachment, data)


@get("/attachments/{attachment_id:int}", guards=[READERS], include_in_schema=False)
async def attachment_page(db: Db, attachment_id: FromPath[int]) -> Response[bytes]:
    """The stored bytes for pages (`<img src>`, links), by session cookie."""
    attachment, data = await service.content(db, attachment_id)
    return _file_response(attachment, data)


@get("/attachments/{attachment_id:int}/thumb", guards=[READERS], include_in_schema=False)
async def attachment_thumb(db: Db, attachment_id: FromPath[int]) -> Response[bytes]:
    """A JPEG of at most 320 px for lists and timelines."""
    data = await service.thumbnail(db, attachment_id)
    return Response(
        data,
        media_type="image/jpeg",
        headers={"Cache-Control": _CACHE, "X-Content-Type-Options": "nosniff"},
    )


def _file_response(attachment: Attachment, data: bytes) -> Response[bytes]:
    inline = attachment.content_type.startswith(_INLINE)
    ext = documents.EXTENSIONS.get(attachment.content_type, "bin")
    ascii_name = f"attachment-{attachment.id}.{ext}"
    # The user's name, with the extension of what is actually stored (a PNG photo is a JPEG now).
    stem = PurePath(attachment.original_name).stem if attachment.original_name else ""
    name = f"{stem}.{ext}" if stem else ascii_name
    disposition = "inline" if inline else "attachment"
    headers: dict[str, Any] = {
        "Content-Disposition": (
            f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": _CACHE,
        "ETag": f'"{attachment.sha256}"',
    }
    return Response(data, media_type=attachment.content_type, headers=headers)


routes: list[Any] = [
    upload_photo,
    upload_document,
    attachment_metadata,
    attachment_content,
    attachment_page,
    attachment_thumb,
]
