"""Move the live sessions back to Django's own table, so the upgrade logs nobody out.

Sessions are ``django.contrib.sessions`` again (``cached_db``) and logins Django's own
``ModelBackend``. The signed data carries over as it is (both stores are named ``SessionStore``,
the salt Django signs session data with); a login through the retired backend names Django's,
which took its place (Django ends a session whose backend is no longer listed). The cache holds
no session yet: each is read from the table on its first request and cached then.
"""

from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import migrations
from django.utils import timezone

RETIRED_BACKEND = "scormlms.accounts.backends.ModelBackend"
DJANGO_BACKEND = "django.contrib.auth.backends.ModelBackend"


def sessions_to_django(apps: Any, schema_editor: Any) -> None:
    ours = apps.get_model("accounts", "Session")
    django = apps.get_model("sessions", "Session")
    taken = set(django.objects.values_list("session_key", flat=True))
    store = SessionStore()
    rows = []
    for row in ours.objects.filter(expire_date__gt=timezone.now()).iterator():
        if row.session_key in taken:
            continue
        data = store.decode(row.session_data)  # {} when it does not verify
        if data.get(BACKEND_SESSION_KEY) == RETIRED_BACKEND:
            data[BACKEND_SESSION_KEY] = DJANGO_BACKEND
        rows.append(
            django(
                session_key=row.session_key,
                session_data=store.encode(data),
                expire_date=row.expire_date,
            )
        )
    django.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_copy_django_sessions"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(sessions_to_django, migrations.RunPython.noop),
        migrations.DeleteModel(name="Session"),
    ]
