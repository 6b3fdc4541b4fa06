"""The one password check (NIST SP 800-63B): long enough, and not common, repeated or built from the person."""

import time

import pytest
from flask_babel import force_locale

from expenses.accounts import AccountError, check_password_strength, set_password, verify_password
from expenses.demo import DEMO_PASSWORD
from expenses.extensions import db
from tests.factories import PASSWORD, make_user

EASY = "This password is too easy to guess"


@pytest.fixture(autouse=True)
def english(app):
    """Outside a request the messages are in the default language, Finnish; these tests read English."""
    with force_locale("en"):
        yield


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",  # the probe's: long enough, one letter repeated
        "abcabcabcabc",
        "123456789012",
        "password1234",
        "salasana1234",  # Finnish for "password"
        "qwertyuiopasdf",  # a keyboard row
        "matkakulut123456",  # the service's own name
    ],
)
def test_common_and_repeated_passwords_are_refused(app, password):
    with pytest.raises(AccountError, match=EASY):
        check_password_strength(password)


def test_a_password_built_from_the_persons_name_or_email_is_refused(app):
    check_password_strength("kaisavirtanen1")  # nothing ties it to anyone here
    with pytest.raises(AccountError, match=EASY):
        check_password_strength("kaisavirtanen1", ("kaisa.virtanen@example.fi", "Kaisa Virtanen"))


@pytest.mark.parametrize("password", [PASSWORD, DEMO_PASSWORD, "kissa koira lehmä", "Tr0ub4dor&3-x"])
def test_passphrases_and_the_demo_and_test_passwords_are_accepted(app, password):
    check_password_strength(password, ("mentor@example.fi", "Maija Mentori"))


def test_length_is_checked_first(app):
    with pytest.raises(AccountError, match="at least 12 characters"):
        check_password_strength("Xq7#pL2!")


def test_a_very_long_password_is_judged_quickly(app):
    started = time.perf_counter()
    with pytest.raises(AccountError, match=EASY):
        check_password_strength("x" * 1000)
    check_password_strength("four unrelated words " * 40)  # the first words already make it strong
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize(
    ("lang", "says"),
    [
        ("fi", "Tämä salasana on liian helppo arvata"),
        ("sv", "Det här lösenordet är för lätt att gissa"),
        ("en", "Choose another one, for example four or five words"),
    ],
)
def test_the_refusal_says_what_to_do_in_the_readers_language(app, lang, says):
    with force_locale(lang), pytest.raises(AccountError, match=says):
        check_password_strength("aaaaaaaaaaaa")


def test_set_password_refuses_an_easy_one_and_keeps_the_old(app):
    user = make_user("mentor", name="Kaisa Virtanen", email="kaisa.virtanen@example.fi")
    with pytest.raises(AccountError, match=EASY):
        set_password(user, "kaisavirtanen1")
    db.session.rollback()
    assert verify_password(user, PASSWORD)
