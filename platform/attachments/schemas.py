"""API shapes of attachments."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, computed_field


class AttachmentRead(BaseModel):
    id: int
    kind: str
    content_type: str
    bytes: int
    sha256: str
    original_name: str
    width: int | None
    height: int | None
    taken_at: datetime | None
    lat: float | None
    lon: float | None
    subject_table: str | None
    subject_id: int | None
    subject_role: str | None
    uploaded_at: datetime | None

    model_config = {"from_attributes": True}

    @computed_field  # type: ignore[prop-decorator]
    @property
    def content_url(self) -> str:
        """The bytes, for API clients (bearer token)."""
        return f"/api/v1/attachments/{self.id}/content"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def page_url(self) -> str:
        """The bytes, for pages (session cookie)."""
        return f"/attachments/{self.id}"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def thumb_url(self) -> str | None:
        """A small JPEG for pages, for images only."""
        return f"/attachments/{self.id}/thumb" if self.content_type.startswith("image/") else None
