"""Browser tests: the real app served on 127.0.0.1, driven by Debian's Chromium through Playwright.

One server and one browser serve all of tests/e2e; each test gets fresh browser contexts (own
cookies) and seeds the users and claims it needs, so tests never depend on one another's data.
Where Chromium or Playwright is missing the tests skip loudly; with REQUIRE_BROWSER=1 (CI) they fail.
On a failure every open page is photographed under test-output/e2e/<test name>/.
"""

import itertools
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from expenses import create_app
from expenses.extensions import db
from expenses.rounds import import_shipped
from tests.factories import PASSWORD

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips (or, with REQUIRE_BROWSER=1, fails) every test, saying why
    expect = None

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
LOCALES = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}
#: Long enough for a PDF to be made at approval on a slow CI machine, short enough to fail quickly.
TIMEOUT_MS = 15_000


def unavailable(reason: str) -> None:
    message = f"BROWSER TESTS NOT RUN: {reason}"
    if REQUIRE_BROWSER:
        pytest.fail(f"{message} (REQUIRE_BROWSER=1 makes this a failure)", pytrace=False)
    pytest.skip(message)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item, so fixtures can tell at teardown whether the test failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


class LiveServer:
    """The app in a background thread: its address, and a way to seed data in its database."""

    def __init__(self, root: Path) -> None:
        self.app = create_app(
            {
                "ENV_NAME": "test",
                "SECRET_KEY": "e2e-secret-key-long-enough-for-any-check",
                "DATABASE_URL": f"sqlite:///{root / 'e2e.sqlite3'}",
                # Requests are served in threads while the test seeds data: wait for a lock, do not fail.
                "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "connect_args": {"timeout": 30}},
                "RECEIPTS_DIR": str(root / "receipts"),
                "DOCUMENTS_DIR": str(root / "documents"),
                "PASSWORD_HASH_COST": "cheap",
                "WTF_CSRF_ENABLED": True,
                # The journeys sign officers in with a password; test_accounts enrols one in two-factor sign-in.
                "REQUIRE_2FA_ROLES": "",
                # Every browser of the suite signs in from 127.0.0.1, dozens of times a minute on a fast
                # machine; the limits themselves are tested in tests/security (the per-account one stays).
                "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
            }
        )
        with self.app.app_context():
            db.create_all()
            import_shipped()
            db.session.commit()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.app.config["BASE_URL"] = self.url
        self.thread = threading.Thread(target=self.server.serve_forever, name="e2e-server", daemon=True)
        self.thread.start()

    def seed(self, make: Callable[[], object]) -> object:
        """Run `make` with the app's database (factories, workflow); return plain data, not ORM rows."""
        with self.app.app_context():
            try:
                return make()
            finally:
                db.session.remove()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        with self.app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="package")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("e2e"))
    yield server
    server.stop()


# Package scope, not session: Playwright's sync API keeps an asyncio loop running in the main thread
# until it is stopped, and later tests that call asyncio.run() (pyHanko's signing) would fail.
@pytest.fixture(scope="package")
def chromium():
    """One headless Chromium for tests/e2e (Debian's; Playwright's own browsers are never downloaded)."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        unavailable("the Python package `playwright` is not installed (pip install -e '.[test]').")
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium).")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    except Error as e:
        playwright.stop()
        unavailable(f"Chromium at {CHROMIUM} did not start: {e}")
    yield browser
    browser.close()
    playwright.stop()


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text).strip("-")[:120] or "step"


@pytest.fixture
def output_dir(request) -> Path:
    """test-output/e2e/<test name>/, emptied at the start of the test."""
    path = request.config.rootpath / "test-output" / "e2e" / _slug(request.node.name)
    shutil.rmtree(path, ignore_errors=True)
    return path


class Browser:
    """Pages of one test, each in its own context (own sign-in), all photographed when something fails."""

    def __init__(self, chromium, base_url: str, output_dir: Path) -> None:
        self.chromium = chromium
        self.base_url = base_url
        self.output_dir = output_dir
        self.pages: dict[str, object] = {}
        self._steps = itertools.count(1)

    def new_page(self, name: str, lang: str = "fi", width: int = 1280, height: int = 900, **options):
        """A page in its own context; `lang` is the browser's language (date pickers, Accept-Language)."""
        context = self.chromium.new_context(
            base_url=self.base_url,
            viewport={"width": width, "height": height},
            locale=LOCALES[lang],
            accept_downloads=True,
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        self.pages[name] = page
        return page

    def screenshot_all(self, label: str) -> None:
        self.output_dir.mkdir(parents=True, exist_ok=True)
        for name, page in self.pages.items():
            try:
                page.screenshot(path=str(self.output_dir / f"{_slug(label)}-{_slug(name)}.png"), full_page=True)
            except Exception as e:  # a crashed page must not hide the test's own failure
                (self.output_dir / f"{_slug(label)}-{_slug(name)}.txt").write_text(f"no screenshot: {e}\n")

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """A named step of a journey; if it fails, every page is photographed as it was then."""
        number = next(self._steps)
        try:
            yield
        except BaseException:
            self.screenshot_all(f"{number:02d}-{name}")
            raise

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


@pytest.fixture
def browser(request, chromium, live_server, output_dir) -> Iterator[Browser]:
    b = Browser(chromium, live_server.url, output_dir)
    yield b
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        b.screenshot_all("at-failure")
    b.close()


def sign_in(page, email: str, lang: str | None = None, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would (in `lang`, when given)."""
    page.goto("/login" + (f"?lang={lang}" if lang else ""))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/login" not in page.url, f"sign-in as {email} failed: still on {page.url}"


@pytest.fixture(scope="package")
def world(live_server) -> dict:
    """Users in every role and claims in every state (tests/e2e/world.py), made once for tests/e2e."""
    from tests.e2e.world import build_world

    return live_server.seed(build_world)
