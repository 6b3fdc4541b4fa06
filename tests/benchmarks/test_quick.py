"""The benchmarks keep working: every one runs at tiny sizes (no timing is asserted: timings are not tests)."""

import json
import os
import subprocess
import sys

import pytest

from benchmarks import common
from benchmarks.run import BENCHES
from tests.examples import ROOT

KEYS = {"bench", "value", "unit", "baseline", "ratio", "target", "ok"}


@pytest.fixture(scope="module")
def quick_run() -> tuple[list[dict], str, int]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick"], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return lines, done.stdout + done.stderr, done.returncode


def test_every_benchmark_prints_one_json_line_then_the_table(quick_run):
    lines, output, _code = quick_run
    assert [line["bench"] for line in lines] == list(BENCHES), output
    for line in lines:
        assert set(line) >= KEYS, line
        assert isinstance(line["ok"], bool)
        assert line["target"] == BENCHES[line["bench"]][1]
        assert line["unit"] == BENCHES[line["bench"]][0]
    assert "bench" in output and "target" in output and "benchmarks," in output  # the table and its summary


@pytest.mark.parametrize("bench", [b for b in BENCHES if b != "postgres_queue"])
def test_each_benchmark_ran_and_measured_something(quick_run, bench):
    lines, _output, _code = quick_run
    line = next(line for line in lines if line["bench"] == bench)
    assert line.get("reason") is None, line["reason"]
    assert line["value"] > 0 and line["baseline"] > 0 and line["ratio"] > 0


@pytest.mark.parametrize("bench", ["api_claim_get", "api_preview", "finance_queue"])
def test_http_benchmarks_measure_the_floor_beside_the_route(quick_run, bench):
    lines, output, _code = quick_run
    line = next(line for line in lines if line["bench"] == bench)
    assert line["floor_ratio"] > 0
    row = next(row for row in output.splitlines() if row.startswith(f"{bench} "))  # the table's
    assert "floor (" in row


def test_postgres_benchmark_runs_or_says_why_not(quick_run):
    lines, _output, code = quick_run
    line = next(line for line in lines if line["bench"] == "postgres_queue")
    if line.get("reason"):
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"postgres_queue did not run: {line['reason']}")
        assert code == 1  # not every benchmark ran, and the exit status says so
        pytest.skip(f"POSTGRES BENCHMARK NOT RUN: {line['reason']}")
    assert line["value"] > 0 and line["baseline"] > 0
    assert code == 0


def test_wrk_output_is_read():
    output = """Running 1s test @ http://127.0.0.1:8000/
  2 threads and 32 connections
  Latency Distribution
     50%   12.50ms
     75%   20.00ms
     90%   30.00ms
     99%    1.20s
  2345 requests in 1.00s, 1.00MB read
  Socket errors: connect 0, read 12, write 0, timeout 3
  Non-2xx or 3xx responses: 2
Requests/sec:   2345.67
"""
    load = common.parse_wrk(output)
    assert (load.rps, load.p50_ms, load.p99_ms, load.requests) == (2345.67, 12.5, 1200.0, 2345)
    assert load.errors == 5  # the timeouts and the non-2xx answers; read errors are closed connections


def test_sign_in_follows_the_redirects_and_keeps_the_cookie_a_browser_would(monkeypatch):
    form = b'<input name="csrf_token" value="T1">'
    answers = {
        ("GET", "/login?lang=en"): (200, [("Set-Cookie", "session=anon; HttpOnly"), ("Set-Cookie", "other=1")], form),
        ("POST", "/login"): (302, [("Location", "/?from=login"), ("Set-Cookie", "session=signed; Path=/")], b""),
        ("GET", "/?from=login"): (302, [("Location", "http://127.0.0.1:9/finance/")], b""),
        ("GET", "/finance/"): (200, [("Set-Cookie", "session=signed-with-csrf; Secure")], b"<h1>"),
    }
    sent = []

    def answer(base, method, path, headers=None, body=None):
        sent.append((method, path, (headers or {}).get("Cookie")))
        return answers[method, path]

    monkeypatch.setattr(common, "request", answer)
    assert common.sign_in("http://127.0.0.1:9", "f@example.fi", "pw") == "session=signed-with-csrf; other=1"
    assert sent[2:] == [
        ("GET", "/?from=login", "session=signed; other=1"),
        ("GET", "/finance/", "session=signed; other=1"),
    ]


def test_sign_in_says_when_the_first_page_fails(monkeypatch):
    answers = {
        ("GET", "/login?lang=en"): (200, [], b'<input name="csrf_token" value="T1">'),
        ("POST", "/login"): (302, [("Location", "/finance/")], b""),
        ("GET", "/finance/"): (500, [], b"error"),
    }
    monkeypatch.setattr(common, "request", lambda base, method, path, headers=None, body=None: answers[method, path])
    with pytest.raises(RuntimeError, match="answered 500"):
        common.sign_in("http://127.0.0.1:9", "f@example.fi", "pw")


def test_gunicorn_with_the_production_config_is_loaded_by_wrk(tmp_path):
    """The full runs' machinery: gunicorn.conf.py serves hello-world, wrk loads it for a second."""
    if common.wrk_path() is None:
        if os.environ.get("REQUIRE_BENCH_TOOLS") == "1":
            pytest.fail("wrk is not installed")
        pytest.skip("WRK NOT INSTALLED: the HTTP benchmarks' load generator was not tested (apt-get install wrk)")
    env = dict(os.environ, WEB_CONCURRENCY="2", PYTHONPATH=str(ROOT))
    with common.Server("benchmarks.hello:app", env, tmp_path / "gunicorn.log") as server:
        load = common.wrk(server.url, common.lua({}, paths=["/"]), 1, 4)
    assert load.requests > 0 and load.rps > 0 and load.errors == 0
