"""Logins are Django's own: ``cached_db`` sessions on a shared cache and ``ModelBackend``.

Every rule of who is logged in is Django's; these tests pin that the commit and state endpoints
answer those rules with their JSON 401 and write nothing, and that a session ended anywhere is
ended everywhere (the cache is shared; tests/hosts proves it across two hosts).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client, override_settings

from scormlms.tracking import tokens
from scormlms.tracking.models import Attempt, AttemptEvent, ScoAttempt
from tests.tracking.conftest import Learner, make_course

pytestmark = pytest.mark.django_db

STATE = "/lms/enrolments/c1/state"


def _key(learner: Learner) -> str:
    return learner.client.cookies[settings.SESSION_COOKIE_NAME].value


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
def started_learner(learner_factory: Any) -> tuple[Learner, dict[str, Any]]:
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    ana.result(started, {"cmi.location": "p1"})
    return ana, started


def test_the_settings_are_djangos_own_sessions_and_backend() -> None:
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    assert settings.AUTHENTICATION_BACKENDS == ["django.contrib.auth.backends.ModelBackend"]
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.REDIS_URL:
        assert backend == "django.core.cache.backends.redis.RedisCache"
    else:  # shared by every worker of the host; never a per-process memory cache
        assert backend == "django.core.cache.backends.filebased.FileBasedCache"


def test_a_commit_and_a_state_read_as_the_logged_in_learner(started_learner: Any) -> None:
    ana, started = started_learner
    ana.result(started, {"cmi.location": "p2"})
    assert ScoAttempt.objects.get().location == "p2"
    response = ana.client.get(STATE)
    assert response.status_code == 200
    assert response.wsgi_request.user.get_username() == "ana"


def test_no_cookie_is_no_login(started_learner: Any) -> None:
    ana, started = started_learner
    ana.client.cookies.clear()
    _refused(ana, started)


def test_a_made_up_session_key_is_no_login(started_learner: Any) -> None:
    ana, started = started_learner
    ana.client.cookies[settings.SESSION_COOKIE_NAME] = _key(ana)[:-4] + "zzzz"
    _refused(ana, started)


def test_an_expired_session_is_no_login(started_learner: Any) -> None:
    ana, started = started_learner
    store = SessionStore(_key(ana))
    store.set_expiry(1)  # seconds: in the database row and the cache entry alike
    store.save()
    time.sleep(1.5)
    _refused(ana, started)


def test_logging_out_ends_the_session_for_every_client_holding_it(started_learner: Any) -> None:
    ana, started = started_learner
    other_tab = Client()
    other_tab.cookies[settings.SESSION_COOKIE_NAME] = _key(ana)
    assert other_tab.get(STATE).status_code == 200
    other_tab.post("/accounts/logout/")
    assert not Session.objects.exists()
    _refused(ana, started)


def test_an_inactive_learner_is_no_login(started_learner: Any) -> None:
    ana, started = started_learner
    User.objects.filter(pk=ana.user.pk).update(is_active=False)
    _refused(ana, started)


def test_a_password_changed_elsewhere_ends_the_session(started_learner: Any) -> None:
    ana, started = started_learner
    user = User.objects.get(pk=ana.user.pk)
    user.set_password("another-password-1")
    user.save()
    _refused(ana, started)


def test_tampered_session_data_is_no_login(started_learner: Any) -> None:
    ana, started = started_learner
    row = Session.objects.get(session_key=_key(ana))
    row.session_data = row.session_data[:-3] + "abc"
    row.save()
    cache.clear()  # as after a restart of the cache: the row is read again
    _refused(ana, started)


def test_a_session_without_its_hash_is_flushed(started_learner: Any) -> None:
    ana, started = started_learner
    store = SessionStore(_key(ana))
    del store[HASH_SESSION_KEY]
    store.save()
    _refused(ana, started)
    assert not Session.objects.filter(session_key=store.session_key).exists()


def test_another_learners_attempt_is_refused(learner_factory: Any) -> None:
    course = make_course()
    ana = learner_factory(enrol=[course])
    bob = learner_factory("bob", enrol=[course])
    started = ana.start("c1")
    bob.result(started, {"cmi.location": "mine"}, expect=403)
    assert ScoAttempt.objects.get().location == ""


def test_after_a_key_rotation_a_refused_commit_gets_its_json_and_the_session_moves(
    learner_factory: Any,
) -> None:
    """Django's get_user moves a session whose hash only verifies with a fallback key to a new
    session key. It runs before the commit's transaction, so a refused commit cannot roll the
    move back: the learner gets the JSON answer, and the session lives on under its new key."""
    course = make_course()
    ana = learner_factory(enrol=[course])
    bob = learner_factory("bob", enrol=[course])
    started = ana.start("c1")
    old_key = _key(bob)
    with override_settings(
        SECRET_KEY="a-new-secret-key-" + "x" * 40, SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]
    ):
        answer = bob.result(started, {"cmi.location": "bob was here"}, expect=403)
        assert answer["error"] == "forbidden"
        new_key = _key(bob)
        assert new_key != old_key
        assert not Session.objects.filter(session_key=old_key).exists()
        assert Session.objects.filter(session_key=new_key).exists()
        assert bob.client.get(STATE).wsgi_request.user.get_username() == "bob"
    assert ScoAttempt.objects.get().location == ""


@pytest.mark.parametrize("tamper", [lambda t: t[:-2] + "xx", lambda t: "x" + t[1:], lambda t: ""])
def test_a_tampered_launch_token_is_refused_every_time(started_learner: Any, tamper: Any) -> None:
    ana, started = started_learner
    bad = {**started, "launch": {**started["launch"], "token": tamper(started["launch"]["token"])}}
    for _ in range(2):
        answer = ana.result(bad, {"cmi.location": "forged"}, expect=403)
        assert answer["error"] == "bad_token"
    assert ScoAttempt.objects.get().location == "p1"


def test_an_expired_launch_token_is_refused_every_time(
    started_learner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, started = started_learner
    ana.result(started, {"cmi.location": "p2"})  # accepted while fresh
    monkeypatch.setattr(tokens, "MAX_AGE_SECONDS", -1)  # every signature is now too old
    for _ in range(2):
        answer = ana.result(started, {"cmi.location": "late"}, expect=403)
        assert "expired" in answer["message"]
    assert ScoAttempt.objects.get().location == "p2"
