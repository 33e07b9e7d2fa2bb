"""Upgrading from the version with its own session table (accounts.Session) logs nobody out:
migration accounts 0003 moves the live sessions back to Django's table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string

RETIRED_BACKEND = "scormlms.accounts.backends.ModelBackend"


def _old_session(user: User | None, expires_in: timedelta) -> str:
    """A row as the retired store wrote it: Django's signed data, plus the user's id."""
    data = {}
    if user is not None:
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: RETIRED_BACKEND,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
    else:
        data = {"cart": "x"}
    key = get_random_string(32, VALID_KEY_CHARS)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_session (session_key, session_data, expire_date, user_id)"
            " VALUES (%s, %s, %s, %s)",
            [key, SessionStore().encode(data), timezone.now() + expires_in, user and user.pk],
        )
    return key


@pytest.mark.django_db(transaction=True)
def test_live_sessions_survive_the_upgrade_and_expired_ones_do_not() -> None:
    ana = User.objects.create_user("ana", password="pw-ana-1")
    call_command("migrate", "accounts", "0002", verbosity=0)
    try:
        live = _old_session(ana, timedelta(days=1))
        expired = _old_session(ana, -timedelta(seconds=1))
        anonymous = _old_session(None, timedelta(days=1))
    finally:
        call_command("migrate", "accounts", verbosity=0)

    assert set(Session.objects.values_list("session_key", flat=True)) == {live, anonymous}
    assert "accounts_session" not in connection.introspection.table_names()
    client = Client()
    client.cookies["sessionid"] = live
    response = client.get("/")
    assert response.status_code == 200 and response.wsgi_request.user.get_username() == "ana"
    assert SessionStore(anonymous).load() == {"cart": "x"}
    client.cookies["sessionid"] = expired
    assert client.get("/").status_code == 302  # to the login page

    ana.set_password("another-pw-1")  # Django's session hash check holds after the move
    ana.save()
    client.cookies["sessionid"] = live
    assert client.get("/").status_code == 302
