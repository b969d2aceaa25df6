"""The attachments service on the real database as the application role: photos cleaned and
read, documents recognised by content, limits, attaching to a subject, files of rolled-back
uploads removed."""

from __future__ import annotations

import hashlib
import io
import resource
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TypeVar

import pytest
from PIL import Image
from sqlmodel.ext.asyncio.session import AsyncSession

from anwang.platform.attachments import images, service
from anwang.platform.attachments.storage import get_storage
from anwang.platform.errors import DomainError, Forbidden
from anwang.platform.principal import Principal
from tests.aio import run_as
from tests.conftest import own_storage
from tests.platform import attachment_samples as samples
from tests.tenants.factories import committed, other_tenant, tenant_of, user_id

T = TypeVar("T")
CHINA = timezone(timedelta(hours=8))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Uploads of this module go to a directory of their own."""
    root = tmp_path_factory.mktemp("files")
    with own_storage(str(root)):
        yield root


@pytest.fixture(scope="module")
def tenants(owner_url: str) -> tuple[int, int, int]:
    with committed(owner_url) as conn:
        a = tenant_of(conn, "boss")
        return a, other_tenant(conn, a), user_id(conn, "boss")


def boss(tenant_id: int, uid: int | None = None) -> Principal:
    return Principal(kind="enterprise", user_id=uid, role="boss", tenant_id=tenant_id)


def test_photo_is_upright_stripped_and_its_exif_time_and_gps_are_kept(
    app_url: str, files: Path, tenants: tuple[int, int, int]
) -> None:
    tenant, _, uid = tenants
    original = samples.photo_with_exif(size=(400, 300), orientation=6)
    assert samples.has_exif(original)

    async def go(db: AsyncSession) -> tuple[dict[str, object], bytes, Path]:
        a = await service.store_photo(db, boss(tenant, uid), original, "现场/IMG_0001.JPG")
        stored = files / a.storage_key
        return a.model_dump(), get_storage().get(a.storage_key), stored

    row, stored, path = run_as(app_url, boss(tenant, uid), go)
    assert row["kind"] == "photo" and row["content_type"] == "image/jpeg"
    assert row["tenant_id"] == tenant and row["uploaded_by"] == uid
    assert row["original_name"] == "IMG_0001.JPG"  # no directories of the client
    # Orientation 6 (rotate 90° clockwise) applied: 400 × 300 becomes 300 × 400.
    assert (row["width"], row["height"]) == (300, 400)
    assert row["taken_at"] == datetime(2026, 5, 1, 10, 20, 30, tzinfo=CHINA)
    assert row["lat"] == pytest.approx(31 + 27 / 60 + 36 / 3600)
    assert row["lon"] == pytest.approx(121.1)
    assert row["bytes"] == len(stored) and row["sha256"] == hashlib.sha256(stored).hexdigest()
    # The key is random and carries nothing of the user's file name.
    assert "IMG" not in str(row["storage_key"]) and "0001" not in str(row["storage_key"])
    assert not samples.has_exif(stored) and b"AnwangTestCam" not in stored
    with Image.open(io.BytesIO(stored)) as im:
        assert im.format == "JPEG" and im.size == (300, 400)
        rgb = im.convert("RGB")
        # Sensor top (red) is on the right once turned upright, sensor bottom (blue) on the left.
        left, right = rgb.getpixel((30, 200)), rgb.getpixel((270, 200))
        assert left[2] > 150 and left[0] < 80, left
        assert right[0] > 150 and right[2] < 80, right
    # The transaction was rolled back, so its file went with it.
    assert not path.exists()


def test_time_offset_and_southern_western_gps(
    app_url: str, files: Path, tenants: tuple[int, int, int]
) -> None:
    tenant, _, _ = tenants
    data = samples.photo_with_exif(
        orientation=1,
        offset="-05:00",
        lat=(33, 51, 54.0, "S"),
        lon=(151, 12, 36.0, "W"),
    )

    async def go(db: AsyncSession) -> dict[str, object]:
        return (await service.store_photo(db, boss(tenant), data, "a.jpg")).model_dump()

    row = run_as(app_url, boss(tenant), go)
    assert row["taken_at"] == datetime(2026, 5, 1, 15, 20, 30, tzinfo=UTC)
    assert row["lat"] == pytest.approx(-(33 + 51 / 60 + 54 / 3600))
    assert row["lon"] == pytest.approx(-(151 + 12 / 60 + 36 / 3600))
    assert (row["width"], row["height"]) == (400, 300)  # orientation 1: as stored


def test_photo_without_exif_and_with_alpha(
    app_url: str, files: Path, tenants: tuple[int, int, int]
) -> None:
    tenant, _, _ = tenants
    data = samples.png_with_alpha_and_text()

    async def go(db: AsyncSession) -> tuple[dict[str, object], bytes]:
        a = await service.store_photo(db, boss(tenant), data, "screen.png")
        return a.model_dump(), get_storage().get(a.storage_key)

    row, stored = run_as(app_url, boss(tenant), go)
    assert row["content_type"] == "image/jpeg" and (row["width"], row["height"]) == (120, 80)
    assert row["taken_at"] is None and row["lat"] is None and row["lon"] is None
    assert b"AnwangSecretAuthor" not in stored


def test_long_side_is_capped(app_url: str, files: Path, tenants: tuple[int, int, int]) -> None:
    tenant, _, _ = tenants
    data = samples.photo_with_exif(size=(3000, 1000), orientation=1)

    async def go(db: AsyncSession) -> tuple[int | None, int | None]:
        a = await service.store_photo(db, boss(tenant), data, "wide.jpg")
        return a.width, a.height

    assert run_as(app_url, boss(tenant), go) == (images.LONG_SIDE, 853)


def refusal(
    app_url: str, principal: Principal, fn: Callable[[AsyncSession], Awaitable[object]]
) -> DomainError:
    with pytest.raises(DomainError) as e:
        run_as(app_url, principal, fn)
    return e.value


def test_fake_image_and_unsupported_formats_are_refused(
    app_url: str, files: Path, tenants: tuple[int, int, int]
) -> None:
    tenant, _, _ = tenants
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    for data in (
        samples.fake_image(),
        samples.pdf(),
        gif.getvalue(),
        samples.photo_with_exif()[:300],
    ):
        e = refusal(
            app_url,
            boss(tenant),
            lambda db, d=data: service.store_photo(db, boss(tenant), d, "x.jpg"),
        )
        assert e.message == "文件不是有效的图片（支持 JPEG、PNG、WebP）" and e.status_code == 400
    assert list(files.rglob("*.jpg")) == []


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("size", [(30000, 30000), (7000, 7000)])
def test_pixel_bomb_is_refused_from_its_header(
    app_url: str, files: Path, tenants: tuple[int, int, int], size: tuple[int, int]
) -> None:
    """Over 2× the limit Pillow itself refuses; between 1× and 2× it only warns, and our own
    check refuses. Either way nothing is decoded: memory stays far below the decoded size
    (2.7 GB and 147 MB)."""
    tenant, _, _ = tenants
    bomb = samples.png_bomb(*size)
    assert len(bomb) < 1000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    e = refusal(
        app_url, boss(tenant), lambda db: service.store_photo(db, boss(tenant), bomb, "b.png")
    )
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert e.message == "图片像素过大（超过 4000 万像素），请压缩后再上传"
    assert grown_kib < 60 * 1024


def test_size_limit(app_url: str, files: Path, tenants: tuple[int, int, int]) -> None:
    tenant, _, _ = tenants
    big = samples.photo_with_exif() + b"\0" * service.MAX_UPLOAD_BYTES
    e = refusal(
        app_url, boss(tenant), lambda db: service.store_photo(db, boss(tenant), big, "big.jpg")
    )
    assert e.status_code == 413 and e.message == "照片不能超过 10 MB"
    e = refusal(
        app_url, boss(tenant), lambda db: service.store_document(db, boss(tenant), b"", "e.pdf")
    )
    assert e.status_code == 400 and "空" in e.message


def test_only_enterprise_principals_upload(app_url: str, files: Path) -> None:
    gov = Principal(kind="gov", user_id=None, role="officer", scope="1")
    with pytest.raises(Forbidden):
        run_as(
            app_url,
            gov,
            lambda db: service.store_photo(db, gov, samples.photo_with_exif(), "a.jpg"),
        )


@pytest.mark.parametrize(
    ("make", "content_type"),
    [
        (samples.pdf, "application/pdf"),
        (samples.docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (samples.xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_documents_are_recognised_by_content_and_kept_as_they_are(
    app_url: str,
    files: Path,
    tenants: tuple[int, int, int],
    make: Callable[[], bytes],
    content_type: str,
) -> None:
    tenant, _, _ = tenants
    data = make()

    async def go(db: AsyncSession) -> tuple[dict[str, object], bytes]:
        # Named wrongly on purpose: the name decides nothing.
        a = await service.store_document(db, boss(tenant), data, "责任书.bin")
        return a.model_dump(), get_storage().get(a.storage_key)

    row, stored = run_as(app_url, boss(tenant), go)
    assert row["kind"] == "document" and row["content_type"] == content_type
    assert stored == data and row["sha256"] == hashlib.sha256(data).hexdigest()


def test_scanned_documents_are_cleaned_like_photos(
    app_url: str, files: Path, tenants: tuple[int, int, int]
) -> None:
    tenant, _, _ = tenants
    scan_png = samples.png_with_alpha_and_text()
    scan_jpg = samples.photo_with_exif(orientation=6)

    async def go(db: AsyncSession) -> list[tuple[str, bytes, int | None]]:
        out = []
        for data in (scan_png, scan_jpg):
            a = await service.store_document(db, boss(tenant), data, "scan")
            out.append((a.content_type, get_storage().get(a.storage_key), a.width))
        return out

    (png_type, png, _), (jpg_type, jpg, jpg_width) = run_as(app_url, boss(tenant), go)
    assert (
        png_type == "image/png" and png.startswith(b"\x89PNG") and b"AnwangSecretAuthor" not in png
    )
    assert jpg_type == "image/jpeg" and not samples.has_exif(jpg) and jpg_width == 300


@pytest.mark.parametrize("make", [samples.exe, samples.docm, samples.plain_zip, samples.fake_image])
def test_other_files_are_refused_as_documents(
    app_url: str, files: Path, tenants: tuple[int, int, int], make: Callable[[], bytes]
) -> None:
    tenant, _, _ = tenants
    data = make()
    e = refusal(
        app_url, boss(tenant), lambda db: service.store_document(db, boss(tenant), data, "合同.pdf")
    )
    assert e.status_code == 400 and "PDF" in e.message


def test_attach_links_unattached_uploads_all_or_nothing(
    app_url: str, files: Path, tenants: tuple[int, int, int]
) -> None:
    tenant, other, _ = tenants
    photo = samples.photo_with_exif()

    async def go(db: AsyncSession) -> None:
        a = await service.store_photo(db, boss(tenant), photo, "a.jpg")
        b = await service.store_photo(db, boss(tenant), photo, "b.jpg")
        c = await service.store_photo(db, boss(tenant), photo, "c.jpg")
        assert a.id and b.id and c.id
        linked = await service.attach(db, [b.id, a.id, a.id], "hazard", 12, "before")
        assert [x.id for x in linked] == [a.id, b.id]
        assert {x.subject_role for x in linked} == {"before"}
        # b is already attached: the whole call is refused and c stays free.
        with pytest.raises(DomainError, match="已被使用"):
            await service.attach(db, [c.id, b.id], "hazard", 13, "after")
        assert [x.id for x in await service.list_for(db, "hazard", 13)] == []
        # An id that does not exist (or is another tenant's, which is the same to RLS).
        with pytest.raises(DomainError):
            await service.attach(db, [c.id, 2_000_000_000], "hazard", 13, "after")
        assert [x.id for x in await service.attach(db, [c.id], "hazard", 13, "after")] == [c.id]
        assert await service.attach(db, [], "hazard", 13, "after") == []
        assert [x.id for x in await service.list_for(db, "hazard", 12)] == [a.id, b.id]

    run_as(app_url, boss(tenant), go)

    # Another tenant's upload cannot be attached: it is invisible.
    async def upload(db: AsyncSession) -> tuple[int, str]:
        a = await service.store_photo(db, boss(other), photo, "x.jpg")
        assert a.id is not None
        foreign, key = a.id, a.storage_key
        await db.commit()
        return foreign, key

    foreign, key = run_as(app_url, boss(other), upload)
    assert (files / key).is_file()  # committed, so its file stays
    with pytest.raises(DomainError):
        run_as(
            app_url, boss(tenant), lambda db: service.attach(db, [foreign], "hazard", 1, "before")
        )

    async def subject(db: AsyncSession) -> str | None:
        return (await service.get(db, foreign)).subject_table

    assert run_as(app_url, boss(other), subject) is None


def test_thumbnail_is_small_and_cached_beside_the_original(
    app_url: str, files: Path, tenants: tuple[int, int, int]
) -> None:
    tenant, _, _ = tenants
    data = samples.photo_with_exif(size=(1600, 1200), orientation=6)

    async def go(db: AsyncSession) -> tuple[bytes, bool]:
        a = await service.store_photo(db, boss(tenant), data, "a.jpg")
        assert a.id is not None
        thumb = await service.thumbnail(db, a.id)
        cached = (files / f"{a.storage_key}.thumb.jpg").exists()
        assert await service.thumbnail(db, a.id) == thumb
        return thumb, cached

    thumb, cached = run_as(app_url, boss(tenant), go)
    assert cached
    with Image.open(io.BytesIO(thumb)) as im:
        assert im.format == "JPEG" and im.size == (240, 320)


def test_webp_photo_is_read_and_turned_into_a_clean_jpeg(
    app_url: str, files: Path, tenants: tuple[int, int, int]
) -> None:
    tenant, _, _ = tenants
    data = samples.photo_with_exif(size=(200, 100), orientation=6, fmt="WEBP")
    assert data[8:12] == b"WEBP"

    async def go(db: AsyncSession) -> tuple[dict[str, object], bytes]:
        a = await service.store_photo(db, boss(tenant), data, "a.webp")
        return a.model_dump(), get_storage().get(a.storage_key)

    row, stored = run_as(app_url, boss(tenant), go)
    assert row["content_type"] == "image/jpeg" and (row["width"], row["height"]) == (100, 200)
    assert row["lat"] == pytest.approx(31.46) and row["taken_at"] is not None
    assert stored.startswith(b"\xff\xd8") and not samples.has_exif(stored)
