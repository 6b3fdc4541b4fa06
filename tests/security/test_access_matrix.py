"""The access-control matrix: every route of the pages and the API, for every role and a signed-out visitor.

Each (endpoint, method) has one line in EXPECTED saying who may use it. The test walks the app's URL
map, fills each URL with the ids of the owner's real claim, receipt and payment batch, sends the
request as each role and compares the answer's kind:

- ok:     the request got past access control (a page, a file, a redirect elsewhere, or 409/422 for
          the deliberately incomplete input the matrix sends, so that nothing changes);
- signin: a redirect to the sign-in page;
- 401:    the API without a token;
- 403:    a role that may not do this;
- 404:    another mentor's claim, receipt or PDF (its existence is not revealed), and for an auditor
          a claim that is not approved or paid, and its receipts (the variants on the open claim).

A route added without a line here fails the test, and so does a line for a route that is gone.
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import url_for
from werkzeug.routing import Rule

from expenses.models import AuditEvent, Claim, Receipt, User
from expenses.security import HEADERS
from tests.factories import csrf_token
from tests.security.conftest import FIGURES, ROLES, World

READERS = ("mentor", "finance", "auditor")
SIGNED_IN = ("mentor", "actor", "finance", "auditor", "admin")
EVERYONE = ("anonymous", *SIGNED_IN)
CSRF_REFUSED = "The form had expired or was sent from elsewhere."


@dataclass(frozen=True)
class Access:
    """Who may use one endpoint and method; `owned`: it names the mentor's own object, so another mentor gets 404."""

    allowed: tuple[str, ...]
    owned: bool = False
    api: bool = False
    anonymous: str | None = None  # what a signed-out visitor gets, when not the usual sign-in redirect or 401
    query: dict = field(default_factory=dict)
    everyone: str | None = None  # the one answer every role gets
    open_claim: bool = False  # the URL names the owner's open (submitted) claim and its receipt, not the approved one

    def expected(self, role: str) -> str:
        if self.everyone:
            return self.everyone
        if role == "anonymous":
            if "anonymous" in self.allowed:
                return "ok"
            return self.anonymous or ("401" if self.api else "signin")
        as_role = "mentor" if role == "other_mentor" else role
        if as_role not in self.allowed:
            return "403"
        if role == "other_mentor" and self.owned:
            return "404"
        # Auditors read approved and paid claims only: an open claim is not found for them, on every path.
        return "404" if role == "auditor" and self.open_claim else "ok"


def page(*allowed: str, owned: bool = False, **kw) -> Access:
    return Access(allowed, owned, **kw)


def api(*allowed: str, owned: bool = False, **kw) -> Access:
    return Access(allowed, owned, api=True, **kw)


