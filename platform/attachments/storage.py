"""Where stored files live, behind a small interface: put/get/delete by key.

Local files under one root by default (keys can never leave it; writes are atomic), or an
S3-compatible bucket (`s3://bucket/prefix?endpoint_url=…`) when the `s3` extra is installed.
Keys are made by the service (random, never the user's file name); both stores check them.
"""

from __future__ import annotations

import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from anwang.platform.settings import get_settings

# Lower-case letters, digits, '-', '_' and '.', in '/'-separated parts that are neither empty,
# '.' nor '..': a key is a relative path inside the store and nothing else.
_KEY = re.compile(r"[a-z0-9_-][a-z0-9_.-]{0,99}(/[a-z0-9_-][a-z0-9_.-]{0,99}){0,7}")


class StorageError(Exception):
    """A key was refused or the store failed; not a user's mistake."""


class StoredFileMissing(StorageError):
    pass


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key) or any(part in (".", "..") for part in key.split("/")):
        raise StorageError(f"invalid storage key: {key!r}")
    return key


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None:
        """Remove the file if it is there (deleting twice is not an error)."""
        ...


class LocalStorage:
    """Files under `root`, written to a temporary file in the same directory, flushed to disk
    and renamed into place: a reader sees the whole file or none."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        # The key pattern already forbids '..' and absolute paths; this also catches a symlink
        # inside the root that points out of it.
        if not path.is_relative_to(self.root) or path == self.root:
            raise StorageError(f"storage key escapes the storage root: {key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o640)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError as e:
            raise StoredFileMissing(key) from e

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


S3_MISSING = (
    "使用 S3 存储需要安装 boto3：pip install 'anwang[s3]'。"
    " S3 storage needs boto3: install the 's3' extra (pip install 'anwang[s3]')."
)


class S3Storage:
    """Objects in an S3-compatible bucket (MinIO, Ceph, OSS/COS S3 endpoints, AWS) under a
    prefix. boto3 is imported here, so a deployment without the extra never needs it."""

    def __init__(self, bucket: str, prefix: str = "", **client_options: Any) -> None:
        try:
            import boto3
        except ImportError as e:
            raise RuntimeError(S3_MISSING) from e
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = boto3.client("s3", **client_options)

    def _name(self, key: str) -> str:
        key = check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        # A single PutObject is atomic: the object appears whole or not at all.
        self.client.put_object(
            Bucket=self.bucket, Key=self._name(key), Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except self.client.exceptions.NoSuchKey as e:
            raise StoredFileMissing(key) from e
        body: bytes = response["Body"].read()
        return body

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))


def storage_from_url(url: str, data_dir: Path) -> Storage:
    """`""` → data_dir/files; `/path` or `file:///path` → that directory;
    `s3://bucket/prefix?endpoint_url=…&region=…` → S3Storage (credentials from boto3's usual
    sources: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, an instance role)."""
    if not url:
        return LocalStorage(data_dir / "files")
    parts = urlsplit(url)
    if parts.scheme in ("", "file"):
        return LocalStorage(Path(unquote(parts.path if parts.scheme else url)))
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ValueError("ANWANG_STORAGE_URL: s3://bucket/prefix needs a bucket")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        options: dict[str, Any] = {}
        if "endpoint_url" in query:
            options["endpoint_url"] = query.pop("endpoint_url")
        if "region" in query:
            options["region_name"] = query.pop("region")
        if query:
            raise ValueError(f"ANWANG_STORAGE_URL: unknown options {sorted(query)}")
        return S3Storage(parts.netloc, unquote(parts.path), **options)
    raise ValueError(f"ANWANG_STORAGE_URL: unsupported scheme {parts.scheme!r} (file or s3)")


@lru_cache
def get_storage() -> Storage:
    s = get_settings()
    return storage_from_url(s.storage_url, s.data_dir)
