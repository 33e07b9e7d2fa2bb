"""The commit and state endpoints read the request's session and user in their own statement
(``sessions.PendingLogin``): one query fewer, and exactly Django's rules for who is logged in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import User
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scormlms.accounts.models import Session
from scormlms.accounts.sessions import PendingLogin, SessionStore
from scormlms.tracking.models import Attempt, AttemptEvent, ScoAttempt
from tests.tracking.conftest import Learner, make_course

pytestmark = pytest.mark.django_db

STATE = "/lms/enrolments/c1/state"
AUTH_TABLES = ('"accounts_session"', '"auth_user"')


def _queries(fn: Callable[[], Any]) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        answer = fn()
    return answer, [q["sql"] for q in ctx.captured_queries]


def _session(learner: Learner) -> Session:
    return Session.objects.get(
        session_key=learner.client.cookies[settings.SESSION_COOKIE_NAME].value
    )


def test_state_is_one_query_with_its_login(learner_factory):
    course = make_course()
    learner_factory("bob", enrol=[course]).start("c1")  # another learner's attempt
    ana = learner_factory(enrol=[course])
    response, queries = _queries(lambda: ana.client.get(STATE))
    assert response.status_code == 200
    assert response.json()["status"] == "Not Started"
    assert response.wsgi_request.user.get_username() == "ana"
    assert len(queries) == 1, "\n".join(q[:150] for q in queries)
    [query] = queries
    assert all(table in query for table in AUTH_TABLES)
    assert '"courses_enrolment"' in query


def test_a_commit_reads_its_login_with_its_locked_rows(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    _, queries = _queries(lambda: ana.result(started, {"cmi.location": "p2"}))
    [auth] = [q for q in queries if '"accounts_session"' in q]
    assert '"tracking_attempt"' in auth and '"auth_user"' in auth
    assert not [q for q in queries if '"auth_user"' in q and q is not auth]
    assert ScoAttempt.objects.get().location == "p2"


def _written() -> tuple[Any, ...]:
    attempt = Attempt.objects.get()
    sco = ScoAttempt.objects.get()
    return attempt.commit_count, sco.commit_seq, sco.location, AttemptEvent.objects.count()


def _refused(learner: Learner, started: dict[str, Any]) -> None:
    """Both endpoints answer 401 the way the login middleware does, and nothing is written."""
    before = _written()
    state = learner.client.get(STATE)
    assert state.status_code == 401, state.content
    assert state.json()["error"] == "not_authenticated"
    learner.result(started, {"cmi.location": "later"}, expect=401)
    assert _written() == before
    assert learner.client.get(STATE).wsgi_request.user.is_anonymous


@pytest.fixture
def started_learner(learner_factory) -> tuple[Learner, dict[str, Any]]:
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    ana.result(started, {"cmi.location": "p1"})
    return ana, started


def test_no_cookie_is_no_login(started_learner):
    ana, started = started_learner
    ana.client.cookies.clear()
    _refused(ana, started)


def test_an_expired_session_is_no_login(started_learner):
    ana, started = started_learner
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    _refused(ana, started)


def test_an_inactive_learner_is_no_login(started_learner):
    ana, started = started_learner
    User.objects.filter(pk=ana.user.pk).update(is_active=False)
    _refused(ana, started)


def test_a_password_changed_elsewhere_ends_the_session(started_learner):
    ana, started = started_learner
    user = User.objects.get(pk=ana.user.pk)
    user.set_password("another-password-1")
    user.save()
    _refused(ana, started)


def test_tampered_session_data_is_no_login(started_learner):
    ana, started = started_learner
    row = _session(ana)
    row.session_data = row.session_data[:-3] + "abc"
    row.save()
    _refused(ana, started)


def test_a_session_without_its_hash_is_flushed(started_learner):
    ana, started = started_learner
    row = _session(ana)
    data = row.get_decoded()
    del data[HASH_SESSION_KEY]
    row.session_data = SessionStore().encode(data)
    row.save()
    _refused(ana, started)
    assert not Session.objects.filter(pk=row.pk).exists()  # flushed, as Django's get_user does


def test_the_signed_data_not_the_user_id_column_names_the_learner(learner_factory):
    """Should the session row's user id column ever disagree with its signed data, the data
    decides, and the state is the data's learner's."""
    course = make_course()
    ana = learner_factory(enrol=[course])
    bob = learner_factory("bob", enrol=[course])
    bob.start("c1")
    Session.objects.filter(pk=_session(ana).pk).update(user_id=bob.user.pk)
    response = ana.client.get(STATE)
    assert response.status_code == 200
    assert response.wsgi_request.user.get_username() == "ana"
    assert response.json()["status"] == "Not Started"  # not bob's open attempt
    assert bob.state("c1")["status"] == "In Progress"


def test_a_session_signed_with_a_retired_key_moves_to_a_new_key(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    old_key = _session(ana).session_key
    with override_settings(
        SECRET_KEY="a-new-secret-key-" + "x" * 40, SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]
    ):
        response = ana.client.get(STATE)
        assert response.status_code == 200
        assert response.wsgi_request.user.get_username() == "ana"
    assert not Session.objects.filter(session_key=old_key).exists()
    assert Session.objects.filter(user_id=ana.user.pk).count() == 1


def test_another_learners_attempt_is_still_refused(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    bob = learner_factory("bob", enrol=[course])
    started = ana.start("c1")
    bob.result(started, {"cmi.location": "mine"}, expect=403)
    assert ScoAttempt.objects.get().location == ""


def test_no_pending_login_once_the_user_was_read(learner_factory):
    ana = learner_factory()
    request = RequestFactory().get(STATE)
    request.COOKIES[settings.SESSION_COOKIE_NAME] = ana.client.cookies[
        settings.SESSION_COOKIE_NAME
    ].value
    SessionMiddleware(lambda r: None).process_request(request)  # type: ignore[arg-type]
    AuthenticationMiddleware(lambda r: None).process_request(request)  # type: ignore[arg-type]
    login = PendingLogin.of(request)
    assert login is not None
    assert request.user.get_username() == "ana"  # read the usual way
    assert PendingLogin.of(request) is None
    assert login.user() is request.user
