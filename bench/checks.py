"""Check benchmarks: a 10,000-code batch, and single-subject checks under concurrent load
against two bare Django views on the same server (bench/bareview.py): the floor, which does
the same reads and writes the same log row with a raw cursor, and the old floor, the reads
only. The three are measured in the same run, interleaved, three times each (the median):
the server's two workers share wrk's connections as they come, so single runs vary."""

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
SECONDS = 15  # each wrk run
ROUNDS = 3


def django_env(url: str, var: Path) -> dict[str, str]:
    return {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_VAR_DIR": str(var),
            "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "bench.settings"}


def batch_timing(env: dict[str, str], codes: list[str]) -> list[float]:
    """Seconds for run_check on 10,000 codes, five times, in one warm process."""
    script = f"""
import django, json, time, datetime
django.setup()
from xinyong.accounts.models import User
from xinyong.checks import services
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
    "rule versions on their own (a check reads them with its look-up)": per_call(
        rulebook.current),
    "look-up with the rule versions (one round trip)": per_call(
        lambda: engine._lookup([digest], day, rules=True)),
    "check (rules, look-up, log row)": per_call(
        lambda: services.check(user, "government_procurement", codes[:1], day)),
    "whole request through Django": per_call(lambda: client.post(
        "/api/v1/checks", body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {{token}}")),
    "bare view with the log row through Django": per_call(lambda: client.post(
        "/bench/bare-check-logged", body, content_type="application/json")),
    "bare view, reads only, through Django": per_call(lambda: client.post(
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
    paths = {"real": "/api/v1/checks", "floor": "/bench/bare-check-logged",
             "reads": "/bench/bare-check"}
    rates: dict[str, list[float]] = {name: [] for name in paths}
    try:
        time.sleep(4)
        work = Path(tempfile.mkdtemp())
        singles = rng.sample(codes_pool, 2000)
        for path in paths.values():  # warm up each
            wrk(path, token, singles, 5, work)
        for _ in range(ROUNDS):  # interleaved, so that a busy spell hurts each alike
            for name, path in paths.items():
                rates[name].append(wrk(path, token, singles, SECONDS, work))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    median = statistics.median(timing["times"])
    ours, floor, reads = (statistics.median(rates[n]) for n in paths)

    def each(name: str) -> str:
        return " and ".join(f"{r:,.0f}" for r in rates[name])

    return [
        "", "## Checks (PostgreSQL, same database)", "",
        f"- 10,000 codes in one request (9,500 on file, 500 unknown), `run_check` in a warm "
        f"process, 5 runs: median **{median:.3f} s** (min {min(timing['times']):.3f}, max "
        f"{max(timing['times']):.3f}); target at most 0.5 s, aim 0.25 s. Restricted "
        f"{timing['restricted']}, incentivised {timing['incentivised']}.",
        f"- single-subject checks, wrk -t2 -c16 -d{SECONDS}s on loopback against `xinyong serve` "
        f"(2 workers × 4 threads), the three interleaved, {ROUNDS} runs each (median; runs): "
        f"**{ours:,.0f} req/s** ({each('real')}); the floor, a bare raw-cursor view with the "
        f"same reads and the same log row, on the same server: **{floor:,.0f} req/s** "
        f"({each('floor')}); ratio **{ours / floor:.0%}** (target at least 80%). The old floor, "
        f"the reads only: {reads:,.0f} req/s ({each('reads')}); ratio {ours / reads:.0%}. Each "
        "real check also authenticates its token, checks the rule versions and applies the rules.",
        "- one single-subject check, step by step in one warm process (ms per call): "
        + "; ".join(f"{name} {ms:.2f}" for name, ms in timing["steps"].items()) + ".",
    ]


if __name__ == "__main__":
    print("\n".join(main(sys.argv[1], Path(sys.argv[2]), json.loads(Path(sys.argv[3]).read_text()))))
