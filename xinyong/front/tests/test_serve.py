"""`xinyong serve --with-worker` (what `make run` starts): the site answers, and a bulk file
uploaded through the API is processed by the worker beside it, with no other command, even
after that worker was killed (it is started again)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from conftest import UNIT_CODE

XINYONG = Path(sys.executable).with_name("xinyong")
CSV = (
    "subject_kind,subject_name,subject_code,behavior,occurred_on,decided_on,decision_no,facts,severity\n"
    "organization,福州闽江生鲜超市有限公司,91350105MA2Y00002W,administrative_penalty,2026-09-01,"
    "2026-09-10,榕马市监罚〔2026〕99号,哄抬价格,general\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(url: str, token: str, data: bytes | None = None, content_type: str = "") -> Any:
    request = urllib.request.Request(  # noqa: S310 (loopback http only)
        url, data=data, headers={"Authorization": f"Bearer {token}"})
    if content_type:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        return json.loads(response.read())


@pytest.mark.skipif(not XINYONG.exists(), reason="the xinyong command is not installed")
def test_serve_with_worker_processes_an_upload(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XINYONG_", "DJANGO_"))}
    env |= {"XINYONG_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
            "XINYONG_VAR_DIR": str(tmp_path)}

    def xinyong(*args: str) -> str:
        done = subprocess.run([str(XINYONG), *args], env=env, cwd=tmp_path, capture_output=True,  # noqa: S603
                              text=True, timeout=120, check=True)
        return done.stdout

    xinyong("migrate", "--no-input")
    xinyong("unit", "create", UNIT_CODE, "--name", "市场监督管理局")
    xinyong("user", "create", "bob", "--role", "department", "--unit", UNIT_CODE)
    token = xinyong("token", "create", "bob").splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [str(XINYONG), "serve", "--port", str(port), "--workers", "1", "--with-worker"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    lines: list[str] = []
    assert server.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(
        line.decode(errors="replace") for line in server.stdout), daemon=True)  # type: ignore[union-attr]
    reader.start()

    def workers() -> list[int]:
        return [int(m.group(1)) for line in list(lines)
                if (m := re.search(r"background worker started \(pid (\d+)\)", line))]

    try:
        for _ in range(100):
            try:
                assert call(f"{base}/api/v1/health", token)["status"] == "ok"
                break
            except OSError:
                time.sleep(0.2)
        for _ in range(100):
            if workers():
                break
            time.sleep(0.1)
        first = workers()[0]
        os.kill(first, signal.SIGKILL)  # the worker dies (finding 2: it stayed dead)
        for _ in range(100):
            if len(workers()) > 1:
                break
            time.sleep(0.1)
        assert len(workers()) == 2 and workers()[1] != first, lines
        boundary = "xinyongboundary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"records.csv\"\r\nContent-Type: text/csv\r\n\r\n{CSV}\r\n"
                f"--{boundary}--\r\n").encode()
        job = call(f"{base}/api/v1/imports", token, body,
                   f"multipart/form-data; boundary={boundary}")
        status: dict[str, Any] = {}
        for _ in range(150):  # the worker polls the task table; give it up to 30 s
            status = call(f"{base}/api/v1/imports/{job['id']}", token)
            if status["status"] in ("done", "failed"):
                break
            time.sleep(0.2)
        assert (status["status"], status["accepted"]) == ("done", 1), status
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        reader.join(timeout=10)
    assert any("exited with -9; starting it again" in line for line in lines), "".join(lines)
