"""`make drill`: a fault drill on PostgreSQL (not part of `make test`).

Serves the platform with its worker (`xinyong serve --with-worker`), uploads a
200,000-row file, and then, while the import runs:
1. kills the worker (SIGKILL) in the middle of the import;
2. restarts PostgreSQL while checks and health calls keep coming;
3. starts a second run of the same job (`xinyong import --resume`).
It then checks that every good row landed exactly once, that no job or task is left
hanging and no staging row is left behind, and prints what it injected and what held.

DRILL_ROWS sets the file's size (default 200,000); the lease is 10 s so the take-over
after the kill is quick. It restarts the machine's PostgreSQL cluster (DRILL_PG_ADMIN and
DRILL_PG_CLUSTER, e.g. "15 main", choose another): run it where nothing else needs the
server for that moment.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import generate  # noqa: E402

XINYONG = str(ROOT / ".venv" / "bin" / "xinyong")
PG_ADMIN = os.getenv("DRILL_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = "xinyong_drill"
# The cluster to restart ("VERSION NAME"); by default the newest version's main cluster.
PG_CLUSTER = os.getenv("DRILL_PG_CLUSTER", "")
UNIT = "113501050030000041"
ROWS = int(os.getenv("DRILL_ROWS", "200000"))
LEASE = 10
started = time.monotonic()
held: list[tuple[str, bool, str]] = []


def say(text: str) -> None:
    print(f"[{time.monotonic() - started:7.1f}s] {text}", flush=True)


def verdict(what: str, ok: bool, detail: str = "") -> None:
    held.append((what, ok, detail))
    say(f"{'HELD ' if ok else 'FAILED'} {what}{'：' + detail if detail else ''}")


def run(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False, timeout=600)
    if check and done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def fresh_database() -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DB}")
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_DB


def restart_postgres() -> float:
    if PG_CLUSTER:
        version, cluster = PG_CLUSTER.split()
    else:
        version = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".")])[-1]
        cluster = "main"
    begin = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart"],
                   check=True, capture_output=True, timeout=120)
    return time.monotonic() - begin


def api(base: str, token: str, path: str, data: bytes | None = None, content_type: str = "") -> Any:
    request = urllib.request.Request(base + path, data=data,  # noqa: S310 (loopback only)
                                     headers={"Authorization": f"Bearer {token}"})
    if content_type:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def upload(base: str, token: str, path: Path) -> int:
    boundary = "drillboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"accept_partial\"\r\n\r\ntrue\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"drill.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode()
    body += path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    return int(api(base, token, "/api/v1/imports", body, f"multipart/form-data; boundary={boundary}")["id"])


def job_row(url: str, job_id: int) -> dict[str, Any]:
    for _ in range(60):
        try:
            with psycopg.connect(url) as conn:
                row = conn.execute(
                    "SELECT status, processed, attempts, owner, accepted, duplicates, rejected, total, "
                    "message FROM records_importjob WHERE id = %s", [job_id]).fetchone()
            assert row is not None
            keys = ["status", "processed", "attempts", "owner", "accepted", "duplicates", "rejected",
                    "total", "message"]
            return dict(zip(keys, row, strict=True))
        except psycopg.OperationalError:
            time.sleep(1)  # the server is restarting
    raise SystemExit("the database did not come back")


def wait_for(url: str, job_id: int, condition: Any, what: str, seconds: float = 900) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = job_row(url, job_id)
        if condition(row):
            return row
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}: {job_row(url, job_id)}")


class Load(threading.Thread):
    """Checks and health calls, as business systems keep sending them."""

    def __init__(self, base: str, token: str, codes: list[str]) -> None:
        super().__init__(daemon=True)
        self.base, self.token, self.codes = base, token, codes
        self.stop = threading.Event()
        self.ok = self.failed = 0
        self.errors: dict[str, int] = {}

    def run(self) -> None:
        body = json.dumps({"scenario": "bidding", "subjects": self.codes[:20]}).encode()
        while not self.stop.is_set():
            try:
                api(self.base, self.token, "/api/v1/checks", body, "application/json")
                api(self.base, self.token, "/api/v1/health")
                self.ok += 1
            except (urllib.error.URLError, OSError, ValueError) as exc:
                self.failed += 1
                key = str(getattr(exc, "code", type(exc).__name__))
                self.errors[key] = self.errors.get(key, 0) + 1
                time.sleep(0.2)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="xinyong-drill-"))
    url = fresh_database()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINYONG_")}
    env |= {"XINYONG_DATABASE_URL": url, "XINYONG_VAR_DIR": str(tmp),
            "XINYONG_JOB_LEASE_SECONDS": str(LEASE), "XINYONG_LOG_LEVEL": "WARNING"}
    say(f"database {PG_DB}, var {tmp}, lease {LEASE} s, {ROWS} rows")
    run([XINYONG, "migrate", "--no-input"], env)
    run([XINYONG, "unit", "create", UNIT, "--name", "演练单位"], env)
    run([XINYONG, "user", "create", "drill", "--role", "department", "--unit", UNIT], env)
    token = run([XINYONG, "token", "create", "drill"], env).stdout.strip().splitlines()[-1]
    source = tmp / "drill.csv"
    codes = generate.main(source, ROWS)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([XINYONG, "serve", "--port", str(port), "--workers", "2", "--with-worker"],
                              env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    lines: list[str] = []
    assert server.stdout is not None
    threading.Thread(target=lambda: lines.extend(line.decode(errors="replace") for line in server.stdout),  # type: ignore[union-attr]
                     daemon=True).start()

    def workers() -> list[int]:
        return [int(m.group(1)) for line in list(lines)
                if (m := re.search(r"background worker started \(pid (\d+)\)", line))]

    load = Load(base, token, codes)
    try:
        for _ in range(200):
            try:
                api(base, token, "/api/v1/health")
                break
            except OSError:
                time.sleep(0.2)
        job_id = upload(base, token, source)
        say(f"uploaded {source.stat().st_size // 1024 // 1024} MB as import job {job_id}")

        # 1. The worker dies in the middle of the import.
        row = wait_for(url, job_id, lambda r: r["processed"] >= ROWS // 3, "a third of the rows")
        victim = workers()[-1]
        os.kill(victim, signal.SIGKILL)
        say(f"INJECTED SIGKILL to worker pid {victim} at row {row['processed']} (attempt {row['attempts']})")
        row = wait_for(url, job_id, lambda r: r["attempts"] >= 2 or r["status"] in ("done", "failed"),
                       "the take-over")
        verdict("a new worker took the job over after the lease",
                len(workers()) >= 2 and row["attempts"] >= 2,
                f"worker pids {workers()}, attempt {row['attempts']}, owner {row['owner']}")

        # 2. PostgreSQL restarts under load, in the middle of the next attempt.
        row = wait_for(url, job_id, lambda r: r["processed"] >= ROWS // 4 or r["status"] != "running",
                       "the second attempt to get going")
        load.start()
        time.sleep(2)
        before = (load.ok, load.failed)
        seconds = restart_postgres()
        say(f"INJECTED PostgreSQL restart at row {row['processed']} (attempt {row['attempts']}), "
            f"took {seconds:.1f} s; load so far {before[0]} ok")
        time.sleep(5)
        after_restart = load.ok
        time.sleep(3)
        verdict("the site answers again after the restart", load.ok > after_restart,
                f"{load.ok} calls ok, {load.failed} failed during the drill {load.errors}")

        # 3. A second run of the same job while it is alive.
        row = wait_for(url, job_id, lambda r: r["status"] != "running" or r["processed"] > 0,
                       "the job to run again")
        if row["status"] == "running":
            second = run([XINYONG, "import", "--resume", str(job_id)], env, check=False)
            said = (second.stderr + second.stdout).strip().splitlines()
            verdict("a second run of the live job refused to start", second.returncode != 0,
                    said[-1] if said else "")
        else:
            verdict("a second run of the live job refused to start", False,
                    f"the job had already ended ({row['status']}) before the second run")

        final = wait_for(url, job_id, lambda r: r["status"] in ("done", "failed"), "the job to end")
        load.stop.set()
        load.join(timeout=10)
        for _ in range(600):  # the task still refreshes planner statistics after the merge
            with psycopg.connect(url) as conn:
                busy = (conn.execute(
                    "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE task_path LIKE "
                    "'%%run_import_task' AND status IN ('READY', 'RUNNING')").fetchone() or (0,))[0]
            if not busy:
                break
            time.sleep(0.5)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)

    # What landed, against the file itself.
    with source.open(encoding="utf-8") as f:
        data_rows = sum(1 for _ in csv.reader(f)) - 1
    with psycopg.connect(url) as conn:
        records, keys, by_job = conn.execute(
            "SELECT count(*), count(DISTINCT (decision_no, behavior, subject_id)), "
            "count(*) FILTER (WHERE import_job_id = %s) FROM records_record", [job_id]
        ).fetchone() or (0, 0, 0)
        staging = (conn.execute("SELECT count(*) FROM records_importrow").fetchone() or (0,))[0]
        hanging = (conn.execute(
            "SELECT count(*) FROM records_importjob WHERE status IN ('queued', 'running')").fetchone()
            or (0,))[0]
        tasks = conn.execute(
            "SELECT status, count(*) FROM django_tasks_database_dbtaskresult "
            "WHERE task_path LIKE '%%run_import_task' GROUP BY status").fetchall()
    say(f"job {job_id}: {final}")
    expected = data_rows - final["rejected"]
    verdict("the job finished", final["status"] == "done", final["message"])
    verdict("every good row landed", records == by_job == expected,
            f"{records} records, {expected} good rows in the file ({data_rows} rows, "
            f"{final['rejected']} bad)")
    verdict("no row landed twice", keys == records and final["duplicates"] == 0,
            f"{keys} distinct keys, {final['duplicates']} duplicates")
    verdict("no staging rows left behind", staging == 0, f"{staging} rows")
    verdict("no job left queued or running", hanging == 0, f"{hanging} jobs")
    verdict("no import task left waiting or running",
            all(status in ("SUCCESSFUL", "FAILED") for status, _ in tasks), str(dict(tasks)))
    say(f"worker restarts seen: {max(len(workers()) - 1, 0)}; attempts: {final['attempts']}")
    print()
    print("| what held | | detail |")
    print("|---|---|---|")
    for what, ok, detail in held:
        print(f"| {what} | {'held' if ok else '**failed**'} | {detail} |")
    sys.exit(0 if all(ok for _, ok, _ in held) else 1)


if __name__ == "__main__":
    main()
