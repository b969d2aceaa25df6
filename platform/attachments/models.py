"""The attachment table: one stored file of a tenant."""

from __future__ import annotations

from datetime import datetime

from anwang.platform.tenancy import TenantRow, server_default


class Attachment(TenantRow, table=True):
    """A photo or a document; `subject_*` says what it belongs to once attached."""

    __tablename__ = "attachment"
    kind: str  # photo | document
    storage_key: str
    content_type: str
    bytes: int
    sha256: str
    original_name: str = ""
    width: int | None = None
    height: int | None = None
    taken_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    subject_table: str | None = None
    subject_id: int | None = None
    subject_role: str | None = None  # e.g. before | after | evidence | document
    uploaded_by: int | None = None
    uploaded_at: datetime | None = server_default()
