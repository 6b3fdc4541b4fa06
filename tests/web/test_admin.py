"""Admin pages: users (add, role, deactivate), the roster and its all-or-nothing CSV import."""

import io
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from expenses.accounts import find_user
from expenses.extensions import db
from expenses.models import RosterEntry, User
from tests.factories import PASSWORD, make_user, new_client, post_form, sign_in

PROGRAMME = "hankinta-suomi-2023-2024"


def admin_client(app):
    client = new_client(app)
    admin = make_user("admin", name="Aino Admin")
    assert sign_in(client, admin).status_code == 302
    return client, admin


def can_sign_in(app, email: str, password: str = PASSWORD) -> bool:
    client = new_client(app)
    # The login form only needs the e-mail; a plain object keeps the database session out of it.
    return sign_in(client, SimpleNamespace(email=email), password).status_code == 302


def upload(client, content: bytes, programme: str = PROGRAMME):
    return post_form(
        client,
        "/admin/roster/import",
        {"file": (io.BytesIO(content), "roster.csv"), "programme": programme},
        content_type="multipart/form-data",
    )


def roster_count() -> int:
    return db.session.scalar(select(func.count()).select_from(RosterEntry))


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_index_lists_users_and_roster(app):
    mentor = make_user("mentor", name="Maija Mentori")
    db.session.add(RosterEntry(programme=PROGRAMME, user_id=mentor.id, role="mentor", organisation="Hansel Oy"))
    gone = make_user("finance", name="Former Officer")
    gone.active = False
    db.session.commit()
    client, _admin = admin_client(app)

    html = client.get("/admin/").get_data(as_text=True)

    users = re.search(r'<table id="users".*?</table>', html, re.S).group(0)
    assert "Maija Mentori" in users and mentor.email in users and "Aino Admin" in users
    assert re.search(r"Former Officer.*?No, deactivated", users, re.S)
    roster = re.search(r'<table id="roster".*?</table>', html, re.S).group(0)
    assert "Maija Mentori" in roster and "Hansel Oy" in roster and "Former Officer" not in roster


def test_admin_adds_a_user_who_can_sign_in(app):
    client, _admin = admin_client(app)

    answer = post_form(
        client,
        "/admin/users",
        {"email": " Kaisa.K@Example.fi ", "name": "Kaisa K", "role": "finance", "password": "long enough password"},
        follow_redirects=True,
    )

    assert "Kaisa K (kaisa.k@example.fi) was added." in answer.get_data(as_text=True)
    user = find_user("kaisa.k@example.fi")
    assert user.role == "finance" and user.active
    assert can_sign_in(app, "kaisa.k@example.fi", "long enough password")


def test_user_added_without_password_cannot_sign_in_yet(app):
    client, _admin = admin_client(app)
    post_form(client, "/admin/users", {"email": "new@example.fi", "name": "New Mentor", "role": "mentor"})
    assert find_user("new@example.fi").password_hash is None
    assert not can_sign_in(app, "new@example.fi", "")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "not-an-address", "name": "X", "role": "mentor"}, "email", "Write a whole e-mail address."),
        ({"email": "x@example.fi", "name": "", "role": "mentor"}, "name", ""),
        ({"email": "x@example.fi", "name": "X", "role": "mentor", "password": "short"}, "password", "12"),
        ({"email": "x@example.fi", "name": "X", "role": "mentor", "password": "aaaaaaaaaaaa"}, "password", "guess"),
        (
            {"email": "kaisa.v@example.fi", "name": "Kaisa Virtanen", "role": "mentor", "password": "kaisavirtanen"},
            "password",
            "too easy to guess",
        ),
        ({"email": "x@example.fi", "name": "X", "role": "superuser"}, "role", ""),
    ],
)
def test_bad_user_is_refused_with_the_error_next_to_the_field(app, data, field, message):
    client, _admin = admin_client(app)
    before = user_count()

    answer = post_form(client, "/admin/users", data)

    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html, re.S)
    assert error and message in error.group(1)
    assert user_count() == before


def test_existing_email_is_refused(app):
    existing = make_user("mentor")
    client, _admin = admin_client(app)
    answer = post_form(client, "/admin/users", {"email": existing.email.upper(), "name": "Twin", "role": "mentor"})
    assert answer.status_code == 422
    assert "already exists" in re.search(r'id="email-error">(.*?)</p>', answer.get_data(as_text=True), re.S).group(1)


def test_admin_changes_a_role_and_the_roster_follows(app):
    user = make_user("mentor", name="Matti Mentori")
    db.session.add(RosterEntry(programme=PROGRAMME, user_id=user.id, role="mentor"))
    db.session.commit()
    client, _admin = admin_client(app)

    answer = post_form(client, f"/admin/users/{user.id}/role", {"role": "actor"}, follow_redirects=True)

    assert "Matti Mentori is now: Actor." in answer.get_data(as_text=True)
    db.session.expire_all()
    assert user.role == "actor"
    assert db.session.scalar(select(RosterEntry.role).where(RosterEntry.user_id == user.id)) == "actor"


def test_changed_role_changes_access_at_once(app):
    officer = make_user("finance")
    officer_client = new_client(app)
    sign_in(officer_client, officer)
    assert officer_client.get("/finance/").status_code == 200
    client, _admin = admin_client(app)

    post_form(client, f"/admin/users/{officer.id}/role", {"role": "auditor"})

    assert officer_client.get("/finance/").status_code == 403


def test_deactivated_user_cannot_sign_in_and_is_signed_out(app):
    user = make_user("mentor", name="Leaving Mentor")
    their_client = new_client(app)
    sign_in(their_client, user)
    client, _admin = admin_client(app)

    answer = post_form(client, f"/admin/users/{user.id}/active", {"active": "0"}, follow_redirects=True)

    assert "Leaving Mentor is deactivated" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert user.active is False
    assert not can_sign_in(app, user.email)
    assert their_client.get("/claims/").status_code == 302  # the open session ended too

    post_form(client, f"/admin/users/{user.id}/active", {"active": "1"})
    assert can_sign_in(app, user.email)


