"""The raw-SQL session store and auth backend behave as Django's own, with one query per request
where Django spends two (the session, then its user)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth import backends as django_backends
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.contrib.sessions.backends import db as django_sessions
from django.core.exceptions import SuspiciousOperation
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models.sql.compiler import SQLCompiler
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scormlms.accounts import sessions
from scormlms.accounts.backends import ModelBackend
from scormlms.accounts.models import Session
from scormlms.accounts.sessions import SessionStore
from scormlms.rows import Columns

pytestmark = pytest.mark.django_db

PASSWORD = "pw-long-enough-1"
STATE_URL = "/lms/enrolments/x/state"
DJANGO_AUTH = {
    "SESSION_ENGINE": "django.contrib.sessions.backends.db",
    "AUTHENTICATION_BACKENDS": ["django.contrib.auth.backends.ModelBackend"],
}


class DjangoStore(django_sessions.SessionStore):
    """Django's own database store, on this project's session table."""

    @classmethod
    def get_model_class(cls) -> type[Session]:
        return Session

    @property
    def key_salt(self) -> str:
        # Django signs session data with the class name in the salt; ours is SessionStore too.
        return f"django.contrib.sessions.{SessionStore.__qualname__}"


def make_user(username: str, **fields: object) -> User:
    user: User = get_user_model().objects.create_user(username, password=PASSWORD, **fields)  # type: ignore[assignment]
    return user


def log_in(username: str, client: Client | None = None, password: str = PASSWORD) -> Client:
    """``client`` (by default a new browser), logged in through the real login form."""
    client = client or Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content
    assert response["Location"] == settings.LOGIN_REDIRECT_URL
    return client


def who(response: HttpResponse) -> str | None:
    """The user named in the page header, None when the page is not a logged-in page."""
    found = re.search(rb'<span class="who">([^<]*)</span>', response.content)
    return found.group(1).decode() if found else None


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def assert_refused(client: Client) -> None:
    """The API answers 401 and pages send the browser to the login form."""
    api = client.get(STATE_URL)
    assert api.status_code == 401
    assert api.json()["error"] == "not_authenticated"
    page = client.get("/")
    assert page.status_code == 302
    assert page["Location"].startswith(settings.LOGIN_URL)


def assert_accepted(client: Client, username: str) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert who(page) == username
    assert client.get(STATE_URL).status_code != 401


def test_settings_install_the_raw_sql_store_and_backend() -> None:
    make_user("ana")
    ana = log_in("ana")
    assert isinstance(ana.session, SessionStore)
    assert ana.session["_auth_user_backend"] == "scormlms.accounts.backends.ModelBackend"


def test_login_form_then_pages_load_as_that_user() -> None:
    make_user("ana")
    make_user("bob")
    ana, bob = log_in("ana"), log_in("bob")
    assert_accepted(ana, "ana")
    assert_accepted(bob, "bob")
    assert session_key(ana) != session_key(bob)


def test_a_session_past_its_expiry_is_refused() -> None:
    make_user("ana")
    ana = log_in("ana")
    rows = Session.objects.filter(session_key=session_key(ana))
    # Just before the end still counts: the comparison is on the instant, not the text.
    rows.update(expire_date=timezone.now() + timedelta(seconds=5))
    assert_accepted(ana, "ana")
    rows.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert_refused(ana)


def test_logout_ends_the_session_and_its_cookie() -> None:
    make_user("ana")
    ana = log_in("ana")
    old_key = session_key(ana)
    assert_accepted(ana, "ana")
    response = ana.post("/accounts/logout/")
    assert response.status_code == 302
    assert_refused(ana)
    assert not Session.objects.filter(session_key=old_key).exists()
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_key
    assert_refused(replay)


def test_changing_the_password_ends_the_other_sessions() -> None:
    user = make_user("ana")
    make_user("bob")
    laptop, phone, bob = log_in("ana"), log_in("ana"), log_in("bob")
    assert_accepted(laptop, "ana")
    user.set_password("a-new-password-2")
    user.save()
    assert_refused(laptop)
    assert_refused(phone)
    assert_accepted(bob, "bob")
    fresh = Client()
    assert (
        fresh.post(
            "/accounts/login/", {"username": "ana", "password": "a-new-password-2"}
        ).status_code
        == 302
    )
    assert_accepted(fresh, "ana")


def test_an_inactive_user_is_refused() -> None:
    user = make_user("ana")
    ana = log_in("ana")
    assert_accepted(ana, "ana")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert_refused(ana)
    assert ModelBackend().get_user(str(user.pk)) is None
    user.is_active = True
    user.save(update_fields=["is_active"])
    assert ModelBackend().get_user(str(user.pk)) == user


@pytest.mark.parametrize(
    "tamper",
    [
        lambda key: key[:-1] + ("a" if key[-1] != "a" else "b"),
        lambda key: key + "x",
        lambda key: "short",
        lambda key: key[:10] + "' OR '1'='1",
    ],
    ids=["one-character", "longer", "too-short", "quote"],
)
def test_a_tampered_session_cookie_is_refused(tamper: Callable[[str], str]) -> None:
    make_user("ana")
    ana = log_in("ana")
    forged = Client()
    forged.cookies[settings.SESSION_COOKIE_NAME] = tamper(session_key(ana))
    assert_refused(forged)
    assert_accepted(ana, "ana")


def test_tampered_session_data_is_refused() -> None:
    make_user("ana")
    ana = log_in("ana")
    row = Session.objects.get(session_key=session_key(ana))
    row.session_data = row.session_data[:-2] + ("AA" if row.session_data[-2:] != "AA" else "BB")
    row.save()
    assert_refused(ana)


def test_the_loaded_user_has_every_field_of_the_orm_one() -> None:
    joined = datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=UTC)
    user = make_user(
        "ana",
        first_name="Ána",
        last_name="O'Brien",
        email="ana@example.test",
        is_staff=True,
        is_superuser=True,
        date_joined=joined,
        last_login=joined + timedelta(microseconds=1),
    )
    loaded = ModelBackend().get_user(str(user.pk))
    expected = User.objects.get(pk=user.pk)
    assert loaded is not None
    assert type(loaded) is type(expected)
    for field in User._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
        assert type(getattr(loaded, field.attname)) is type(getattr(expected, field.attname))
    assert loaded.date_joined == joined and loaded.date_joined.tzinfo is not None
    assert (loaded._state.adding, loaded._state.db) == (False, "default")
    assert loaded.check_password(PASSWORD)


def test_the_request_user_is_the_database_row() -> None:
    user = make_user("ana", first_name="Ana", email="ana@example.test")
    ana = log_in("ana")
    request_user = ana.get("/").wsgi_request.user
    expected = User.objects.get(pk=user.pk)
    for field in User._meta.concrete_fields:
        assert getattr(request_user, field.attname) == getattr(expected, field.attname)


@pytest.mark.parametrize(
    "user_id", ["999999", "abc", "", None, "1.5", str(2**63), str(-(2**63) - 1)]
)
def test_an_unknown_or_malformed_user_id_is_no_user(user_id: str | None) -> None:
    make_user("ana")
    assert ModelBackend().get_user(user_id) is None


@pytest.mark.parametrize("user_id", ["999999", None, 2**63, -(2**63) - 1])
def test_unknown_user_ids_agree_with_django(user_id: object) -> None:
    make_user("ana")
    assert django_backends.ModelBackend().get_user(user_id) is None
    assert ModelBackend().get_user(user_id) is None


def test_the_session_row_is_the_orm_one() -> None:
    make_user("ana")
    key = session_key(log_in("ana"))
    store = SessionStore(key)
    loaded = store._get_session_from_db()
    expected = Session.objects.get(session_key=key)
    assert loaded is not None
    assert (loaded.session_key, loaded.session_data) == (key, expected.session_data)
    assert loaded.expire_date == expected.expire_date
    assert loaded.expire_date.tzinfo is not None
    assert loaded.user_id == expected.user_id is not None
    assert store.load() == DjangoStore(key).load()
    assert store.session_key == key


def test_a_missing_or_expired_session_forgets_its_key() -> None:
    make_user("ana")
    key = session_key(log_in("ana"))
    Session.objects.filter(session_key=key).update(expire_date=timezone.now())
    for store in (SessionStore(key), SessionStore("n0-such-session-key")):
        assert store.load() == {}
        assert store.session_key is None


def test_exists_matches_django_and_ignores_expiry() -> None:
    make_user("ana")
    key = session_key(log_in("ana"))
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(days=1))
    for candidate, taken in [(key, True), ("n0-such-session-key", False)]:
        assert SessionStore().exists(candidate) is taken
        assert DjangoStore().exists(candidate) is taken


def test_a_suspicious_session_is_logged_and_forgotten(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    make_user("ana")
    key = session_key(log_in("ana"))

    def refuse(self: Columns[Session], row: object, start: int = 0) -> None:
        raise SuspiciousOperation("bad session row")

    monkeypatch.setattr(Columns, "load", refuse)
    store = SessionStore(key)
    with caplog.at_level(logging.WARNING, logger="django.security"):
        assert store.load() == {}
    assert store.session_key is None
    security = [r for r in caplog.records if r.name.startswith("django.security")]
    assert [(r.name, r.getMessage()) for r in security] == [
        ("django.security.SuspiciousOperation", "bad session row")
    ]


def test_the_per_request_reads_build_no_orm_query(monkeypatch: pytest.MonkeyPatch) -> None:
    user = make_user("ana")
    key = session_key(log_in("ana"))

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the ORM compiled a query")

    monkeypatch.setattr(SQLCompiler, "as_sql", forbidden)
    store = SessionStore(key)
    assert store.load()["_auth_user_id"] == str(user.pk)
    assert store.exists(key)
    assert ModelBackend().get_user(str(user.pk)) == user  # the user read with the session
    assert ModelBackend().get_user(str(user.pk)) == user  # the backend's own read


def _queries_of(client: Client) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
        assert client.get(STATE_URL).status_code != 401
    return [q["sql"] for q in ctx.captured_queries]


def _login_queries(username: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        log_in(username)
    return [q["sql"] for q in ctx.captured_queries]


def test_one_query_fewer_per_request_than_djangos_own_store_and_backend() -> None:
    make_user("ana")
    ours_login = _login_queries("ana")
    ours = _queries_of(log_in("ana"))
    with override_settings(**DJANGO_AUTH):
        django_login = _login_queries("ana")
        django = _queries_of(log_in("ana"))
    # The page: one query where Django makes two (session, user); the state: its one query
    # reads session and user too (PendingLogin), where Django makes three.
    assert len(ours) == len(django) - 3
    assert len(ours_login) <= len(django_login)
    # Django's .get() asks for up to 21 rows; the raw reads of the session and user do not.
    assert len(_auth_gets(django)) == 4  # a session and a user per request
    assert _auth_gets(ours) == []


def _auth_gets(queries: list[str]) -> list[str]:
    return [q for q in queries if "LIMIT 21" in q and re.search(r"django_session|auth_user", q)]


# One query per request: the session row carries its user's id, and the store reads the user
# with the session and hands it to ModelBackend.get_user.

AUTH_TABLES = (Session._meta.db_table, User._meta.db_table)


def _reads_of(ctx: CaptureQueriesContext, *tables: str) -> list[str]:
    """The captured queries that name any of ``tables``."""
    return [q["sql"] for q in ctx.captured_queries if any(f'"{t}"' in q["sql"] for t in tables)]


@pytest.mark.parametrize("url", ["/", STATE_URL])
def test_an_authenticated_request_reads_session_and_user_in_one_query(url: str) -> None:
    make_user("ana")
    ana = log_in("ana")
    with CaptureQueriesContext(connection) as ctx:
        response = ana.get(url)
    assert response.status_code != 401
    assert response.wsgi_request.user.get_username() == "ana"
    [query] = _reads_of(ctx, *AUTH_TABLES)
    assert all(f'"{table}"' in query for table in AUTH_TABLES)


def test_the_joined_user_row_is_read_after_a_password_change() -> None:
    user = make_user("ana")
    laptop, phone = log_in("ana"), log_in("ana")
    assert_accepted(laptop, "ana")
    # A change that sends no signal: only reading the row again can see it.
    new_hash = make_password("a-new-password-2")
    User.objects.filter(pk=user.pk).update(password=new_hash)
    assert_refused(laptop)
    assert_refused(phone)
    fresh = log_in("ana", password="a-new-password-2")
    request_user = fresh.get("/").wsgi_request.user
    assert isinstance(request_user, User) and request_user.password == new_hash


def test_a_user_saved_after_the_session_load_is_read_again() -> None:
    user = make_user("ana")
    key = session_key(log_in("ana"))
    SessionStore(key).load()
    user.set_password("a-new-password-2")
    user.save()
    with CaptureQueriesContext(connection) as ctx:
        loaded = ModelBackend().get_user(str(user.pk))
    assert loaded is not None and loaded.check_password("a-new-password-2")
    assert len(_reads_of(ctx, User._meta.db_table)) == 1


def test_a_deleted_user_is_not_answered_from_the_session_load() -> None:
    user = make_user("ana")
    key = session_key(log_in("ana"))
    SessionStore(key).load()
    user_id = str(user.pk)
    user.delete()
    assert ModelBackend().get_user(user_id) is None


def test_the_user_of_a_session_load_answers_only_its_own_id_and_once() -> None:
    ana, bob = make_user("ana"), make_user("bob")
    SessionStore(session_key(log_in("ana"))).load()
    with CaptureQueriesContext(connection) as ctx:
        assert ModelBackend().get_user(str(bob.pk)) == bob
    assert len(_reads_of(ctx, User._meta.db_table)) == 1
    with CaptureQueriesContext(connection) as ctx:
        assert ModelBackend().get_user(str(ana.pk)) == ana
    assert len(_reads_of(ctx, User._meta.db_table)) == 1


def test_a_request_without_a_session_sees_no_user_of_an_earlier_load() -> None:
    ana = make_user("ana")
    SessionStore(session_key(log_in("ana"))).load()
    assert_refused(Client())
    # The request's store dropped ana's row: get_user reads it from the database.
    with CaptureQueriesContext(connection) as ctx:
        assert ModelBackend().get_user(str(ana.pk)) == ana
    assert len(_reads_of(ctx, User._meta.db_table)) == 1


def test_a_new_store_sees_no_user_of_an_earlier_load() -> None:
    ana = make_user("ana")
    SessionStore(session_key(log_in("ana"))).load()
    # A store filled without a load (a new session) must not be answered with ana's old row.
    store = SessionStore()
    store[SESSION_KEY] = str(ana.pk)
    with CaptureQueriesContext(connection) as ctx:
        assert ModelBackend().get_user(store[SESSION_KEY]) == ana
    assert len(_reads_of(ctx, User._meta.db_table)) == 1


@pytest.mark.parametrize("failure", ["missing", "expired", "suspicious", "database error"])
def test_a_load_that_finds_no_session_offers_no_user(
    failure: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = make_user("ana")
    key = session_key(log_in("ana"))
    # Made before ana's load, so that only its own load can withdraw ana's row.
    failing = SessionStore("n0-such-session-key" if failure == "missing" else key)
    SessionStore(key).load()
    if failure == "expired":
        Session.objects.filter(session_key=key).update(expire_date=timezone.now())
    elif failure == "suspicious":

        def refuse(self: Columns[Session], row: object, start: int = 0) -> None:
            raise SuspiciousOperation("bad session row")

        monkeypatch.setattr(Columns, "load", refuse)
    if failure == "database error":
        monkeypatch.setattr(sessions, "_LIVE", "SELECT no_such_column FROM no_such_table")
        with pytest.raises(DatabaseError), transaction.atomic():
            failing.load()
    else:
        assert failing.load() == {}
    monkeypatch.undo()
    with CaptureQueriesContext(connection) as ctx:
        assert ModelBackend().get_user(str(ana.pk)) == ana
    assert len(_reads_of(ctx, User._meta.db_table)) == 1


def test_sessions_carry_the_id_of_their_user() -> None:
    ana, bob = make_user("ana"), make_user("bob")
    assert Session.objects.get(session_key=session_key(log_in("ana"))).user_id == ana.pk
    forced = Client()
    forced.force_login(bob)
    assert Session.objects.get(session_key=session_key(forced)).user_id == bob.pk
    for stored, user_id in [(None, None), ("abc", None), (str(2**63), None), (str(bob.pk), bob.pk)]:
        store = SessionStore()
        store["note"] = "kept"
        if stored is not None:
            store[SESSION_KEY] = stored
        store.save()
        assert Session.objects.get(session_key=store.session_key).user_id == user_id, stored


def test_logging_in_again_in_the_same_session_moves_its_user_id() -> None:
    ana, bob = make_user("ana"), make_user("bob")
    client = Client()
    anonymous = client.session
    anonymous["note"] = "kept"
    anonymous.save()
    assert Session.objects.get(session_key=anonymous.session_key).user_id is None
    # Logging in an anonymous session moves its data to a new key (cycle_key).
    log_in("ana", client)
    as_ana = session_key(client)
    assert as_ana != anonymous.session_key
    assert client.session["note"] == "kept"
    assert Session.objects.get(session_key=as_ana).user_id == ana.pk
    # Logging in as someone else starts a new session (flush).
    log_in("bob", client)
    assert session_key(client) != as_ana
    assert Session.objects.get(session_key=session_key(client)).user_id == bob.pk
    assert list(Session.objects.values_list("user_id", flat=True)) == [bob.pk]
    assert_accepted(client, "bob")


def test_a_session_hashed_with_a_retired_secret_key_moves_to_a_new_key_with_its_user() -> None:
    ana = make_user("ana")
    client = log_in("ana")
    old_key = session_key(client)
    retired = settings.SECRET_KEY
    with override_settings(SECRET_KEY="a-new-secret-key", SECRET_KEY_FALLBACKS=[retired]):
        # Django's get_user accepts the old hash, then cycles the key and stores the new hash.
        assert_accepted(client, "ana")
        assert session_key(client) != old_key
        assert Session.objects.get(session_key=session_key(client)).user_id == ana.pk
        assert not Session.objects.filter(session_key=old_key).exists()
        assert_accepted(client, "ana")


def test_deleting_a_user_ends_their_sessions() -> None:
    ana = make_user("ana")
    make_user("bob")
    laptop, phone, bob = log_in("ana"), log_in("ana"), log_in("bob")
    assert_accepted(laptop, "ana")
    ana.delete()
    assert sorted(Session.objects.values_list("session_key", flat=True)) == [session_key(bob)]
    assert_refused(laptop)
    assert_refused(phone)
    assert_accepted(bob, "bob")


def test_a_session_of_a_user_that_is_gone_still_saves_and_is_anonymous() -> None:
    # No foreign-key constraint: the row saves (a constraint would fail it, and make
    # SessionStore.create retry forever); Django's get_user then finds no user.
    store = SessionStore()
    store[SESSION_KEY] = "999999"
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store.save()
    assert Session.objects.get(session_key=store.session_key).user_id == 999999
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key or ""
    assert_refused(client)


def test_clearsessions_clears_expired_rows_of_the_session_table() -> None:
    make_user("ana")
    live, expired = session_key(log_in("ana")), session_key(log_in("ana"))
    Session.objects.filter(session_key=expired).update(expire_date=timezone.now())
    call_command("clearsessions")
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]


def test_the_session_model_matches_its_migrations() -> None:
    call_command("makemigrations", "accounts", "--check", "--dry-run", verbosity=0)
