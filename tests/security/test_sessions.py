"""Sessions and forms: sign-in rate limits, cookie flags, CSRF, and the security headers of every kind of response."""

import re
from pathlib import Path

import pytest

from expenses import create_app
from expenses.extensions import db
from expenses.security import HEADERS
from tests.factories import PASSWORD, csrf_token, make_user, sign_in

TOO_MANY = "Too many sign-in attempts."
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _attempt(client, email: str, password: str = "not the password"):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)})


def _signed_in(client) -> bool:
    return client.get("/").headers.get("Location", "") != "/login"


# --- rate limits ----------------------------------------------------------------------------------


def test_failed_sign_ins_are_limited_per_account(app, client):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per minute"
    user = make_user("mentor")
    for _ in range(3):
        assert _attempt(client, user.email).status_code == 200
    refused = _attempt(client, user.email, PASSWORD)  # even the right password waits now
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert TOO_MANY in page and "Wait 1 minute" in page and '<html lang="en">' in page
    assert int(refused.headers["Retry-After"]) > 0
    assert not _signed_in(client)
    # The same e-mail typed differently is the same account.
    assert _attempt(client, f"  {user.email.upper()} ").status_code == 429
    # Another account from the same address is not held up.
    other = make_user("mentor")
    assert sign_in(client, other).status_code == 302


def test_the_429_page_speaks_the_users_language(app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "1 per minute"
    for lang, words in (("fi", "Liian monta kirjautumisyritystä. Odota 1 minuutti"), ("sv", "Vänta 1 minut")):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
        email = f"someone-{lang}@example.fi"
        _attempt(client, email)
        refused = _attempt(client, email)
        assert refused.status_code == 429
        page = refused.get_data(as_text=True)
        assert words in page and f'<html lang="{lang}">' in page


def test_successful_sign_ins_do_not_count_against_the_account(app, client):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per minute"
    user = make_user("finance")
    for _ in range(4):
        assert sign_in(client, user).status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/password")})


def test_unknown_account_is_limited_the_same_way(app, client):
    """The limit says nothing about which accounts exist: an unknown e-mail is held up exactly alike."""
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per minute"
    known = make_user("mentor")
    answers = {}
    for email in (known.email, "nobody@example.fi"):
        statuses = [_attempt(client, email).status_code for _ in range(3)]
        answers[email] = statuses
    assert answers[known.email] == answers["nobody@example.fi"] == [200, 200, 429]


def test_attempts_are_limited_per_address(app):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per minute"
    client = app.test_client()
    client.environ_base.update(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="203.0.113.7")
    statuses = [_attempt(client, f"guess{n}@example.fi").status_code for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    # Someone else, elsewhere, signs in as usual.
    elsewhere = app.test_client()
    elsewhere.environ_base.update(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="203.0.113.8")
    assert sign_in(elsewhere, make_user("mentor")).status_code == 302


def _app(tmp_path, **config):
    settings = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'own.sqlite3'}",
        "RECEIPTS_DIR": str(tmp_path / "r"),
        "DOCUMENTS_DIR": str(tmp_path / "d"),
        "PASSWORD_HASH_COST": "cheap",
        "SERVER_NAME": "localhost",
        **config,
    }
    return create_app(settings)


def test_limits_can_be_switched_off(app, tmp_path):
    own = _app(tmp_path, TESTING=True, ENV_NAME="test", SECRET_KEY="test", RATELIMIT_ENABLED="false")
    own.config["LOGIN_LIMIT_PER_ACCOUNT"] = "1 per minute"
    with own.app_context():
        db.create_all()
        try:
            client = own.test_client()
            assert [_attempt(client, "x@example.fi").status_code for _ in range(3)] == [200, 200, 200]
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def test_behind_a_proxy_the_limit_follows_the_forwarded_address(app, tmp_path):
    own = _app(tmp_path, TESTING=True, ENV_NAME="test", SECRET_KEY="test", PROXY_HOPS=1)
    own.config["LOGIN_LIMIT_PER_ADDRESS"] = "2 per minute"
    with own.app_context():
        db.create_all()
        try:
            proxy = own.test_client()
            proxy.environ_base.update(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="127.0.0.1")

            def attempt(address: str) -> int:
                proxy.environ_base["HTTP_X_FORWARDED_FOR"] = address
                return _attempt(proxy, "someone@example.fi").status_code

            assert [attempt("198.51.100.1") for _ in range(3)] == [200, 200, 429]
            assert attempt("198.51.100.2") == 200  # another person behind the same proxy
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


# --- cookies --------------------------------------------------------------------------------------


def _cookie_flags(response, name: str = "session") -> dict[str, str | bool]:
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}="))
    flags: dict[str, str | bool] = {}
    for part in header.split(";")[1:]:
        key, _sep, value = part.strip().partition("=")
        flags[key.lower()] = value or True
    return flags


def test_session_cookie_is_httponly_and_samesite(app, client):
    user = make_user("mentor")
    flags = _cookie_flags(sign_in(client, user))
    assert flags["httponly"] is True and flags["samesite"] == "Lax"