def test_admin_cannot_deactivate_or_demote_themselves(app):
    client, admin = admin_client(app)

    answer = post_form(client, f"/admin/users/{admin.id}/active", {"active": "0"}, follow_redirects=True)
    assert "You cannot deactivate yourself" in answer.get_data(as_text=True)
    answer = post_form(client, f"/admin/users/{admin.id}/role", {"role": "mentor"}, follow_redirects=True)
    assert "You cannot take away your own admin role" in answer.get_data(as_text=True)

    db.session.expire_all()
    assert admin.active and admin.role == "admin"


def test_import_good_file_creates_users_and_roster_entries(app):
    existing = make_user("mentor", name="Maija Mentori", email="maija@example.fi")
    client, _admin = admin_client(app)
    # Excel's "CSV UTF-8": a BOM, semicolons, CRLF line ends, a blank line, mixed-case header and role.
    content = (
        "\ufeffEmail;Name;Role;Organisation\r\n"
        "maija@example.fi;Maija Mentori;mentor;Hansel Oy\r\n"
        "\r\n"
        "Antti.Aktori@Example.fi;Antti Äktori;Actor;Kunta X\r\n"
    ).encode()

    answer = upload(client, content)

    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "2 lines imported." in html
    assert re.search(r"<th scope=\"row\">2</th><td>maija@example.fi</td><td>added to the roster as mentor", html)
    assert re.search(r"<th scope=\"row\">4</th><td>antti.aktori@example.fi</td><td>new user", html)
    antti = find_user("antti.aktori@example.fi")
    assert antti.name == "Antti Äktori" and antti.role == "actor" and antti.password_hash is None
    entries = {e.user_id: e for e in db.session.scalars(select(RosterEntry))}
    assert entries[existing.id].role == "mentor" and entries[existing.id].organisation == "Hansel Oy"
    assert entries[antti.id].role == "actor" and entries[antti.id].programme == PROGRAMME
    listing = client.get("/admin/").get_data(as_text=True)
    assert "Antti Äktori" in re.search(r'<table id="roster".*?</table>', listing, re.S).group(0)


def test_import_updates_existing_entries(app):
    client, _admin = admin_client(app)
    upload(client, b"email,name,role,organisation\nm@example.fi,M M,mentor,Old Org\n")

    answer = upload(client, b"email,name,role,organisation\nm@example.fi,M M,actor,New Org\n")

    html = answer.get_data(as_text=True)
    assert "role changed from mentor to actor" in html and "roster entry updated" in html
    entry = db.session.scalar(select(RosterEntry))
    assert (entry.role, entry.organisation) == ("actor", "New Org") and roster_count() == 1
    assert find_user("m@example.fi").role == "actor"


def test_import_with_one_bad_line_saves_nothing_and_names_the_line(app):
    client, _admin = admin_client(app)
    users_before = user_count()
    content = (
        b"email,name,role\n"
        b"first@example.fi,First Mentor,mentor\n"
        b"second@example.fi,Second Mentor,mentor\n"
        b"third(at)example.fi,Third Mentor,mentor\n"
        b"fourth@example.fi,Fourth,coach\n"
        b"fifth@example.fi,,actor\n"
    )

    answer = upload(client, content)

    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Nothing was imported" in html
    bad_email = re.escape("Line 4</th><td>third(at)example.fi</td><td>&#39;third(at)example.fi&#39; is not an e-mail")
    assert re.search(bad_email, html)
    assert re.search(r"Line 5</th>.*?the role must be mentor or actor, not &#39;coach&#39;", html, re.S)
    assert re.search(r"Line 6</th>.*?the name is missing", html, re.S)
    assert "Line 2<" not in html and "Line 3<" not in html
    assert user_count() == users_before and roster_count() == 0
    assert find_user("first@example.fi") is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"mail,name,role\nx@example.fi,X,mentor\n", "The first line must name the columns"),
        (b"", "The file is empty."),
        ("email,name,role\nå@example.fi,Åsa,mentor\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_unreadable_file_is_refused_with_a_reason(app, content, message):
    client, _admin = admin_client(app)
    answer = upload(client, content)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    assert roster_count() == 0


def test_import_without_a_file_asks_for_one(app):
    client, _admin = admin_client(app)
    answer = post_form(client, "/admin/roster/import", {"programme": PROGRAMME}, content_type="multipart/form-data")
    assert answer.status_code == 422
    assert re.search(r'id="file-error">Choose the CSV file to import.', answer.get_data(as_text=True))


def test_admin_post_without_csrf_token_is_refused(app):
    client, _admin = admin_client(app)
    answer = client.post("/admin/users", data={"email": "x@example.fi", "name": "X", "role": "admin"})
    assert answer.status_code == 400
    assert find_user("x@example.fi") is None


@pytest.mark.parametrize("role", ["mentor", "actor", "finance", "auditor"])
def test_other_roles_get_403(app, role):
    victim = make_user("mentor")
    client = new_client(app)
    sign_in(client, make_user(role))

    assert client.get("/admin/").status_code == 403
    assert post_form(client, f"/admin/users/{victim.id}/active", {"active": "0"}).status_code == 403
    assert post_form(client, "/admin/users", {"email": "y@example.fi", "name": "Y", "role": "admin"}).status_code == 403
    db.session.expire_all()
    assert victim.active and find_user("y@example.fi") is None


def test_signed_out_visitor_is_sent_to_sign_in(client):
    answer = client.get("/admin/")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
