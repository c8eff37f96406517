"""Check benchmarks: a 10,000-code batch, and single-subject checks under concurrent load
against a bare Django view that runs the same lookups with a raw cursor (same server)."""

from __future__ import annotations

import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PORT = 8765


def django_env(url: str, var: Path) -> dict[str, str]:
    return {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_VAR_DIR": str(var),
            "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "bench.settings"}


def batch_timing(env: dict[str, str], codes: list[str]) -> list[float]:
    """Seconds for run_check on 10,000 codes, five times, in one warm process."""
    script = f"""
import django, json, time, datetime
django.setup()
from xinyong.accounts.models import User
from xinyong.checks.services import run_check
user = User.objects.get(username="scjg")
codes = json.loads(open({json.dumps(str(ROOT / 'var' / 'bench-codes.json'))}).read())
times = []
for _ in range(6):
    t = time.perf_counter()
    check = run_check(user, "government_procurement", codes, datetime.date.today())
    times.append(time.perf_counter() - t)
# Where one single-subject check spends its time, step by step, in the same process.
from django.test import Client
from xinyong.accounts.auth import user_for_token
from xinyong.accounts.models import ApiToken
from xinyong.checks import engine
from xinyong.policies import rulebook
from xinyong.subjects import codes as subject_codes
token = ApiToken.issue(user, "bench-steps")[1]
digest = subject_codes.digest(subject_codes.classify(codes[0])[1])
day = datetime.date.today()
client = Client()
body = json.dumps({{"scenario": "government_procurement", "subjects": [codes[0]]}})

def per_call(fn, n=500):
    fn()
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n * 1000

steps = {{
    "token check": per_call(lambda: user_for_token(token)),
    "rule versions": per_call(rulebook.current),
    "look-up (one round trip)": per_call(lambda: engine._lookup([digest], day)),
    "run_check (rules, look-up, log row)": per_call(
        lambda: run_check(user, "government_procurement", codes[:1], day)),
    "whole request through Django": per_call(lambda: client.post(
        "/api/v1/checks", body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {{token}}")),
    "bare view request through Django": per_call(lambda: client.post(
        "/bench/bare-check", body, content_type="application/json")),
}}
print(json.dumps({{"times": times[1:], "restricted": check.restricted,
                  "incentivised": check.incentivised, "steps": steps}}))
"""
    (ROOT / "var").mkdir(exist_ok=True)
    (ROOT / "var" / "bench-codes.json").write_text(json.dumps(codes))
    out = subprocess.run([str(BIN / "python"), "-c", script], env=env, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def wrk(path: str, token: str, codes: list[str], seconds: int, work: Path) -> float:
    lua = work / f"{path.strip('/').replace('/', '_')}.lua"
    lua.write_text(
        "local codes = {" + ",".join(json.dumps(c) for c in codes[:2000]) + "}\n"
        "request = function()\n"
        "  local body = '{\"scenario\":\"government_procurement\",\"subjects\":[\"' .."
        " codes[math.random(#codes)] .. '\"]}'\n"
        f"  return wrk.format('POST', '{path}', {{['Content-Type']='application/json',"
        f" ['Authorization']='Bearer {token}'}}, body)\n"
        "end\n")
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "-s", str(lua),
                          f"http://127.0.0.1:{PORT}"], capture_output=True, text=True,
                         check=True).stdout
    non2xx = [line for line in out.splitlines() if "Non-2xx" in line]
    if non2xx:
        sys.exit(f"{path}: {non2xx[0]}\n{out}")
    return float(next(line for line in out.splitlines() if line.startswith("Requests/sec"))
                 .split()[1])


def main(url: str, var: Path, codes_pool: list[str]) -> list[str]:
    env = django_env(url, var)
    rng = random.Random(7)
    batch = rng.sample(codes_pool, 9500) + [f"91350100M0001{n:05d}" for n in range(500)]
    timing = batch_timing(env, batch)
    token = subprocess.run([str(BIN / "xinyong"), "token", "create", "scjg"], env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    server = subprocess.Popen([str(BIN / "xinyong"), "serve", "--port", str(PORT),
                               "--workers", "2", "--threads", "4"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        time.sleep(4)
        work = Path(tempfile.mkdtemp())
        singles = rng.sample(codes_pool, 2000)
        wrk("/api/v1/checks", token, singles, 5, work)  # warm up both
        wrk("/bench/bare-check", token, singles, 5, work)
        ours = wrk("/api/v1/checks", token, singles, 20, work)
        bare = wrk("/bench/bare-check", token, singles, 20, work)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    median = statistics.median(timing["times"])
    return [
        "", "## Checks (PostgreSQL, same database)", "",
        f"- 10,000 codes in one request (9,500 on file, 500 unknown), `run_check` in a warm "
        f"process, 5 runs: median **{median:.3f} s** (min {min(timing['times']):.3f}, max "
        f"{max(timing['times']):.3f}); target at most 0.5 s. Restricted {timing['restricted']}, "
        f"incentivised {timing['incentivised']}.",
        f"- single-subject checks, wrk -t2 -c16 -d20s on loopback against `xinyong serve` "
        f"(2 workers × 4 threads): **{ours:,.0f} req/s**; the bare raw-cursor view on the "
        f"same server: **{bare:,.0f} req/s**; ratio **{ours / bare:.0%}** (target at least 80%). "
        "Each real check also authenticates its token, loads the rule versions and writes its log row.",
        "- one single-subject check, step by step in one warm process (ms per call): "
        + "; ".join(f"{name} {ms:.2f}" for name, ms in timing["steps"].items()) + ".",
    ]


if __name__ == "__main__":
    print("\n".join(main(sys.argv[1], Path(sys.argv[2]), json.loads(Path(sys.argv[3]).read_text()))))
