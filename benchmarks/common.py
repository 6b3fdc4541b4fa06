"""What the benchmarks share: results, medians, a population in a database, gunicorn servers and wrk."""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USER_AGENT = "expenses-bench"


# --- results ---------------------------------------------------------------------------------------


def result(
    bench: str,
    value: float | None,
    unit: str,
    baseline: float | None,
    ratio: float | None,
    target: str,
    ok: bool,
    **more,
) -> dict:
    """One benchmark's line; keys starting with "_" are details for the table, not printed as JSON."""
    return {
        "bench": bench,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "ratio": ratio,
        "target": target,
        "ok": bool(ok),
        **more,
    }


def failed(bench: str, unit: str, target: str, reason: str) -> dict:
    """A benchmark that could not run: still one line, with ok false and the reason."""
    return result(bench, None, unit, None, None, target, False, reason=reason)


def median(values: list[float]) -> float:
    return statistics.median(values)


def timed(work: Callable[[], object]) -> float:
    """Seconds of wall-clock time that `work` takes."""
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


# --- a population in a database ----------------------------------------------------------------------


@dataclass
class Population:
    """A database filled by the generator, with what the benchmarks need to reach it."""

    settings: dict  # create_app overrides; the same, as EXPENSES_* variables, configure gunicorn
    made: dict
    folder: Path
    tokens: dict[str, str] = field(default_factory=dict)  # role name → API token
    emails: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({f"EXPENSES_{k}": str(v) for k, v in self.settings.items()})
        env["PYTHONPATH"] = str(ROOT)
        return env

    def app(self):
        from expenses import create_app

        return create_app(dict(self.settings))


def settings_for(folder: Path, database_url: str | None = None) -> dict:
    """Production settings (a random secret key) over a database and file stores in `folder`."""
    return {
        "ENV_NAME": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url or f"sqlite:///{folder / 'bench.sqlite3'}",
        "RECEIPTS_DIR": str(folder / "receipts"),
        "DOCUMENTS_DIR": str(folder / "documents"),
        # The officers' pages are measured, not their first step of enrolling in two-factor sign-in.
        "REQUIRE_2FA_ROLES": "",
        # As production with several workers must (README): the sign-in limits in the Redis that runs
        # beside the service, in a database of the benchmarks' own.
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
    }


def populate(folder: Path, claims: int, database_url: str | None = None, mentors: int | None = None) -> Population:
    """A fresh database at the current schema, filled with `claims` generated claims, plus API tokens."""
    from flask_migrate import upgrade

    from expenses.accounts import issue_token
    from expenses.extensions import db, migrations
    from expenses.generate import generate
    from expenses.models import User

    folder.mkdir(parents=True, exist_ok=True)
    population = Population(settings_for(folder, database_url), {}, folder)
    app = population.app()
    with app.app_context():
        migrations(app)
        upgrade()
        population.made = generate(claims=claims, mentors=mentors, seed=7)
        first = population.made["first_user_id"]
        people = db.session.scalars(select_users(User, first)).all()
        mentor = next(u for u in people if u.role == "mentor")
        finance = [u for u in people if u.role == "finance"]
        auditor = next(u for u in people if u.role == "auditor")
        # finance 1 checked the generated claims, so finance 2 may approve them.
        for name, user in (("mentor", mentor), ("checker", finance[0]), ("approver", finance[1]), ("auditor", auditor)):
            population.tokens[name] = issue_token(user)
            population.emails[name] = user.email
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return population


def select_users(user_model, first: int):
    from sqlalchemy import or_, select

    return (
        select(user_model)
        .where(user_model.id >= first, or_(user_model.role != "mentor", user_model.id == first))
        .order_by(user_model.id)
    )


