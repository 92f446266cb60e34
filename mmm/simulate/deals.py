"""The sample CRM opportunities export ``deals.csv`` (one row per deal), for :func:`mmm.deals_to_weekly`.

Pure-Python ``random.Random`` with a fixed seed, so the file is the same on every machine.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

SOURCES = ("linkedin", "google_search", "events", "outbound", "referral")
#: Weeks (Mondays) in which the sample has no opportunities at all: holiday weeks.
QUIET_WEEKS = (dt.date(2024, 8, 12), dt.date(2024, 12, 23))


def generate_deals(seed: int = 2024) -> list[dict[str, object]]:
    """The synthetic opportunities of ``data/samples/deals.csv`` (deterministic)."""
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    day = dt.date(2024, 1, 1)
    n = 0
    while day <= dt.date(2024, 12, 31):
        monday = day - dt.timedelta(days=day.weekday())
        if monday not in QUIET_WEEKS:
            per_day = rng.choice((0, 1, 1, 1, 2, 2, 3)) if day.weekday() < 5 else rng.choice((0, 0, 0, 1))
            for _ in range(per_day):
                n += 1
                source = rng.choices(SOURCES, weights=(30, 25, 15, 20, 10))[0]
                amount = rng.randrange(20, 1200) * 50          # 1,000 .. 60,000 in steps of 50
                if day > dt.date(2024, 10, 31):
                    stage = rng.choices(("open", "closed_won", "closed_lost"), weights=(70, 10, 20))[0]
                else:
                    stage = rng.choices(("open", "closed_won", "closed_lost"), weights=(15, 30, 55))[0]
                rows.append({"opportunity_id": f"OPP-{n:05d}", "created_date": day.isoformat(),
                             "amount": amount, "stage": stage, "source": source})
        day += dt.timedelta(days=1)
    return rows


def write_deals(path: str | Path) -> Path:
    """Write :func:`generate_deals` as a CSV file at ``path``; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = generate_deals()
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path
