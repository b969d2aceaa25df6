"""Smoke test of the embedded default, end to end: `anwang demo` with no database
configured starts its own PostgreSQL, migrates, seeds, serves, and stops cleanly."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, proc: subprocess.Popen[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"demo exited early with {proc.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Not under pytest's 0700 tmp tree: the embedded server runs as its own system user.
    path = Path(tempfile.mkdtemp(prefix="anwang-demo-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_demo_on_embedded_postgres(data_dir: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANWANG_")}
    env |= {"ANWANG_DATA_DIR": str(data_dir), "ANWANG_PORT": str(port)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "anwang.platform.cli", "demo", "--scale", "small"],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", proc, 240)
        with urllib.request.urlopen(f"{base}/login") as r:
            assert "安网" in r.read().decode()
        req = urllib.request.Request(
            f"{base}/api/v1/auth/token",
            data=json.dumps({"username": "boss", "password": "anwang123"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req) as r:
            token = json.load(r)["token"]
        me = urllib.request.Request(
            f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(me) as r:
            assert json.load(r)["kind"] == "enterprise"
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "已停止" in out
    assert not (data_dir / "pgdata" / "postmaster.pid").exists(), "embedded server still running"