@contextmanager
def workspace(prefix: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{prefix}-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- servers ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with the production configuration (gunicorn.conf.py) on a free port of 127.0.0.1."""

    def __init__(self, target: str, env: dict[str, str], log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log_file = log.open("wb")
        command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
        command += ["--bind", f"127.0.0.1:{self.port}", target]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._wait_until_up()

    def _wait_until_up(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped: {self.log.read_text()[-2000:]}")
            try:
                request(self.url, "GET", "/")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer in {seconds} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            # Our own gunicorn only: its master is the leader of the session we started it in.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log_file.close()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def request(base: str, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
    """One HTTP request to our own server; returns (status, headers, body)."""
    parts = urllib.parse.urlsplit(base)
    connection = HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers={"User-Agent": USER_AGENT, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


def sign_in(base: str, email: str, password: str) -> str:
    """Sign in through the real form; return the Cookie header of the signed-in session."""
    status, headers, page = request(base, "GET", "/login?lang=en")
    cookie = _cookie(headers)
    token = CSRF.search(page)
    if token is None:
        raise RuntimeError(f"no sign-in form at {base}/login (status {status})")
    form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token.group(1).decode()})
    status, headers, _page = request(
        base,
        "POST",
        "/login",
        {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        form.encode(),
    )
    if status != 302:
        raise RuntimeError(f"signing in as {email} failed with status {status}")
    cookie = _cookie(headers, cookie)
    # Then the first page, as a browser opens it (through its redirects): it adds the CSRF token to the
    # session, and a browser sends that cookie from then on. A client that kept sending the sign-in's
    # cookie would make every page write the token and sign a new cookie, which no browser does.
    url = f"{base}/login"
    for _hop in range(5):
        location = next((v for k, v in headers if k.lower() == "location"), None)
        if location is None:
            if status != 200:
                raise RuntimeError(f"the first page after signing in as {email} answered {status}")
            return cookie
        url = urllib.parse.urljoin(url, location)
        target = urllib.parse.urlsplit(url)
        path = (target.path or "/") + (f"?{target.query}" if target.query else "")
        status, headers, _page = request(base, "GET", path, {"Cookie": cookie})
        cookie = _cookie(headers, cookie)
    raise RuntimeError(f"too many redirects after signing in as {email}")


def _cookie(headers: list[tuple[str, str]], sent: str = "") -> str:
    """The Cookie header to send next: the cookies `sent`, with the answer's Set-Cookie values put in by name."""
    jar = dict(part.split("=", 1) for part in sent.split("; ") if part)
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _eq, content = value.split(";", 1)[0].partition("=")
            jar[key] = content
    return "; ".join(f"{key}={content}" for key, content in jar.items())


# --- wrk --------------------------------------------------------------------------------------------------


def wrk_path() -> str | None:
    return shutil.which("wrk")


@dataclass
class Load:
    """What one wrk run measured."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> Load:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(found.group(1))
    if found := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        # Sync workers close each connection after answering, which wrk may count as a read error; the
        # connect, write and timeout errors are real.
        errors += int(found.group(1)) + int(found.group(3)) + int(found.group(4))
    return Load(rps, p50, p99, requests, errors)


def lua(headers: dict[str, str], method: str = "GET", body: str | None = None, paths: list[str] | None = None) -> str:
    """A wrk script: these headers and body on every request, the path chosen at random from `paths`."""
    lines = [f"wrk.method = {json.dumps(method)}"]
    lines += [
        f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in {"User-Agent": USER_AGENT, **headers}.items()
    ]
    if body is not None:
        lines.append(f"wrk.body = {_lua_string(body)}")
    if paths:
        lines.append("local paths = {" + ", ".join(json.dumps(p) for p in paths) + "}")
        lines.append("math.randomseed(20240423)")
        lines.append("request = function() return wrk.format(nil, paths[math.random(#paths)]) end")
    return "\n".join(lines) + "\n"


def _lua_string(text: str) -> str:
    level = "=" * 3
    return f"[{level}[{text}]{level}]"


def wrk(url: str, script: str, seconds: float, connections: int, threads: int = 2) -> Load:
    """Load `url` for `seconds` with wrk from this machine (127.0.0.1 only) and the script's requests."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("the benchmarks load only servers on 127.0.0.1")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        command = [wrk_path() or "wrk", "--latency", "--timeout", "10s", f"-t{min(threads, connections)}"]
        command += [f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", f.name, url]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    finally:
        os.unlink(f.name)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


# --- the table --------------------------------------------------------------------------------------------


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and abs(value) < 100:
        return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"
    return f"{value:,.0f}"


def table(results: list[dict]) -> str:
    rows = [("bench", "value", "unit", "baseline", "ratio", "target", "ok", "notes")]
    for r in results:
        note = r.get("reason") or r.get("_note", "")
        rows.append(
            (
                r["bench"],
                _number(r["value"]),
                r["unit"],
                _number(r["baseline"]),
                _number(r["ratio"]),
                r["target"],
                "yes" if r["ok"] else "NO",
                note,
            )
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            str(c).ljust(w) if i in (0, 2, 5, 6) else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=False))
        ]
        lines.append("  ".join(cells) + "  " + str(row[-1]))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  -----")
    return "\n".join(lines)


def public(r: dict) -> dict:
    """The JSON line of a result: without the details for the table."""
    return {k: v for k, v in r.items() if not k.startswith("_")}


def emit(r: dict) -> None:
    print(json.dumps(public(r), ensure_ascii=False), flush=True)
