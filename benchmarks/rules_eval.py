"""Benchmark of the rules engine: evaluations a second, and their cost against `json.loads`.

Not a test (timings depend on the machine); `make bench` runs it. It makes N varied claims from
a fixed seed, serialises them to JSON strings and, in the same run, times
  (a) the baseline: `json.loads` of every string, and
  (b) `json.loads` + `rules.evaluate` of every string (evaluation INCLUDES the parse),
taking the median of a few repetitions. Time is the CPU time of this process (one core), so that
other work on the machine does not count; the two measurements alternate, so that both see the
same conditions. It prints one JSON line, then a short table:
  value    = evaluations a second of (b)            target ≥ 10,000/s on one core
  baseline = parses a second of (a)
  ratio    = time of (b) / time of (a)               target ≤ 10
"""

import argparse
import json
import random
import statistics
import sys
import time
from datetime import datetime, timedelta

from rules import evaluate, load_calendar, load_rates

TARGET_RATE, TARGET_RATIO = 10_000, 10.0
PLACES = [("Espoo", 15), ("Vantaa", 12), ("Lahti", 104), ("Tampere", 178), ("Turku", 166), ("Oulu", 607),
          ("Rovaniemi", 830), ("Kuopio", 383), ("Vaasa", 419), ("Järvenpää", 38), ("Kauniainen", 9)]  # fmt: skip
# A realistic year: mostly the two reimbursed sessions, mostly eligible claims (about 80 %), and
# every kind of refusal now and then (remote, unknown or independent-meeting dates, actors,
# late departures, missing receipts, meals), so that each path of the engine is exercised.
SESSIONS = ["2023-09-22"] * 18 + ["2024-04-23"] * 18 + ["2024-01-22", "2023-09-11", "2023-11-15", "2024-05-14"]
SESSION_START = {"2023-09-22": (13, 3), "2024-04-23": (10, 5)}  # start hour, length in hours


def _money(rng: random.Random, low: float, high: float) -> str:
    return f"{rng.uniform(low, high):.2f}"


def make_claim(rng: random.Random) -> dict:
    """One well-formed claim: varied session, times, distance, free meals and expenses."""
    session = rng.choice(SESSIONS)
    place, distance = rng.choice(PLACES)
    start_hour, length = SESSION_START.get(session, (13, 3))
    session_start = datetime.fromisoformat(session).replace(hour=start_hour)
    # Mostly same-day trips, some with a night or two, now and then one that leaves too late.
    lead = rng.choices([rng.randint(30, 600), rng.randint(600, 2000), -30], weights=[70, 27, 3])[0]
    departure = session_start - timedelta(minutes=lead)
    back = session_start + timedelta(hours=length, minutes=rng.randint(15, 900))
    days = (back - departure) // timedelta(hours=24) + 1
    day = departure.date().isoformat()
    expenses: list[dict] = []
    for _ in range(rng.randint(0, 5)):
        kind = rng.choices(
            ["public_transport", "own_car", "taxi", "accommodation", "night_travel", "other", "meal"],
            weights=[40, 15, 10, 12, 8, 10, 1],
        )[0]
        expense: dict = {"type": kind, "date": day}
        if kind == "own_car":
            expense |= {"km": 2 * distance, "passengers": rng.randint(0, 2), "route": f"{place} – Helsinki"}
        elif kind == "night_travel":
            pass
        else:
            expense |= {"amount": _money(rng, 2, 260), "description": kind.replace("_", " ")}
            if rng.random() < 0.98:
                expense["receipt"] = f"r-{rng.randint(1, 999)}"
            if kind == "taxi" and rng.random() < 0.7:
                expense["reason"] = "no public transport at that hour"
            if kind == "accommodation":
                expense["nights"] = max(1, days - 1)
        expenses.append(expense)
    return {
        "session": session,
        "claimant": {"name": f"Mentor {rng.randint(1, 60)}", "role": "mentor" if rng.random() < 0.98 else "actor"},
        "trip": {
            "start_place": place,
            "distance_km": distance,
            "departure": departure.isoformat(timespec="minutes"),
            "return": back.isoformat(timespec="minutes"),
        },
        "free_meals": [rng.choice([0, 0, 0, 1, 2]) for _ in range(days)],
        "expenses": expenses,
    }


def make_claims(n: int, seed: int = 20240423) -> list[str]:
    """N claims as JSON strings, the same for the same seed."""
    rng = random.Random(seed)
    return [json.dumps(make_claim(rng), ensure_ascii=False) for _ in range(n)]


def _parse_all(texts: list[str]) -> None:
    for text in texts:
        json.loads(text)


def _evaluate_all(texts: list[str]) -> None:
    calendar, rates = load_calendar(), load_rates()
    for text in texts:
        evaluate(json.loads(text), calendar, rates)


def _cpu_seconds(work, texts: list[str]) -> float:
    started = time.process_time()
    work(texts)
    return time.process_time() - started


def run(n: int, repeat: int, seed: int) -> dict:
    texts = make_claims(n, seed)
    _evaluate_all(texts[:100])  # warm the caches (rates, calendar, translations) before timing
    parses, fulls = [], []
    for _ in range(repeat):
        parses.append(_cpu_seconds(_parse_all, texts))
        fulls.append(_cpu_seconds(_evaluate_all, texts))
    parse, full = statistics.median(parses), statistics.median(fulls)
    value, baseline, ratio = n / full, n / parse, full / parse
    return {
        "bench": "rules_eval",
        "value": round(value),
        "unit": "eval/s",
        "baseline": round(baseline),
        "ratio": round(ratio, 2),
        "target": "≥ 10000/s and ≤ 10× json.loads",
        "ok": value >= TARGET_RATE and ratio <= TARGET_RATIO,
        "_table": (n, repeat, parse, full),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="number of claims (default 10000)")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions; the median is reported (default 5)")
    parser.add_argument("--seed", type=int, default=20240423)
    args = parser.parse_args(argv)
    result = run(args.n, args.repeat, args.seed)
    n, repeat, parse, full = result.pop("_table")
    print(json.dumps(result, ensure_ascii=False))
    print(f"\n{n} claims, median of {repeat} runs, CPU time of one process (one core)")
    print(f"{'step':<34}{'CPU s':>10}{'per second':>14}{'µs each':>10}")
    for label, seconds in (("json.loads (baseline)", parse), ("json.loads + evaluate", full)):
        print(f"{label:<34}{seconds:>10.3f}{n / seconds:>14,.0f}{seconds / n * 1e6:>10.1f}")
    print(f"{'evaluate alone (difference)':<34}{full - parse:>10.3f}{n / (full - parse):>14,.0f}")
    print(f"ratio (json.loads + evaluate) / json.loads = {full / parse:.1f}  (target ≤ {TARGET_RATIO:g})")
    print(f"targets met: {'yes' if result['ok'] else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
