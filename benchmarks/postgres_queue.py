"""Finance's queue page on PostgreSQL with 100,000 claims, against the same page with 1,000 claims.

Both databases are made for the run on the local server (bench_pg_1k, bench_pg_100k; dropped
afterwards) and served by gunicorn; wrk loads each with one connection and the median of the runs'
median latencies (p50) is compared. A page that scales with its 50 rows, not with the table, keeps
the ratio near 1: indexes on the queues' order, no query per row, a bounded page. Both databases
are vacuumed and analysed after loading, as autovacuum would do soon after in production.
"""

import os
from contextlib import contextmanager
from pathlib import Path

from benchmarks.common import lua, median, populate, result, workspace, wrk
from benchmarks.http_load import Http, InProcess, finance_queue_target

SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
TARGET = "≤ 2× the page with 1,000 claims"


def _admin():
    import psycopg

    return psycopg.connect(SERVER.replace("+psycopg", "") + "/postgres", autocommit=True, connect_timeout=5)


def available() -> str | None:
    """None when the server answers, else why not."""
    try:
        with _admin():
            return None
    except Exception as e:
        return f"no PostgreSQL at {SERVER}: {type(e).__name__}"


@contextmanager
def database(name: str):
    with _admin() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER}/{name}"
    finally:
        with _admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _vacuum(url: str) -> None:
    """What autovacuum does soon after a bulk load: statistics for the planner and the visibility map that
    lets counts read the indexes alone. Without it the benchmark would measure the minutes after a load."""
    import psycopg

    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def postgres_queue(quick: bool = False, server_factory=None, seconds: float = 5, runs: int = 3) -> dict:
    small, large = (40, 120) if quick else (1_000, 100_000)
    suffix = f"_quick_{os.getpid()}" if quick else ""
    with (
        workspace("pg") as folder,
        database(f"bench_pg_1k{suffix}") as small_url,
        database(f"bench_pg_100k{suffix}") as large_url,
    ):
        populations = [
            populate(Path(folder) / "small", small, small_url),
            populate(Path(folder) / "large", large, large_url),
        ]
        for url in (small_url, large_url):
            _vacuum(url)
        if quick:
            latencies = [_quick_p50(p) for p in populations]
            p50_small, p50_large = latencies
        else:
            p50_small, p50_large = _served_p50(populations, server_factory, folder, seconds, runs)
    ratio = p50_large / p50_small
    return result(
        "postgres_queue",
        round(p50_large, 2),
        "ms",
        round(p50_small, 2),
        round(ratio, 2),
        TARGET,
        ratio <= 2,
        _note=f"p50 at one connection: {large:,} claims {p50_large:.1f} ms, {small:,} claims {p50_small:.1f} ms",
    )


def _quick_p50(population) -> float:
    from benchmarks.http_load import _sequential

    client = InProcess(population.app())
    target = finance_queue_target(client, population)
    target.check(client)
    return _sequential(client, target, 10).p50_ms


def _served_p50(populations, server_factory, folder, seconds: float, runs: int) -> tuple[float, float]:
    servers = [
        server_factory("wsgi:app", p.env(), Path(folder) / f"gunicorn-{n}.log") for n, p in enumerate(populations)
    ]
    try:
        targets = []
        for server, population in zip(servers, populations, strict=True):
            client = Http(server.url)
            target = finance_queue_target(client, population)
            target.check(client)
            targets.append((client, target))
        p50s: list[list[float]] = [[], []]
        for _ in range(runs):
            for n, (client, target) in enumerate(targets):
                load = wrk(client.base, lua(target.headers, paths=target.paths), seconds, 1, 1)
                if load.errors:
                    raise RuntimeError(f"{load.errors} failed requests")
                p50s[n].append(load.p50_ms)
        for client, target in targets:
            target.check(client)
    finally:
        for server in servers:
            server.stop()
    return median(p50s[0]), median(p50s[1])
