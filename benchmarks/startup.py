"""Start-up: a new Python process imports the app and answers its first request (the sign-in page).

Baseline: a new Python process that only imports Flask. Both alternate, medians of a few runs.
The app's process also reports whether WeasyPrint got imported: it must not be, until a PDF is made.
"""

import json
import subprocess
import sys
import time

from benchmarks.common import ROOT, median, result

APP = """
import json, sys
from wsgi import app
response = app.test_client().get("/login", base_url="https://localhost")
print(json.dumps({"status": response.status_code, "weasyprint": "weasyprint" in sys.modules}))
"""
BASELINE = "import flask"


def _run(code: str, env: dict) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"the process failed: {done.stderr[-1000:]}")
    return elapsed, done.stdout


def startup(population, quick: bool = False, runs: int = 5) -> dict:
    runs = 1 if quick else runs
    env = population.env()
    apps, baselines, loaded = [], [], False
    for _ in range(runs):
        elapsed, _out = _run(BASELINE, env)
        baselines.append(elapsed)
        elapsed, out = _run(APP, env)
        apps.append(elapsed)
        answer = json.loads(out.strip().splitlines()[-1])
        if answer["status"] != 200:
            raise RuntimeError(f"the first request answered {answer['status']}")
        loaded = loaded or answer["weasyprint"]
    value, baseline = median(apps), median(baselines)
    extra = value - baseline
    return result(
        "startup",
        round(value, 3),
        "s",
        round(baseline, 3),
        round(value / baseline, 2),
        "≤ baseline + 1.5 s; WeasyPrint not loaded",
        extra <= 1.5 and not loaded,
        _note=f"+{extra:.2f} s over `import flask`; WeasyPrint {'LOADED' if loaded else 'not loaded'} at start",
    )
