"""WSGI entry point of `scormlms serve` (granian or gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scormlms.settings")
application = get_wsgi_application()

from scormlms import housekeeping  # noqa: E402  (needs the settings get_wsgi_application loaded)

housekeeping.install_for_server()