def test_production_cookie_is_also_secure_and_hsts_is_sent(tmp_path):
    production = _app(tmp_path, ENV_NAME="production", SECRET_KEY="p" * 48)
    assert not production.testing
    with production.app_context():
        db.create_all()
        try:
            user = make_user("mentor")
            client = production.test_client()
            client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
            https = "https://localhost"
            page = client.get("/login", base_url=https).get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            form = {"email": user.email, "password": PASSWORD, "csrf_token": token}
            # Over HTTPS Flask-WTF also wants a same-site Referer, as browsers send.
            answer = client.post("/login", data=form, base_url=https, headers={"Referer": f"{https}/login"})
            assert answer.status_code == 302
            flags = _cookie_flags(answer)
            assert flags["secure"] is True and flags["httponly"] is True and flags["samesite"] == "Lax"
            assert "max-age=" in answer.headers["Strict-Transport-Security"]
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def test_signing_in_renews_the_session(app, client):
    client.get("/login")
    before = client.get_cookie("session").value
    sign_in(client, make_user("mentor"))
    assert client.get_cookie("session").value != before


# --- CSRF -----------------------------------------------------------------------------------------

FORMS_SIGNED_IN = [
    ("mentor", "/claims/new"),
    ("mentor", "/claims/receipts"),
    ("mentor", "/account/"),
    ("mentor", "/password"),
    ("finance", "/finance/payments/"),
    ("admin", "/admin/users"),
    ("auditor", "/verify"),
]


@pytest.mark.parametrize(("role", "path"), FORMS_SIGNED_IN)
def test_post_without_the_token_is_refused_with_a_clear_page(app, client, role, path):
    sign_in(client, make_user(role))
    for data in ({}, {"csrf_token": "forged"}):
        answer = client.post(path, data=data)
        assert answer.status_code == 400
        page = answer.get_data(as_text=True)
        assert "The form had expired or was sent from elsewhere. Reload the page and send it again." in page
        assert "<h1>" in page and '<html lang="en">' in page


def test_token_of_another_session_is_refused(app, client):
    sign_in(client, make_user("mentor"))
    stranger = app.test_client()
    foreign = csrf_token(stranger)
    assert client.post("/account/", data={"csrf_token": foreign, "language": "en"}).status_code == 400


# --- headers --------------------------------------------------------------------------------------


def _check_headers(response) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "script-src 'self'" in csp


def test_every_kind_of_response_carries_the_security_headers(app, client, monkeypatch):
    answers = {
        "page": client.get("/login"),
        "redirect": client.get("/"),
        "not found": client.get("/no/such/page"),
        "wrong method": client.get("/logout"),
        "csrf": client.post("/login", data={}),
        "api 401": client.get("/api/v1/sessions"),
        "api 404": client.get("/api/v1/nothing"),
        "openapi": client.get("/api/v1/openapi.json"),
        "static": client.get("/static/css/app.css"),
        "static js": client.get("/static/js/claim-form.js"),
    }
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 100
    answers["too large"] = client.post("/login", data={"email": "x" * 500})
    app.config["MAX_CONTENT_LENGTH"] = limit
    for answer in answers.values():
        answer.close()  # static files are streamed

    def broken():
        raise RuntimeError("a bug")

    monkeypatch.setitem(app.view_functions, "auth.actor", broken)
    sign_in(client, make_user("actor"))
    answers["server error"] = client.get("/actor")
    answers["signed-in page"] = client.get("/account/")
    assert {k: a.status_code for k, a in answers.items()} == {
        "page": 200,
        "redirect": 302,
        "not found": 404,
        "wrong method": 405,
        "csrf": 400,
        "api 401": 401,
        "api 404": 404,
        "openapi": 200,
        "static": 200,
        "static js": 200,
        "too large": 413,
        "server error": 500,
        "signed-in page": 200,
    }
    for name, answer in answers.items():
        try:
            _check_headers(answer)
        except AssertionError as e:
            raise AssertionError(f"{name}: {e}") from None
    # Personal data is never cached; static files may be.
    assert answers["signed-in page"].headers["Cache-Control"] == "no-store"
    assert answers["api 401"].headers["Cache-Control"] == "no-store"
    assert "no-store" not in answers["static"].headers.get("Cache-Control", "")
    assert "Strict-Transport-Security" not in answers["page"].headers  # plain HTTP in development and tests


def test_templates_have_no_inline_script_or_style_or_handlers():
    """The CSP forbids them (script-src/style-src 'self'); the PDF template is rendered by WeasyPrint, not a browser."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    style_attr = re.compile(r"\sstyle\s*=", re.IGNORECASE)
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.parent.name == "pdf":
            continue
        text = path.read_text()
        for pattern in (inline_script, handler, style_attr):
            found += [f"{path.relative_to(TEMPLATES)}: {m.group(0)!r}" for m in pattern.finditer(text)]
        found += [f"{path.relative_to(TEMPLATES)}: <style>" for _ in re.finditer(r"<style", text)]
    assert found == []


def test_uploads_are_never_served_as_html(app, client):
    """A receipt is served with the type found in its content, nosniff, as a download under a sandbox, so a
    crafted file cannot run as a page (HTML inside is refused on upload: tests/service/test_receipt_checks.py)."""
    from tests.factories import PDF_BYTES, make_receipt

    mentor = make_user("mentor")
    receipt = make_receipt(mentor, PDF_BYTES, "x.html")
    sign_in(client, mentor)
    with client.get(f"/receipts/{receipt.id}") as answer:
        assert answer.mimetype == "application/pdf"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Content-Security-Policy"].startswith("sandbox")
        assert receipt.filename == "x.html" and answer.headers["Content-Disposition"].startswith("attachment")
