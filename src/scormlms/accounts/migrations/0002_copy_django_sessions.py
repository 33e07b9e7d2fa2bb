"""Carry the live sessions of Django's own session table over, so an upgrade logs nobody out.

Before 0001 the sessions lived in ``django_session``. Their data is signed with the same salt
(both stores are named ``SessionStore``), so each live row is copied with the id of the user
its data logs in. A login through Django's own ``ModelBackend`` is moved to ours, which took its
place in AUTHENTICATION_BACKENDS (Django drops a session whose backend is no longer listed).
"""

from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.db import migrations
from django.utils import timezone


DJANGO_BACKEND = "django.contrib.auth.backends.ModelBackend"
OUR_BACKEND = "scormlms.accounts.backends.ModelBackend"


def copy_live_sessions(apps: Any, schema_editor: Any) -> None:
    from scormlms.accounts.backends import user_pk
    from scormlms.accounts.sessions import SessionStore

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
                user_id=user_pk(data.get(SESSION_KEY)),
            )
        )
    current.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(copy_live_sessions, migrations.RunPython.noop)]
