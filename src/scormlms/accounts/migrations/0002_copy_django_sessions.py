"""Carry the live sessions of Django's own session table over to ``accounts.Session``.

This version of the product used its own session table; 0003 moves the sessions back. The data
of both is signed with the same salt (Django salts with the store class's name, ``SessionStore``
in both), so a row is copied with the id of the user its data logs in.
"""

from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import migrations
from django.utils import timezone

DJANGO_BACKEND = "django.contrib.auth.backends.ModelBackend"
OUR_BACKEND = "scormlms.accounts.backends.ModelBackend"


def _user_pk(user_id: Any) -> int | None:
    try:
        return int(user_id)
    except (TypeError, ValueError):
        return None


def copy_live_sessions(apps: Any, schema_editor: Any) -> None:
    legacy = apps.get_model("sessions", "Session")
    current = apps.get_model("accounts", "Session")
    taken = set(current.objects.values_list("session_key", flat=True))
    store = SessionStore()
    rows = []
    for row in legacy.objects.filter(expire_date__gt=timezone.now()).iterator():
        if row.session_key in taken:
            continue
        data = store.decode(row.session_data)  # {} when it does not verify
        if data.get(BACKEND_SESSION_KEY) == DJANGO_BACKEND:
            data[BACKEND_SESSION_KEY] = OUR_BACKEND
        rows.append(
            current(
                session_key=row.session_key,
                session_data=store.encode(data),
                expire_date=row.expire_date,
                user_id=_user_pk(data.get(SESSION_KEY)),
            )
        )
    current.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(copy_live_sessions, migrations.RunPython.noop)]
