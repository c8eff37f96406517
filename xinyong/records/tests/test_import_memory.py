"""Memory of a bulk import stays flat: measured, as a bound, on a 200,000-row file.

The import runs as `xinyong import` in a process of its own (its peak RSS is its own) on a
scratch database of the suite's kind (PostgreSQL merges chunk by chunk, SQLite stages
first). A 10,000-row file is imported the same way: the large file may cost only a little
more than the small one, and both stay under the bound the benchmark holds the 1,000,000-row
import to.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from bench.generate import main as generate

ROOT = Path(__file__).resolve().parents[3]
XINYONG = str(Path(sys.executable).parent / "xinyong")
UNIT = "113501050030000041"  # the demo's 马尾区市场监督管理局
BOUND_MB = 300
GROWTH_MB = 60  # the 200,000-row file over the 10,000-row one


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a migrated scratch database with the demo's units and packs."""
    env = {**os.environ, "XINYONG_VAR_DIR": str(tmp_path / "var")}
    name = None
    if connection.vendor == "postgresql":
        name = f"xinyong_memory_{uuid.uuid4().hex[:8]}"
        admin = _admin_url()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        env["XINYONG_DATABASE_URL"] = admin.rsplit("/", 1)[0] + "/" + name
    else:
        env["XINYONG_DATABASE_URL"] = f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
    try:
        for args in (["migrate", "--no-input"], ["demo", "--force"]):
            subprocess.run([XINYONG, *args], env=env, check=True, capture_output=True)  # noqa: S603 (our own command)
        yield env
    finally:
        if name:
            with psycopg.connect(_admin_url(), autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _admin_url() -> str:
    db = settings.DATABASES["default"]
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgresql://{db.get('USER') or 'postgres'}{password}@{host}:{port}/postgres"


def _peak_mb(env: dict[str, str], path: Path) -> tuple[int, str]:
    """Peak RSS (MB) of one `xinyong import` in a fresh interpreter, and its summary."""
    code = (
        "import resource, subprocess, sys;"
        f"r = subprocess.run([{XINYONG!r}, 'import', {str(path)!r}, '--unit', {UNIT!r}, "
        "'--accept-partial'], capture_output=True, text=True);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024);"
        "print(r.stdout.splitlines()[0] if r.returncode == 0 else 'FAILED ' + r.stderr[-2000:])"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,  # noqa: S603
                         check=True).stdout.splitlines()
    return int(out[0]), out[1]


@pytest.mark.django_db
def test_a_large_file_is_imported_in_flat_memory(scratch: dict[str, str], tmp_path: Path) -> None:
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    generate(small, 10_000, seed=1, subjects_per_row=1.0)
    generate(large, 200_000, seed=2, subjects_per_row=1.0)
    small_mb, summary = _peak_mb(scratch, small)
    assert "done" in summary, summary
    large_mb, summary = _peak_mb(scratch, large)
    assert "done" in summary and "rows 200000" in summary, summary
    assert large_mb < BOUND_MB, f"peak {large_mb} MB for 200,000 rows"
    assert large_mb - small_mb < GROWTH_MB, f"{small_mb} MB for 10,000 rows, {large_mb} MB for 200,000"