#: (endpoint, method) → who may. Keep it in the order of `flask routes`.
EXPECTED: dict[tuple[str, str], Access] = {
    ("account.details", "GET"): page(*SIGNED_IN),
    ("account.create_token", "POST"): page(*SIGNED_IN),
    ("account.details", "POST"): page(*SIGNED_IN),
    ("account.revoke_token", "POST"): page(*SIGNED_IN),
    ("account.two_factor", "GET"): page("finance", "auditor", "admin"),
    ("account.two_factor", "POST"): page("finance", "auditor", "admin"),
    ("admin.change_active", "POST"): page("admin"),
    ("admin.change_role", "POST"): page("admin"),
    ("admin.create", "POST"): page("admin"),
    ("admin.import_roster", "POST"): page("admin"),
    ("admin.index", "GET"): page("admin"),
    ("admin.invite", "POST"): page("admin"),
    ("admin.revoke_user_tokens", "POST"): page("admin"),
    ("admin.reset_two_factor", "POST"): page("admin"),
    ("admin.send_reset", "POST"): page("admin"),
    ("api.approve", "POST"): api("finance"),
    ("api.add_session", "POST"): api("admin"),
    ("api.cancel_session", "POST"): api("admin"),
    ("api.check", "POST"): api("finance"),
    ("api.claim", "GET"): api(*READERS, owned=True),
    ("api.create_claim", "POST"): api("mentor"),
    ("api.create_round", "POST"): api("admin"),
    ("api.delete_session", "DELETE"): api("admin"),
    ("api.get_round", "GET"): api("admin"),
    ("api.get_session", "GET"): api("admin"),
    ("api.list_rounds", "GET"): api("admin"),
    ("api.independent", "PUT"): api("admin"),
    ("api.list_claims", "GET"): api(*READERS),
    ("api.openapi_json", "GET"): api(*EVERYONE),
    ("api.pay", "POST"): api("finance"),
    ("api.preview", "POST"): api("mentor"),
    ("api.reject", "POST"): api("finance"),
    ("api.return_claim", "POST"): api("finance"),
    ("api.sessions", "GET"): api(*SIGNED_IN),
    ("api.submit", "POST"): api("mentor", owned=True),
    ("api.summary_pdf", "GET"): api(*READERS, owned=True),
    ("api.update_claim", "PUT"): api("mentor", owned=True),
    ("api.update_round", "PUT"): api("admin"),
    ("api.update_session", "PUT"): api("admin"),
    ("api.upload_receipt", "POST"): api("mentor"),
    ("api.verify", "POST"): api("finance", "auditor"),
    ("audit.export", "GET"): page("auditor"),
    ("audit.index", "GET"): page("auditor"),
    ("audit.ledger_csv", "GET"): page("auditor"),
    ("audit.ledger_data", "GET"): page("auditor"),
    ("audit.ledger_xlsx", "GET"): page("auditor"),
    ("audit.show", "GET"): page("auditor"),
    ("audit.summary_csv", "GET"): page("auditor"),
    ("audit.summary_page", "GET"): page("auditor"),
    # The links by mail: anyone may open one; the matrix's is not valid, so it changes nothing.
    ("auth.accept_invitation", "GET"): page(*EVERYONE),
    ("auth.accept_invitation", "POST"): page(*EVERYONE),
    ("auth.actor", "GET"): page(*SIGNED_IN),
    ("auth.forgot_password", "GET"): page(*EVERYONE),
    ("auth.forgot_password", "POST"): page(*EVERYONE),
    ("auth.home", "GET"): page(*SIGNED_IN, anonymous="signin"),
    ("auth.login", "GET"): page(*EVERYONE),
    ("auth.login", "POST"): page(*EVERYONE),
    # The second step of a sign-in: without a password given first, everyone is sent back to sign in.
    ("auth.login_code", "GET"): Access((), everyone="signin"),
    ("auth.login_code", "POST"): Access((), everyone="signin"),
    # Signing out (signed in or not) ends on the sign-in page; it is walked last, see _cases.
    ("auth.logout", "POST"): Access((), everyone="signin"),
    ("auth.password", "GET"): page(*SIGNED_IN),
    ("auth.password", "POST"): page(*SIGNED_IN),
    ("auth.reset_password", "GET"): page(*EVERYONE),
    ("auth.reset_password", "POST"): page(*EVERYONE),
    ("documents.summary", "GET"): page(*READERS, owned=True),
    ("documents.verify", "GET"): page("finance", "auditor"),
    ("documents.verify", "POST"): page("finance", "auditor"),
    ("files.preview", "GET"): page(*READERS, owned=True),
    ("files.receipt", "GET"): page(*READERS, owned=True),
    ("mentor.edit", "GET"): page("mentor", owned=True),
    ("mentor.edit", "POST"): page("mentor", owned=True),
    ("mentor.index", "GET"): page("mentor"),
    ("mentor.new", "GET"): page("mentor"),
    ("mentor.new", "POST"): page("mentor"),
    ("mentor.preview", "POST"): page("mentor"),
    ("mentor.show", "GET"): page("mentor", owned=True),
    ("mentor.submit", "POST"): page("mentor", owned=True),
    ("mentor.upload_receipt", "POST"): page("mentor"),
    ("payments.create", "POST"): page("finance"),
    ("payments.download", "GET"): page("finance"),
    ("payments.index", "GET"): page("finance"),
    ("payments.show", "GET"): page("finance"),
    ("payments.show", "POST"): page("finance"),
    ("review.act", "POST"): page("finance"),
    ("review.decide", "POST"): page("finance"),
    ("review.handled", "GET"): page("finance"),
    ("review.index", "GET"): page("finance"),
    ("review.summary_csv", "GET"): page("finance"),
    ("review.summary_page", "GET"): page("finance"),
    ("review.show", "GET"): page("finance"),
    ("rounds.add_session", "POST"): page("admin"),
    ("rounds.create", "POST"): page("admin"),
    ("rounds.edit_session", "GET"): page("admin"),
    ("rounds.edit_session", "POST"): page("admin"),
    ("rounds.independent", "POST"): page("admin"),
    ("rounds.index", "GET"): page("admin"),
    ("rounds.session_action", "POST"): page("admin"),
    ("rounds.show", "GET"): page("admin"),
    ("rounds.update", "POST"): page("admin"),
    ("static", "GET"): page(*EVERYONE),
}
#: Extra cases of one endpoint: the live preview of a claim being edited names the claim in ?claim=.
VARIANTS: dict[tuple[str, str], list[Access]] = {
    ("mentor.preview", "POST"): [page("mentor", owned=True, query={"claim": "claim"})],
    # The API's preview of a claim being edited names it in ?claim= too (issue 17: another's answered 200).
    ("api.preview", "POST"): [api("mentor", owned=True, query={"claim": "claim"})],
    # The owner's open claim: the same people as ever, except auditors (issue 17, defect 9).
    ("api.claim", "GET"): [api(*READERS, owned=True, open_claim=True)],
    ("api.summary_pdf", "GET"): [api(*READERS, owned=True, open_claim=True)],
    ("audit.show", "GET"): [page("auditor", open_claim=True)],
    ("files.preview", "GET"): [page(*READERS, owned=True, open_claim=True)],
    ("files.receipt", "GET"): [page(*READERS, owned=True, open_claim=True)],
}
#: Signing out: every signed-in role is sent to the sign-in page too, and is signed out.
LOGOUT = ("auth.logout", "POST")


