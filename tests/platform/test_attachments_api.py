"""Attachments through the HTTP app: uploads with bearer tokens, refusals with Chinese messages,
the bytes for the API and for pages, and other tenants answered with 404."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from PIL import Image

from anwang.platform.attachments import service
from tests.api import page_login, token
from tests.conftest import own_storage
from tests.platform import attachment_samples as samples
from tests.tenants.factories import committed, make_user, other_tenant, tenant_of

PHOTOS = "/api/v1/attachments/photos"
DOCUMENTS = "/api/v1/attachments/documents"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("api-files")
    with own_storage(f"file://{root}"):
        yield root


@pytest.fixture(scope="module")
def client(owner_url: str, files: Path) -> Iterator[TestClient]:
    from anwang.platform.web.app import create_app

    with TestClient(create_app()) as c:
        yield c


@pytest.fixture(scope="module")
def stranger(owner_url: str) -> str:
    """The boss of another enterprise than the demo one."""
    with committed(owner_url) as conn:
        return make_user(conn, other_tenant(conn, tenant_of(conn, "boss")), role="boss")


def page_client(owner_url: str, username: str) -> TestClient:
    """A separate client logged in to the pages with a session cookie."""
    from anwang.platform.web.app import create_app

    c = TestClient(create_app())
    c.__enter__()
    page_login(c, username)
    return c


def upload(client: TestClient, path: str, data: bytes, name: str, headers: dict[str, str]) -> Any:
    return client.post(
        path, files={"file": (name, data, "application/octet-stream")}, headers=headers
    )


def test_photo_upload_returns_what_was_read_and_serves_a_clean_upright_jpeg(
    client: TestClient, files: Path
) -> None:
    h = token(client, "worker")
    r = upload(client, PHOTOS, samples.photo_with_exif(size=(400, 300)), "现场照片.jpg", h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["kind"] == "photo" and body["content_type"] == "image/jpeg"
    assert (body["width"], body["height"]) == (300, 400)
    taken = datetime.fromisoformat(body["taken_at"].replace("Z", "+00:00"))
    assert taken == datetime(2026, 5, 1, 10, 20, 30, tzinfo=timezone(timedelta(hours=8)))
    assert body["lat"] == pytest.approx(31.46) and body["lon"] == pytest.approx(121.1)
    assert body["content_url"] == f"/api/v1/attachments/{body['id']}/content"
    assert body["thumb_url"] == f"/attachments/{body['id']}/thumb"

    meta = client.get(f"/api/v1/attachments/{body['id']}", headers=h)
    assert meta.status_code == 200 and meta.json()["sha256"] == body["sha256"]
    content = client.get(body["content_url"], headers=h)
    assert content.status_code == 200
    assert content.headers["content-type"] == "image/jpeg"
    assert content.headers["x-content-type-options"] == "nosniff"
    assert hashlib.sha256(content.content).hexdigest() == body["sha256"]
    assert len(content.content) == body["bytes"]
    assert not samples.has_exif(content.content)
    with Image.open(io.BytesIO(content.content)) as im:
        assert im.size == (300, 400)
    # The stored file's name is random: nothing of the upload's name.
    stored = [p.name for p in files.rglob("*") if p.is_file()]
    assert stored and not any("现场" in n for n in stored)


def test_fake_image_and_pixel_bomb_are_refused_in_chinese(client: TestClient) -> None:
    h = token(client, "worker")
    r = upload(client, PHOTOS, samples.fake_image(), "photo.jpg", h)
    assert r.status_code == 400
    assert r.json() == {"detail": "文件不是有效的图片（支持 JPEG、PNG、WebP）", "field": "file"}
    r = upload(client, PHOTOS, samples.png_bomb(30000, 30000), "bomb.png", h)
    assert r.status_code == 400
    assert r.json()["detail"] == "图片像素过大（超过 4000 万像素），请压缩后再上传"


def test_oversize_bodies_are_refused_with_413(client: TestClient) -> None:
    h = token(client, "worker")
    big = samples.photo_with_exif() + b"\0" * (service.MAX_UPLOAD_BYTES + 100 * 1024)
    # Announced by Content-Length: refused before the body is read.
    r = upload(client, PHOTOS, big, "big.jpg", h)
    assert r.status_code == 413 and r.json()["detail"] == "照片不能超过 10 MB"
    # Just over the limit, inside the multipart allowance: refused by the file's own size.
    slightly = samples.photo_with_exif() + b"\0" * service.MAX_UPLOAD_BYTES
    r = upload(client, DOCUMENTS, slightly, "big.pdf", h)
    assert r.status_code == 413 and r.json()["detail"] == "文件不能超过 10 MB"
    # Streamed without a Content-Length: refused once the bytes pass the limit.
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="s.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()

    def chunks() -> Iterator[bytes]:
        yield head
        for _ in range(11):
            yield b"\0" * (1024 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    r = client.post(
        PHOTOS,
        content=chunks(),
        headers={**h, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert r.status_code == 413 and r.json()["detail"] == "照片不能超过 10 MB"


def test_missing_file_field_is_a_clear_error(client: TestClient) -> None:
    h = token(client, "worker")
    r = client.post(
        PHOTOS, files={"photo": ("a.jpg", samples.photo_with_exif(), "image/jpeg")}, headers=h
    )
    assert r.status_code == 400 and r.json()["detail"] == "请选择要上传的文件"


def test_documents_by_content(client: TestClient) -> None:
    h = token(client, "safety")
    pdf = upload(client, DOCUMENTS, samples.pdf(), "安全生产责任书.pdf", h)
    assert pdf.status_code == 201 and pdf.json()["content_type"] == "application/pdf"
    docx = upload(client, DOCUMENTS, samples.docx(), "制度.docx", h)
    assert docx.status_code == 201
    assert docx.json()["content_type"].endswith("wordprocessingml.document")
    assert docx.json()["thumb_url"] is None
    exe = upload(client, DOCUMENTS, samples.exe(), "合同.pdf", h)
    assert exe.status_code == 400 and "PDF" in exe.json()["detail"]


def test_page_routes_serve_bytes_with_safe_headers(owner_url: str, client: TestClient) -> None:
    h = token(client, "boss")
    photo = upload(client, PHOTOS, samples.photo_with_exif(size=(1600, 1200)), "p.jpg", h).json()
    pdf = upload(client, DOCUMENTS, samples.pdf(), "安全生产责任书.pdf", h).json()
    docx = upload(client, DOCUMENTS, samples.docx(), "制度.docx", h).json()
    pages = page_client(owner_url, "worker")  # same tenant, another person
    try:
        r = pages.get(photo["page_url"])
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
        assert r.headers["content-disposition"].startswith("inline")
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cache-control"].startswith("private")
        r = pages.get(pdf["page_url"])
        assert r.headers["content-type"] == "application/pdf"
        assert r.headers["content-disposition"].startswith("inline")
        assert "%E5%AE%89%E5%85%A8" in r.headers["content-disposition"]  # 安全…, UTF-8 encoded
        r = pages.get(docx["page_url"])
        assert r.headers["content-disposition"].startswith("attachment")
        assert r.content.startswith(b"PK")
        thumb = pages.get(photo["thumb_url"])
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
        with Image.open(io.BytesIO(thumb.content)) as im:
            assert max(im.size) == 320
        assert pages.get(f"/attachments/{docx['id']}/thumb").status_code == 404
        # The API does not take the cookie.
        assert pages.get(photo["content_url"]).status_code == 401
    finally:
        pages.__exit__(None, None, None)


def test_other_tenant_gets_404_and_government_in_scope_reads(
    owner_url: str, client: TestClient, stranger: str
) -> None:
    h = token(client, "boss")
    photo = upload(client, PHOTOS, samples.photo_with_exif(), "p.jpg", h).json()
    other = token(client, stranger)
    for path in (f"/api/v1/attachments/{photo['id']}", photo["content_url"]):
        r = client.get(path, headers=other)
        assert r.status_code == 404 and r.json()["detail"] == "附件不存在或您无权查看"
    pages = page_client(owner_url, stranger)
    try:
        assert pages.get(photo["page_url"]).status_code == 404
        assert pages.get(photo["thumb_url"]).status_code == 404
    finally:
        pages.__exit__(None, None, None)
    # The demo tenant lies in the `town` officer's jurisdiction: read, but no upload.
    town = token(client, "town")
    assert client.get(photo["content_url"], headers=town).status_code == 200
    assert upload(client, PHOTOS, samples.photo_with_exif(), "p.jpg", town).status_code == 403
