"""Run every benchmark: one JSON line each, then a table. `make bench` runs this; `--quick` is the tests' variant.

    python -m benchmarks.run            # the full run (a few minutes): gunicorn + wrk, 10,000 claims, …
    python -m benchmarks.run --quick    # tiny sizes, Flask's test client instead of wrk: proves it works
    python -m benchmarks.run --only startup --only pdf_render

Each line is {"bench", "value", "unit", "baseline", "ratio", "target", "ok"}; a benchmark that
could not run still prints its line, with ok false and a "reason". The exit status is 0 when every
benchmark ran, whether or not it met its target, and 1 when one could not run.
"""

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from benchmarks import export_zip, http_load, pdf_load, postgres_queue, startup
from benchmarks.common import Server, emit, failed, populate, table, workspace, wrk_path

BENCHES = {
    "rules_eval": ("eval/s", "≥ 10000/s and ≤ 10× json.loads"),
    "startup": ("s", "≤ baseline + 1.5 s; WeasyPrint not loaded"),
    "api_claim_get": ("req/s", "≥ 40 % of hello-world"),
    "api_preview": ("req/s", "≥ 35 % of hello-world"),
    "finance_queue": ("req/s", "≥ 15 % of hello-world, p99 ≤ 100 ms at 32 connections"),
    "pdf_render": ("ms", "≤ 10× WeasyPrint <p>hello</p>"),
    "approve": ("ms", "≤ 1.3× pdf_render"),
    "export_zip": ("s", "≤ 3× reading the files; memory growth ≤ 50 MB"),
    "postgres_queue": ("ms", postgres_queue.TARGET),
}
HTTP = ("api_claim_get", "api_preview", "finance_queue", "approve")
ON_SQLITE = ("startup", *HTTP, "pdf_render", "export_zip")


class Runner:
    def __init__(self, wanted: list[str]):
        self.wanted = wanted
        self.results: list[dict] = []

    def step(self, name: str, work: Callable[[], dict]) -> dict | None:
        if name not in self.wanted:
            return None
        started = time.perf_counter()
        try:
            line = work()
        except Exception as e:
            traceback.print_exc(file=sys.stderr)
            unit, target = BENCHES[name]
            line = failed(name, unit, target, f"{type(e).__name__}: {e}"[:300])
        self.results.append(line)
        emit(line)
        print(f"{name}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        return line

    def skip(self, name: str, reason: str) -> None:
        if name in self.wanted:
            unit, target = BENCHES[name]
            line = failed(name, unit, target, reason)
            self.results.append(line)
            emit(line)


def _on_sqlite(runner: Runner, args: argparse.Namespace, options: http_load.Options) -> None:
    """The benchmarks on one generated SQLite database: start-up, HTTP (gunicorn + wrk), PDFs and export."""
    quick = args.quick
    with workspace("sqlite") as folder, ExitStack() as servers:
        population = populate(folder / "data", 100 if quick else args.claims)
        runner.step("startup", lambda: startup.startup(population, quick))

        app_client = hello_client = None
        missing = (
            None if quick or wrk_path() else "wrk is not installed (apt-get install wrk); `make bench` installs it"
        )
        if missing:
            for name in HTTP:
                runner.skip(name, missing)
        elif any(name in runner.wanted for name in HTTP):
            if quick:
                from benchmarks.hello import app as hello_app

                app_client, hello_client = http_load.InProcess(population.app()), http_load.InProcess(hello_app)
            else:
                app_server = servers.enter_context(Server("wsgi:app", population.env(), folder / "gunicorn-app.log"))
                hello_server = servers.enter_context(
                    Server("benchmarks.hello:app", population.env(), folder / "gunicorn-hello.log")
                )
                app_client, hello_client = http_load.Http(app_server.url), http_load.Http(hello_server.url)
            for name in ("api_claim_get", "api_preview", "finance_queue"):
                bench = getattr(http_load, name)
                runner.step(name, lambda bench=bench: bench(app_client, hello_client, population, options))

        runner.step("pdf_render", lambda: pdf_load.pdf_render(population, quick))
        if app_client is not None:
            runner.step("approve", lambda: pdf_load.approve(app_client, population, quick))
        servers.close()  # the servers stop: the rest runs in this process
        runner.step("export_zip", lambda: export_zip.export_zip(population, quick))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, no wrk or gunicorn (for the tests)")
    parser.add_argument("--only", action="append", choices=list(BENCHES), help="run only these (repeatable)")
    parser.add_argument("--claims", type=int, default=10_000, help="claims in the SQLite database (default 10000)")
    parser.add_argument("--seconds", type=float, default=5, help="length of one wrk run (default 5)")
    parser.add_argument("--runs", type=int, default=3, help="wrk runs per measurement; medians (default 3)")
    args = parser.parse_args(argv)
    quick = args.quick
    runner = Runner(args.only or list(BENCHES))
    options = http_load.Options(quick=quick, seconds=args.seconds, runs=args.runs)

    from benchmarks import rules_eval

    runner.step("rules_eval", lambda: rules_eval.run(200 if quick else 10_000, 1 if quick else 5, 20240423))

    if any(name in runner.wanted for name in ON_SQLITE):
        _on_sqlite(runner, args, options)

    if "postgres_queue" in runner.wanted:
        why_not = postgres_queue.available() or (None if quick or wrk_path() else "wrk is not installed")
        if why_not:
            runner.skip("postgres_queue", why_not)
        else:
            runner.step(
                "postgres_queue",
                lambda: postgres_queue.postgres_queue(quick, Server, args.seconds, args.runs),
            )

    print()
    print(table(runner.results))
    ran = all(r.get("reason") is None for r in runner.results)
    met = sum(r["ok"] for r in runner.results)
    print(f"\n{len(runner.results)} benchmarks, {met} met their targets; {'all ran' if ran else 'SOME DID NOT RUN'}.")
    return 0 if ran else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
