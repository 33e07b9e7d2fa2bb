"""Migration accounts 0002: the live sessions of Django's table survive the upgrade."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session as DjangoSession
from django.test import Client
from django.utils import timezone

from scormlms.accounts.models import Session

pytestmark = pytest.mark.django_db

copy = importlib.import_module("scormlms.accounts.migrations.0002_copy_django_sessions")


def _legacy_login(user, backend: str = "django.contrib.auth.backends.ModelBackend") -> str:
    """A session as Django's own store wrote it before the upgrade."""
    store = DjangoStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _authenticated(session_key: str) -> bool:
    client = Client()
    client.cookies["sessionid"] = session_key
    return client.get("/lms/enrolments/nope/state").status_code != 401


def test_live_sessions_are_copied_and_still_log_their_user_in():
    ana = get_user_model().objects.create_user("ana", password="pw")
    live = _legacy_login(ana)
    expired = _legacy_login(ana)
    DjangoSession.objects.filter(session_key=expired).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    anonymous = DjangoStore()
    anonymous["cart"] = "x"
    anonymous.create()
    assert not _authenticated(live)  # before the copy the new store does not know it

    copy.copy_live_sessions(apps, None)

    rows = {s.session_key: s for s in Session.objects.all()}
    assert set(rows) == {live, anonymous.session_key}
    assert rows[live].user_id == ana.pk and rows[anonymous.session_key].user_id is None
    assert _authenticated(live)
    assert rows[anonymous.session_key].get_decoded() == {"cart": "x"}


def test_copying_twice_copies_nothing_new_and_a_changed_password_still_logs_out():
    ana = get_user_model().objects.create_user("ana", password="pw")
    key = _legacy_login(ana)
    copy.copy_live_sessions(apps, None)
    copy.copy_live_sessions(apps, None)
    assert Session.objects.filter(session_key=key).count() == 1
    ana.set_password("another-pw")
    ana.save()
    assert not _authenticated(key)  # Django's session hash check still applies