def routes(app) -> dict[tuple[str, str], Rule]:
    found = {}
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found[(rule.endpoint, method)] = rule
    return found


def test_every_route_is_in_the_matrix(app):
    mapped = set(routes(app))
    assert sorted(mapped - set(EXPECTED)) == [], "add these routes to EXPECTED in tests/security/test_access_matrix.py"
    assert sorted(set(EXPECTED) - mapped) == [], "these routes are gone: remove them from EXPECTED"


def _values(world: World, rule: Rule, open_claim: bool = False) -> list[dict]:
    """URL values for the rule from the world's real objects; one dict per case (review.act: one per action)."""
    known = {
        "claim_id": [world.open_claim.id if open_claim else world.claim.id],
        "receipt_id": [world.open_receipt.id if open_claim else world.receipt.id],
        "batch_id": [world.batch.id],
        "user_id": [world.users["other_mentor"].id],
        "filename": ["css/app.css"],
        "action": ["check", "approve", "return", "reject", "pay", "cancel", "delete"],
        "round_id": ["hankinta-suomi-2023-2024"],
        "session_id": ["2023-09-11"],  # remote, without claims: cancelling or deleting it changes no claim
        "token": ["not-a-valid-link"],
    }
    missing = rule.arguments - set(known)
    assert not missing, f"the matrix cannot fill {missing} of {rule.rule}: add real values to _values"
    cases = [{}]
    for name in sorted(rule.arguments):
        # An `any(...)` part takes only its own words: review.decide checks or approves, review.act does more.
        words = getattr(rule._converters[name], "items", None)
        cases = [{**case, name: value} for case in cases for value in known[name] if words is None or value in words]
    return cases


