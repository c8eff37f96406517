"""Export benchmark: the record list exported by the office user, through the Django test
client in a fresh process each time, so its peak RSS is the export's own.

Used by run.py on the database it has just imported. Alone, it builds a database of N
records first (generate.py and `xinyong import`, as run.py does):

    .venv/bin/python bench/exports.py 100000 [--db NAME] [--keep]

`--keep` reuses the database if it already holds the records (for before/after runs).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PATHS = {"xlsx": "/records/export.xlsx", "csv": "/records/export.csv"}

SCRIPT = """
import json, resource, sys, time
import django
django.setup()
from django.test import Client
from xinyong.accounts.models import User
from xinyong.audit.models import AuditEvent
client = Client()
client.force_login(User.objects.get(username="office"))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
start = time.perf_counter()
response = client.get(sys.argv[1])
first = None
size = 0
if response.status_code != 200:
    sys.exit(f"HTTP {response.status_code}")
if response.streaming:
    for chunk in response.streaming_content:
        first = first or time.perf_counter() - start
        size += len(chunk)
else:
    size = len(response.content)
first = first or time.perf_counter() - start
seconds = time.perf_counter() - start
event = AuditEvent.objects.filter(action="record.export").order_by("pk").last()
print(json.dumps({"seconds": seconds, "first_byte": first, "bytes": size,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                  "base_mb": base, "audit": event.summary if event else ""}))
"""


def measure(url: str, var: Path, fmt: str) -> dict[str, object]:
    """One export in a fresh interpreter: seconds, first byte, size, peak and base RSS."""
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_VAR_DIR": str(var),
           "DJANGO_SETTINGS_MODULE": "xinyong.settings"}
    # cwd: not the checkout, whose xinyong/ would come first on sys.path and hide PYTHONPATH
    # (so a run can measure another version of the code with PYTHONPATH=that/copy).
    done = subprocess.run([str(BIN / "python"), "-c", SCRIPT, PATHS[fmt]], env=env, cwd=var,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def lines_for(url: str, var: Path, records: int) -> list[str]:
    lines = ["", f"## Record export ({records:,} records, office user, Django test client)", "",
             "| format | seconds | first byte after | file | peak RSS (process) | audit |",
             "|---|---|---|---|---|---|"]
    for fmt in PATHS:
        r = measure(url, var, fmt)
        if "error" in r:
            lines.append(f"| {fmt} | – | – | – | – | {r['error']} |")
            continue
        lines.append(f"| {fmt} | {r['seconds']:.1f} | {r['first_byte']:.1f} s | "
                     f"{int(r['bytes']) / 1e6:.0f} MB | {r['peak_mb']} MB (before the request "
                     f"{r['base_mb']} MB) | {r['audit']} |")
    return lines


def main(url: str, var: Path) -> list[str]:
    import psycopg

    with psycopg.connect(url) as conn:
        records = conn.execute("SELECT count(*) FROM records_record").fetchone()[0]
    return lines_for(url, var, records)


def standalone() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, help="rows in the generated bulk file (about 3%% rejected)")
    parser.add_argument("--db", default="xinyong_bench_exports")
    parser.add_argument("--keep", action="store_true", help="reuse the database if it is filled")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    import psycopg
    from generate import main as generate
    from run import PG_ADMIN, import_once, prepare

    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + args.db
    var = ROOT / "var" / f"bench-{args.db}"
    var.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_VAR_DIR": str(var)}
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db]).fetchone()
        if exists and not args.keep:
            conn.execute(f"DROP DATABASE {args.db} WITH (FORCE)")
        if not exists or not args.keep:
            conn.execute(f"CREATE DATABASE {args.db}")
    with psycopg.connect(url) as conn:
        filled = conn.execute("SELECT to_regclass('records_record')").fetchone()[0] is not None and \
            conn.execute("SELECT count(*) FROM records_record").fetchone()[0] > args.rows // 2
    if not filled:
        prepare(env)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "records.csv"
            generate(path, args.rows, subjects_per_row=1.0)
            seconds, _, summary, _ = import_once(env, path)
            print(f"imported in {seconds:.0f} s: {summary}", file=sys.stderr)
    start = time.perf_counter()
    print("\n".join(main(url, var)))
    print(f"(measured in {time.perf_counter() - start:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    standalone()
