"""Row-level security of the attachment table as the application role, and the local store's
refusal of keys that would leave its root."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from anwang.platform.attachments.storage import (
    S3_MISSING,
    LocalStorage,
    StorageError,
    StoredFileMissing,
    storage_from_url,
)
from anwang.platform.principal import Principal
from tests.conftest import as_principal
from tests.tenants.factories import other_tenant, tenant_of


def enterprise(tenant_id: int) -> Principal:
    return Principal(kind="enterprise", tenant_id=tenant_id, role="boss")


def insert(conn: Connection, tenant_id: int) -> int:
    return int(
        conn.execute(
            text(
                "insert into attachment (tenant_id, kind, storage_key, content_type, bytes, sha256)"
                " values (:t, 'photo', 't' || :t || '/' || md5(random()::text) || '.jpg',"
                " 'image/jpeg', 10, repeat('0', 64)) returning id"
            ),
            {"t": tenant_id},
        ).scalar_one()
    )


def test_tenant_b_neither_sees_nor_changes_tenant_a_rows(
    owner_db: Connection, app_db: Connection
) -> None:
    a = tenant_of(owner_db, "boss")
    b = other_tenant(owner_db, a)
    as_principal(app_db, enterprise(a))
    mine = insert(app_db, a)
    assert (
        app_db.execute(
            text("select count(*) from attachment where id = :i"), {"i": mine}
        ).scalar_one()
        == 1
    )

    as_principal(app_db, enterprise(b))
    assert (
        app_db.execute(
            text("select count(*) from attachment where id = :i"), {"i": mine}
        ).scalar_one()
        == 0
    )
    changed = app_db.execute(
        text("update attachment set subject_table = 'hazard', subject_id = 1 where id = :i"),
        {"i": mine},
    )
    assert changed.rowcount == 0
    assert app_db.execute(text("delete from attachment where id = :i"), {"i": mine}).rowcount == 0

    as_principal(app_db, enterprise(a))
    row = app_db.execute(
        text("select subject_table from attachment where id = :i"), {"i": mine}
    ).one()
    assert row.subject_table is None


def test_no_insert_into_another_tenant(owner_db: Connection, app_db: Connection) -> None:
    a = tenant_of(owner_db, "boss")
    b = other_tenant(owner_db, a)
    as_principal(app_db, enterprise(b))
    with pytest.raises(DBAPIError, match="row-level security"):
        insert(app_db, a)


def test_government_reads_its_jurisdiction_and_changes_no_enterprise_upload(
    owner_db: Connection, app_db: Connection
) -> None:
    a = tenant_of(owner_db, "boss")
    path = owner_db.execute(
        text("select jurisdiction_path::text from enterprise where id = :i"), {"i": a}
    ).scalar_one()
    elsewhere = owner_db.execute(
        text(
            "select path::text from jurisdiction where level = 'town'"
            " and not (cast(:p as ltree) <@ path) order by code limit 1"
        ),
        {"p": path},
    ).scalar_one()
    as_principal(app_db, enterprise(a))
    mine = insert(app_db, a)
    count = text("select count(*) from attachment where id = :i")

    as_principal(app_db, Principal(kind="gov", role="officer", scope=path))
    assert app_db.execute(count, {"i": mine}).scalar_one() == 1
    as_principal(app_db, Principal(kind="gov", role="officer", scope=elsewhere))
    assert app_db.execute(count, {"i": mine}).scalar_one() == 0

    # Government users attach only their own uploads (patrol photos), never the enterprise's.
    as_principal(app_db, Principal(kind="gov", role="officer", scope=path, user_id=1))
    changed = app_db.execute(
        text("update attachment set subject_id = 1 where id = :i"), {"i": mine}
    ).rowcount
    assert changed == 0
    with pytest.raises(DBAPIError, match="permission denied"):
        app_db.execute(text("update attachment set storage_key = 'x' where id = :i"), {"i": mine})


@pytest.mark.parametrize(
    "key",
    [
        "../outside.jpg",
        "a/../../outside.jpg",
        "/etc/passwd",
        "a//b.jpg",
        "a/./b.jpg",
        "a\\..\\b.jpg",
        "",
        ".hidden",
        "Upper.JPG",
        "a/b/../../..",
        "t1/%2e%2e/x",
        "名字.jpg",
    ],
)
def test_local_storage_refuses_keys_that_could_escape(tmp_path: Path, key: str) -> None:
    store = LocalStorage(tmp_path / "files")
    for op in (
        lambda: store.put(key, b"x", "image/jpeg"),
        lambda: store.get(key),
        lambda: store.delete(key),
    ):
        with pytest.raises(StorageError):
            op()
    assert not (tmp_path / "outside.jpg").exists()


def test_local_storage_refuses_a_symlink_out_of_its_root(tmp_path: Path) -> None:
    root = tmp_path / "files"
    root.mkdir()
    (tmp_path / "secret").mkdir()
    (root / "t1").symlink_to(tmp_path / "secret")
    store = LocalStorage(root)
    with pytest.raises(StorageError, match="escapes"):
        store.put("t1/x.jpg", b"x", "image/jpeg")
    assert list((tmp_path / "secret").iterdir()) == []


def test_local_storage_put_get_delete(tmp_path: Path) -> None:
    store = storage_from_url(f"file://{tmp_path}/files", tmp_path)
    assert isinstance(store, LocalStorage)
    store.put("t1/202611/abc.jpg", b"bytes", "image/jpeg")
    assert store.get("t1/202611/abc.jpg") == b"bytes"
    # Written through a temporary file renamed into place: nothing else is left behind.
    assert [p.name for p in (tmp_path / "files/t1/202611").iterdir()] == ["abc.jpg"]
    store.put("t1/202611/abc.jpg", b"new", "image/jpeg")
    assert store.get("t1/202611/abc.jpg") == b"new"
    store.delete("t1/202611/abc.jpg")
    store.delete("t1/202611/abc.jpg")  # twice is fine
    with pytest.raises(StoredFileMissing):
        store.get("t1/202611/abc.jpg")


def test_a_failed_write_leaves_neither_file_nor_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalStorage(tmp_path)

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    store.put("t1/old.jpg", b"old", "image/jpeg")
    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError):
        store.put("t1/old.jpg", b"half", "image/jpeg")
    with pytest.raises(OSError):
        store.put("t1/new.jpg", b"half", "image/jpeg")
    monkeypatch.undo()
    assert store.get("t1/old.jpg") == b"old"
    assert sorted(p.name for p in (tmp_path / "t1").iterdir()) == ["old.jpg"]


def test_default_storage_is_files_under_the_data_dir(tmp_path: Path) -> None:
    store = storage_from_url("", tmp_path)
    assert isinstance(store, LocalStorage) and store.root == (tmp_path / "files").resolve()
    with pytest.raises(ValueError, match="unsupported scheme"):
        storage_from_url("ftp://host/x", tmp_path)
    with pytest.raises(ValueError, match="unknown options"):
        storage_from_url("s3://bucket/p?colour=red", tmp_path)


@pytest.mark.skipif(importlib.util.find_spec("boto3") is not None, reason="boto3 is installed")
def test_s3_without_the_extra_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError) as e:
        storage_from_url("s3://bucket/anwang?endpoint_url=http://127.0.0.1:9000", tmp_path)
    assert str(e.value) == S3_MISSING
    assert "boto3" in S3_MISSING and "安装" in S3_MISSING and "s3" in S3_MISSING
