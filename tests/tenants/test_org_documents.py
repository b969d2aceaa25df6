"""Responsibility documents 安全生产责任书/岗位责任制 of a unit through the API: upload,
list, download, delete; refusals; another tenant's unit answers 404."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from tests.api import token
from tests.conftest import own_storage
from tests.platform import attachment_samples as samples
from tests.tenants.factories import committed, make_unit, other_tenant, tenant_of


@pytest.fixture(scope="module")
def client(owner_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root: Path = tmp_path_factory.mktemp("org-files")
    with own_storage(f"file://{root}"):
        from anwang.platform.web.app import create_app

        with TestClient(create_app()) as c:
            yield c


@pytest.fixture(scope="module")
def units(owner_url: str) -> tuple[int, int]:
    with committed(owner_url) as conn:
        mine = tenant_of(conn, "safety")
        return (
            make_unit(conn, mine, name="责任文件车间"),
            make_unit(conn, other_tenant(conn, mine), name="外企业责任文件车间"),
        )


def test_upload_list_download_delete(client: TestClient, units: tuple[int, int]) -> None:
    unit, _ = units
    h = token(client, "safety")
    url = f"/api/v1/org-units/{unit}/documents"
    r = client.post(
        url,
        headers=h,
        files={"file": ("责任书.pdf", samples.pdf(), "application/pdf")},
        data={"title": "2026年度安全生产责任书"},
    )
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["title"] == "2026年度安全生产责任书" and doc["content_type"] == "application/pdf"
    assert doc["url"] == f"/attachments/{doc['attachment_id']}"
    listed = client.get(url, headers=h).json()
    assert [d["id"] for d in listed] == [doc["id"]]
    content = client.get(doc["content_url"], headers=h)
    assert content.status_code == 200 and content.content == samples.pdf()

    # without a title the file name is the title
    r = client.post(
        url, headers=h, files={"file": ("岗位责任制.pdf", samples.pdf(), "application/pdf")}
    )
    assert r.status_code == 201 and r.json()["title"] == "岗位责任制"

    assert client.delete(f"{url}/{doc['id']}", headers=h).status_code == 204
    assert doc["id"] not in [d["id"] for d in client.get(url, headers=h).json()]


def test_refusals(client: TestClient, units: tuple[int, int]) -> None:
    unit, foreign = units
    h = token(client, "safety")
    url = f"/api/v1/org-units/{unit}/documents"
    r = client.post(url, headers=h, files={"file": ("virus.pdf", samples.exe(), "application/pdf")})
    assert r.status_code == 400 and r.json()["field"] == "file"
    r = client.post(url, headers=h, files={"title": (None, "没有文件")})
    assert r.status_code == 400 and r.json()["detail"] == "请选择要上传的文件"
    w = token(client, "worker")
    r = client.post(url, headers=w, files={"file": ("x.pdf", samples.pdf(), "application/pdf")})
    assert r.status_code == 403
    # another tenant's unit is simply not there
    r = client.post(
        f"/api/v1/org-units/{foreign}/documents",
        headers=h,
        files={"file": ("x.pdf", samples.pdf(), "application/pdf")},
    )
    assert r.status_code == 404
    assert client.get(f"/api/v1/org-units/{foreign}/documents", headers=h).status_code == 404
