"""Generate a realistic bulk file: valid codes, behaviours from the packs, a few bad rows."""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

from stdnum.cn import ric, uscc

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
REGIONS = ["350105", "350102", "350104", "320585", "320583", "350121"]
# (behavior, subject kinds, decided-on range, severities, circumstances). The city notices
# stay in force until the office records the end of the emergency response (the bench
# records none), so their findings run up to 2026: checks today then meet live list
# memberships, as they would on a platform in use, not only lapsed 2020 entries.
CASES = [
    ("administrative_penalty", "o", (2025, 2025), ["general", "serious", "minor"], None),
    ("administrative_penalty", "oip", (2026, 2026), ["general", "serious", "minor"], None),
    ("fz_mask_fraud", "oi", (2020, 2026), ["serious", "general"], None),
    ("fz_market_disruption", "oi", (2020, 2026), ["serious"], None),
    ("fz_concealment_evasion", "p", (2020, 2026), ["serious"], None),
    # The file is imported by a 马尾区 unit, which may report under national and 福州 rules
    # only (jurisdictions, issue 10); the 太仓 cases of earlier runs became these.
    ("fz_market_disruption", "oi", (2020, 2026), ["general"], None),  # kept, not a finding
    ("administrative_penalty", "o", (2026, 2026), ["general"], "force_majeure"),
    ("fz_work_resumption_breach", "o", (2020, 2026), ["serious"], None),
    ("fz_donation", "op", (2020, 2026), ["minor"], None),
]
HEADER = ["subject_kind", "subject_name", "subject_code", "behavior", "occurred_on", "decided_on",
          "decision_no", "facts", "severity", "force_majeure", "epidemic_duty", "rectify_by",
          "external_id"]
KIND = {"o": "organization", "i": "individual_business", "p": "person"}


def make_uscc(rng: random.Random, individual: bool) -> str:
    head = "92" if individual else "91"
    body = head + rng.choice(REGIONS) + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def make_id(rng: random.Random) -> str:
    body = (rng.choice(REGIONS) + f"{rng.randint(1950, 2000)}{rng.randint(1, 12):02d}"
            f"{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}")
    return body + ric.calc_check_digit(body + "0")


def main(path: Path, rows: int, seed: int = 20260401, bad_share: float = 0.03,
         subjects_per_row: float = 0.4) -> list[str]:
    """Write the file; returns the pool of valid codes it drew from."""
    rng = random.Random(seed)
    pools = {
        "o": [make_uscc(rng, False) for _ in range(max(int(rows * subjects_per_row * 0.6), 10))],
        "i": [make_uscc(rng, True) for _ in range(max(int(rows * subjects_per_row * 0.15), 10))],
        "p": [make_id(rng) for _ in range(max(int(rows * subjects_per_row * 0.25), 10))],
    }
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for n in range(rows):
            behavior, kinds, years, severities, circumstance = rng.choice(CASES)
            k = rng.choice(kinds)
            code = rng.choice(pools[k])
            year = rng.randint(*years)
            month = rng.randint(3, 10) if year in (2020, 2026) else rng.randint(1, 10)
            occurred = f"{year}-{month:02d}-{rng.randint(1, 20):02d}"
            decided = f"{year}-{month:02d}-{rng.randint(21, 28):02d}"
            name = ("某某" if k == "p" else "示例") + f"{code[-6:]}" + ("" if k == "p" else "有限公司")
            row = [KIND[k], name, code, behavior, occurred, decided, f"基准罚〔{year}〕{n}号",
                   "违反疫情防控相关规定，情节见决定书", rng.choice(severities),
                   "true" if circumstance == "force_majeure" else "false",
                   "true" if circumstance == "epidemic_duty" else "false", "", f"B{n}"]
            if rng.random() < bad_share:
                which = rng.randrange(3)
                if which == 0:
                    row[2] = code[:-1] + ("0" if code[-1] != "0" else "1")  # bad check digit
                elif which == 1:
                    row[5] = f"{year}-02-30"  # no such date
                else:
                    row[8] = "很严重"  # no such severity
            out.writerow(row)
    return pools["o"] + pools["i"] + pools["p"]


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