def _cases(app, world: World) -> list[tuple[str, str, dict, Access]]:
    cases = []
    # The API first: it sends stale versions and changes nothing, whereas the admin's page does delete the
    # session that the API's session routes name too. Signing out comes last.
    order = sorted(routes(app).items(), key=lambda item: (item[0] == LOGOUT, not EXPECTED[item[0]].api))
    for (endpoint, method), rule in order:
        for access in [EXPECTED[(endpoint, method)], *VARIANTS.get((endpoint, method), [])]:
            for values in _values(world, rule, access.open_claim):
                query = {k: (world.claim.id if v == "claim" else v) for k, v in access.query.items()}
                cases.append((endpoint, method, {**values, **query}, access))
    return cases


def _send(world: World, role: str, method: str, url: str, access: Access, tokens: dict):
    client = world.clients[role]
    if access.api:
        headers = {"Accept-Language": "en"}
        if role != "anonymous":
            headers["Authorization"] = f"Bearer {world.tokens[role]}"
        # A stale version: an allowed finance action is refused as changed (409), so nothing changes.
        body = {} if method == "PUT" or url.endswith(("/claims", "/preview")) else {"version": 999999}
        return client.open(url, method=method, json=body, headers=headers)
    if method == "GET":
        return client.get(url)
    if role not in tokens:
        tokens[role] = csrf_token(client, "/login" if role == "anonymous" else "/password")
    return client.open(url, method=method, data={"csrf_token": tokens[role]})


def outcome(response) -> str:
    status = response.status_code
    if status in (301, 302, 303) and urlsplit(response.headers["Location"]).path == "/login":
        return "signin"
    if status in (401, 403, 404):
        return str(status)
    return "ok"


def _fingerprint() -> tuple:
    claims = sorted((c.id, c.status, c.version) for c in Claim.query.all())
    return claims, AuditEvent.query.count(), Receipt.query.count(), User.query.count()


def test_access_matrix(app, world):
    before = _fingerprint()
    tokens: dict[str, str] = {}
    problems, checked = [], 0
    with app.test_request_context():
        cases = [(e, m, url_for(e, **v), a) for e, m, v, a in _cases(app, world)]
    for endpoint, method, url, access in cases:
        for role in ROLES:
            answer = _send(world, role, method, url, access, tokens)
            got, want = outcome(answer), access.expected(role)
            text = answer.get_data(as_text=True) if answer.mimetype in ("text/html", "application/json") else ""
            if got != want:
                problems.append(
                    f"{endpoint}: {method} {url} as {role}: expected {want}, got {answer.status_code} ({got})"
                )
            elif answer.status_code >= 500 or CSRF_REFUSED in text:
                problems.append(f"{method} {url} as {role}: {answer.status_code} {text[:200]!r}")
            missing = [name for name in HEADERS if name not in answer.headers]
            if missing:
                problems.append(f"{method} {url} as {role}: no {', '.join(missing)}")
            answer.close()
            checked += 1
    FIGURES["access matrix: routes (endpoint × method × case)"] = len(cases)
    FIGURES["access matrix: route × role checks"] = checked
    assert problems == []
    # The matrix sends only incomplete or stale requests: it must not have changed anything.
    assert _fingerprint() == before


def test_signing_out_ends_the_session(world):
    for role in SIGNED_IN:
        client = world.clients[role]
        assert outcome(client.get("/password")) == "ok"
        answer = client.post("/logout", data={"csrf_token": csrf_token(client, "/password")})
        assert outcome(answer) == "signin"
        assert outcome(client.get("/password")) == "signin"
