"""The HTTP benchmarks: a claim from the API, a preview, and finance's queue page, each against hello-world.

Full runs load gunicorn (gunicorn.conf.py, as in production) with wrk from this machine: 32
connections, runs of a few seconds, the app and hello-world alternating so that both see the same
machine, medians over the runs. Quick runs (the tests) send a few requests through Flask's test
client instead: they prove that the benchmark still works, and measure nothing worth reading.
"""

import json
import time
import urllib.parse
from dataclasses import dataclass

from benchmarks.common import CSRF, USER_AGENT, Load, lua, median, request, result, sign_in, wrk

CONNECTIONS = 32


@dataclass
class Options:
    quick: bool = False
    seconds: float = 5
    runs: int = 3
    quick_requests: int = 20


class Http:
    """Requests to a server of ours on 127.0.0.1."""

    def __init__(self, base: str):
        self.base = base

    def call(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
        status, _headers, data = request(self.base, method, path, headers, body)
        return status, _headers, data


class InProcess:
    """The same requests through Flask's test client (quick runs); the client keeps the cookies itself."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def call(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
        headers = {k: v for k, v in (headers or {}).items() if k.lower() != "cookie"}
        response = self.client.open(
            path, method=method, headers={"User-Agent": USER_AGENT, **headers}, data=body, base_url="https://localhost"
        )
        return response.status_code, list(response.headers.items()), response.get_data()


@dataclass
class Target:
    """The requests of one benchmark: method, paths (one chosen at random each time), headers and body."""

    method: str
    paths: list[str]
    headers: dict
    body: str | None = None
    expect: bytes | None = None  # a piece of the answer that shows it is the real page, not a redirect

    def check(self, client) -> None:
        status, _headers, data = client.call(self.method, self.paths[0], self.headers, self._bytes())
        if status != 200 or (self.expect and self.expect not in data):
            raise RuntimeError(f"{self.method} {self.paths[0]} answered {status}: {data[:300]!r}")

    def _bytes(self) -> bytes | None:
        return self.body.encode() if self.body is not None else None


HELLO = Target("GET", ["/"], {}, expect=b"Hello")


def _sequential(client, target: Target, count: int) -> Load:
    times = []
    for n in range(count):
        path = target.paths[n % len(target.paths)]
        started = time.perf_counter()
        status, _h, _d = client.call(target.method, path, target.headers, target._bytes())
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"{target.method} {path} answered {status}")
    times.sort()
    return Load(count / (sum(times) / 1000), median(times), times[int(0.99 * (len(times) - 1))], count, 0)


@dataclass
class Measured:
    """Medians of alternating runs: the app's answer, hello-world's, and the floor's (see `Floor`)."""

    app_rps: float
    hello_rps: float
    floor_rps: float
    p50_ms: float
    p99_ms: float


@dataclass
class Floor:
    """The cheapest answer the same app and server give to the same kind of caller (a signed API call, a
    signed-in page): what the stack costs before the benchmarked route does its own work. Measured beside
    each benchmark, so that the table shows how much of the gap to hello-world is the route's and how much
    any such request pays (README, "Performance")."""

    name: str
    target: Target


def measure(app_client, hello_client, target: Target, floor: Target, options: Options) -> Measured:
    """The app's, the floor's and hello-world's runs, alternating so that all three see the same machine."""
    runs = [(app_client, target), (app_client, floor), (hello_client, HELLO)]
    for client, each in runs:
        each.check(client)
    loads: list[list[Load]] = [[], [], []]
    if not options.quick:
        # Every worker's first requests compile templates and load catalogues and locale data: not measured.
        for client, each in runs:
            wrk(client.base, _script(each), 3, CONNECTIONS)
    for _ in range(1 if options.quick else options.runs):
        for (client, each), done in zip(runs, loads, strict=True):
            if options.quick:
                done.append(_sequential(client, each, options.quick_requests))
            else:
                done.append(wrk(client.base, _script(each), options.seconds, CONNECTIONS))
    for load in (load for done in loads for load in done):
        if load.errors:
            raise RuntimeError(f"{load.errors} failed requests during the load")
    target.check(app_client)  # still the real answer afterwards (no expired session, no redirects)
    apps, floors, hellos = loads
    return Measured(
        median([a.rps for a in apps]),
        median([h.rps for h in hellos]),
        median([f.rps for f in floors]),
        median([a.p50_ms for a in apps]),
        median([a.p99_ms for a in apps]),
    )


def _script(target: Target) -> str:
    return lua(target.headers, target.method, target.body, target.paths)


def _share_of_hello(
    name: str,
    app_client,
    hello_client,
    target: Target,
    floor: Floor,
    options: Options,
    percent: int,
    p99_limit: float | None = None,
) -> dict:
    """The benchmark's line: the app's req/s as a share of hello-world's, and p99 within `p99_limit` ms if given.
    The floor's share of hello-world rides along (`floor_ratio`), as information: it has no target."""
    m = measure(app_client, hello_client, target, floor.target, options)
    ratio = m.app_rps / m.hello_rps
    goal = f"≥ {percent} % of hello-world"
    extra = {"floor_ratio": round(m.floor_rps / m.hello_rps, 3)}
    if p99_limit is not None:
        goal += f", p99 ≤ {p99_limit:g} ms at {CONNECTIONS} connections"
        extra["p99_ms"] = round(m.p99_ms, 1)
    note = (
        f"app {m.app_rps:,.0f} req/s vs hello {m.hello_rps:,.0f}; p50 {m.p50_ms:.1f} ms, p99 {m.p99_ms:.1f} ms; "
        f"floor ({floor.name}) {m.floor_rps / m.hello_rps:.0%} of hello"
    )
    return result(
        name,
        round(m.app_rps, 1),
        "req/s",
        round(m.hello_rps, 1),
        round(ratio, 3),
        goal,
        ratio >= percent / 100 and (p99_limit is None or m.p99_ms <= p99_limit),
        **extra,
        _note=note,
    )


def api_floor(token: str) -> Floor:
    """An API call signed by `token` that the app answers from memory: the calendar's sessions."""
    target = Target("GET", ["/api/v1/sessions"], {"Authorization": f"Bearer {token}"}, expect=b'"reimbursable"')
    return Floor("a signed API call answered from memory", target)


def api_claim_get(app_client, hello_client, population, options: Options) -> dict:
    first = population.made["first_claim_id"]
    count = population.made["claims"]
    # Claims spread over the whole table, so that no single row stays hot in a cache.
    step = max(1, count // 500)
    paths = [f"/api/v1/claims/{first + n}" for n in range(0, count, step)]
    target = Target("GET", paths, {"Authorization": f"Bearer {population.tokens['checker']}"}, expect=b'"history"')
    floor = api_floor(population.tokens["checker"])
    return _share_of_hello("api_claim_get", app_client, hello_client, target, floor, options, 40)


def _preview_body(population) -> str:
    """A mentor's own claim as the preview gets it: their receipts, a session they already claimed."""
    from sqlalchemy import select

    from expenses.extensions import db
    from expenses.models import Claim, User

    app = population.app()
    with app.app_context():
        mentor = db.session.scalar(select(User).where(User.email == population.emails["mentor"]))
        claim = db.session.scalar(select(Claim).where(Claim.mentor_id == mentor.id).order_by(Claim.id))
        body, claim_id = claim.body, claim.id
        db.session.remove()
    return json.dumps(body), claim_id


def api_preview(app_client, hello_client, population, options: Options) -> dict:
    body, claim_id = _preview_body(population)
    headers = {"Authorization": f"Bearer {population.tokens['mentor']}", "Content-Type": "application/json"}
    target = Target("POST", [f"/api/v1/claims/preview?claim={claim_id}"], headers, body, expect=b'"lines"')
    floor = api_floor(population.tokens["mentor"])
    return _share_of_hello("api_preview", app_client, hello_client, target, floor, options, 35)


def finance_cookie(app_client, population) -> str:
    from expenses.generate import PASSWORD

    return sign_in_any(app_client, population.emails["checker"], PASSWORD)


def sign_in_any(client, email: str, password: str) -> str:
    """Sign in through a server (the Cookie header to send) or a test client (which keeps it itself)."""
    if isinstance(client, Http):
        return sign_in(client.base, email, password)
    page = client.call("GET", "/login?lang=en")[2]
    token = CSRF.search(page).group(1).decode()
    form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token}).encode()
    # Over HTTPS Flask-WTF also wants a same-site Referer, as a browser sends.
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": "https://localhost/login"}
    status = client.call("POST", "/login", headers, form)[0]
    if status != 302:
        raise RuntimeError(f"signing in as {email} failed with status {status}")
    return ""


def finance_queue_target(app_client, population) -> Target:
    cookie = finance_cookie(app_client, population)
    # English, so that the check below reads a known heading.
    return Target("GET", ["/finance/?lang=en"], {"Cookie": cookie}, expect=b'id="to-check"')


def finance_queue(app_client, hello_client, population, options: Options) -> dict:
    target = finance_queue_target(app_client, population)
    # The same officer's own details, a page with one small form: the least a signed-in page does (the
    # session cookie, the user, a CSRF token, the base template).
    page = Target("GET", ["/account/?lang=en"], target.headers, expect=b'name="language"')
    floor = Floor("a signed-in page with one small form", page)
    return _share_of_hello("finance_queue", app_client, hello_client, target, floor, options, 15, p99_limit=100)
